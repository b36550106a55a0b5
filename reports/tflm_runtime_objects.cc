// reports/tflm_runtime_objects.cc: sizes of TFLM's MicroInterpreter and MicroMutableOpResolver<N> (see the header
// for the member lists they come from).
#include "reports/tflm_runtime_objects.h"

#include <set>

#include "reports/tflm_kernel_data.h"

namespace tinyopt {
namespace {

// MicroMutableOpResolver<n>, member by member: the largest alignment in it is the pointer's.
size_t op_resolver_bytes(size_t n, size_t p) {
  const size_t registration = align_up(5 * p + 4, p) + p;  // init, free, prepare, invoke, reset; code; custom_name
  size_t offset = p;                                        // vptr (MicroOpResolver has virtual functions)
  offset += n * registration;                               // registrations_[n]
  offset += 4;                                              // registrations_len_
  offset += 4 * n;                                          // builtin_codes_[n] (BuiltinOperator, int32)
  offset = align_up(offset, p) + n * p;                     // builtin_parsers_[n]
  offset += 4;                                              // num_buitin_ops_
  return align_up(offset, p);
}

// MicroInterpreter, member by member (no vptr: none of its functions is virtual).
size_t interpreter_bytes(size_t p) {
  const size_t context = p == 8 ? 200 : 100;               // TfLiteContext: 25 fields, pointers and ints
  const size_t graph = align_up(p + 6 * p + 4 + 4, p);      // MicroInterpreterGraph: vptr, 6 pointers, 2 ints
  const size_t micro_context = align_up(p + 6 * p + 4, p);  // MicroInterpreterContext: vptr, 6 pointers, state
  size_t offset = 2 * p;                                    // model_, op_resolver_
  offset += context + p + graph;                            // context_, allocator_, graph_
  offset = align_up(offset + 1, 4) + 4;                     // tensors_allocated_, initialization_status_
  offset = align_up(offset, p) + 3 * p;                     // scratch_buffer_handles_, input/output tensors
  offset += micro_context;
  return align_up(offset, p);
}

}  // namespace

TflmRuntimeObjects estimate_tflm_runtime_objects(const Graph& g, int pointer_bytes) {
  std::set<OpKind> kinds;
  for (const Op& op : g.ops) kinds.insert(op.kind);
  TflmRuntimeObjects o;
  o.pointer_bytes = pointer_bytes == 8 ? 8 : 4;
  o.op_kinds = static_cast<int>(kinds.size());
  o.interpreter_bytes = interpreter_bytes(static_cast<size_t>(o.pointer_bytes));
  o.op_resolver_bytes = op_resolver_bytes(kinds.size(), static_cast<size_t>(o.pointer_bytes));
  o.total_bytes = o.interpreter_bytes + o.op_resolver_bytes;
  return o;
}

}  // namespace tinyopt
