// tests/runtime/int8_test_graph.h: builds one-op graphs with quantized tensors by hand and runs a kernel factory
// on them directly (prepare + eval on plain buffers), for the integer kernel unit tests.
#pragma once

#include <fmt/format.h>

#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "ir/graph.h"
#include "runtime/kernel.h"

namespace tinyopt::test {

inline QuantParams qp(float scale, int64_t zp) { return QuantParams{{scale}, {zp}, 0}; }
inline QuantParams qp_channels(std::vector<float> scales, int32_t axis) {
  std::vector<int64_t> zps(scales.size(), 0);
  return QuantParams{std::move(scales), std::move(zps), axis};
}

// Adds an activation tensor.
inline TensorId add_act(Graph& g, DType t, Shape shape, QuantParams q) {
  Tensor x;
  x.name = fmt::format("t{}", g.tensors.size());  // not "t" + to_string(): GCC 12 -Wrestrict false positive
  x.dtype = t;
  x.shape = std::move(shape);
  x.quant = std::move(q);
  return g.add_tensor(std::move(x));
}

// Adds a constant tensor holding `values`.
template <class T>
TensorId add_const(Graph& g, Shape shape, const std::vector<T>& values, std::optional<QuantParams> q = std::nullopt) {
  Tensor x;
  x.name = fmt::format("c{}", g.tensors.size());
  x.shape = std::move(shape);
  x.set_values<T>(std::span<const T>(values));
  x.quant = std::move(q);
  return g.add_tensor(std::move(x));
}

inline int add_one_op(Graph& g, OpKind kind, OpOptions options, std::vector<TensorId> inputs, std::vector<TensorId> outputs) {
  Op op;
  op.kind = kind;
  op.options = std::move(options);
  op.inputs = std::move(inputs);
  op.outputs = std::move(outputs);
  g.inputs.clear();
  for (TensorId id : op.inputs)
    if (id != kNoTensor && !g.tensor(id).is_constant) g.inputs.push_back(id);
  g.outputs = op.outputs;
  return g.add_op(std::move(op));
}

// Prepares op 0 of `g` with `factory` and evaluates it on `inputs` (bytes of each non-constant input, in op input
// order); returns output 0 as Out elements. Fails the test if prepare fails.
template <class Out>
std::vector<Out> run_kernel(const Graph& g, KernelFactory factory, const std::vector<std::vector<uint8_t>>& inputs,
                            int op_index = 0) {
  auto k = factory(g, op_index);
  REQUIRE_MESSAGE(k.has_value(), (k ? std::string() : k.error().to_string()));
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  std::vector<const uint8_t*> in_ptrs;
  size_t next = 0;
  for (TensorId id : op.inputs) {
    if (id == kNoTensor) {
      in_ptrs.push_back(nullptr);
    } else if (g.tensor(id).is_constant) {
      in_ptrs.push_back(g.tensor(id).data.data());
    } else {
      REQUIRE(next < inputs.size());
      in_ptrs.push_back(inputs[next++].data());
    }
  }
  const Tensor& out = g.tensor(op.outputs[0]);
  std::vector<Out> result(static_cast<size_t>(out.num_elements()));
  std::vector<uint8_t*> out_ptrs{reinterpret_cast<uint8_t*>(result.data())};
  std::vector<uint8_t> scratch((*k)->scratch_bytes() + 16);
  OpBuffers io{in_ptrs, out_ptrs, std::span<uint8_t>(scratch.data(), (*k)->scratch_bytes())};
  (*k)->eval(io);
  return result;
}

template <class T> std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

}  // namespace tinyopt::test
