// runtime/kernel_registry.cc: the (op kind, dtype) -> kernel factory table and the builtin registry, built once
// from the explicit registration lists (register_float_kernels, register_int8_kernels).
#include <cstdio>
#include <cstdlib>

#include "runtime/kernel.h"

namespace tinyopt {

void KernelRegistry::add(OpKind kind, DType dtype, KernelFactory factory) {
  // A duplicate is a programming error in a registration list; fail loudly at startup (MLIR's registerPass
  // aborts on a conflicting entry) rather than let one list silently shadow another.
  if (find(kind, dtype) != nullptr) {
    std::fprintf(stderr, "internal error: kernel for %.*s / %.*s registered twice\n",
                 static_cast<int>(op_kind_name(kind).size()), op_kind_name(kind).data(),
                 static_cast<int>(dtype_name(dtype).size()), dtype_name(dtype).data());
    std::abort();
  }
  entries_.push_back({kind, dtype, factory});
}

KernelFactory KernelRegistry::find(OpKind kind, DType dtype) const {
  for (const Entry& e : entries_)
    if (e.kind == kind && e.dtype == dtype) return e.factory;
  return nullptr;
}

const KernelRegistry& KernelRegistry::builtin() {
  static const KernelRegistry registry = [] {
    KernelRegistry r;
    register_float_kernels(r);
    register_int8_kernels(r);
    return r;
  }();
  return registry;
}

}  // namespace tinyopt
