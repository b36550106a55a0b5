// runtime/kernels/broadcast_float.h: the float binary elementwise kernel shared by ADD, SUB and MUL
// (add_float.cc, sub_float.cc, mul_float.cc each instantiate it with their arithmetic).
//
// NumPy broadcasting: shapes aligned from the right, a dimension of 1 repeats. prepare turns both inputs into
// per-dimension element strides over the output shape (stride 0 where broadcast); eval walks the output with an
// odometer over the outer dimensions and a tight inner loop over the last one. Equal shapes and a scalar operand
// take flat loops.
#pragma once

#include <memory>
#include <vector>

#include "runtime/kernels/float_activation.h"
#include "runtime/kernels/float_kernels.h"

namespace tinyopt {

template <class Fn>
class BroadcastFloat final : public Kernel {
 public:
  enum class Mode { Same, ScalarA, ScalarB, General };
  Mode mode = Mode::General;
  int64_t count = 0;
  Shape out_shape;
  std::vector<int64_t> stride_a, stride_b;  // per output dimension, 0 where the input broadcasts
  FloatClamp clamp{};
  bool clamped = false;

  void eval(const OpBuffers& io) const override {
    const auto* a = reinterpret_cast<const float*>(io.inputs[0]);
    const auto* b = reinterpret_cast<const float*>(io.inputs[1]);
    auto* y = reinterpret_cast<float*>(io.outputs[0]);
    Fn fn;
    switch (mode) {
      case Mode::Same: for (int64_t i = 0; i < count; ++i) y[i] = fn(a[i], b[i]); break;
      case Mode::ScalarA: for (int64_t i = 0; i < count; ++i) y[i] = fn(a[0], b[i]); break;
      case Mode::ScalarB: for (int64_t i = 0; i < count; ++i) y[i] = fn(a[i], b[0]); break;
      case Mode::General: general(a, b, y, fn); break;
    }
    if (clamped) for (int64_t i = 0; i < count; ++i) y[i] = apply_clamp(y[i], clamp);
  }

 private:
  void general(const float* a, const float* b, float* y, Fn fn) const {
    const size_t rank = out_shape.size();
    const int64_t inner = out_shape[rank - 1], sa = stride_a[rank - 1], sb = stride_b[rank - 1];
    std::vector<int32_t> index(rank, 0);
    int64_t oa = 0, ob = 0;
    for (int64_t done = 0; done < count; done += inner) {
      for (int64_t i = 0; i < inner; ++i) y[done + i] = fn(a[oa + i * sa], b[ob + i * sb]);
      for (size_t d = rank - 1; d-- > 0;) {  // odometer over the outer dimensions
        oa += stride_a[d], ob += stride_b[d];
        if (++index[d] < out_shape[d]) break;
        oa -= stride_a[d] * out_shape[d], ob -= stride_b[d] * out_shape[d];
        index[d] = 0;
      }
    }
  }
};

// Strides of `in` broadcast to `out` (rank of `out`, right-aligned).
inline std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<int64_t> strides(out.size(), 0);
  int64_t s = 1;
  for (size_t i = 0; i < in.size(); ++i) {
    const size_t d_in = in.size() - 1 - i, d_out = out.size() - 1 - i;
    strides[d_out] = in[d_in] == 1 ? 0 : s;
    s *= in[d_in];
  }
  return strides;
}

template <class Fn>
KernelResult make_broadcast_float(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const ElementwiseOptions o =
      std::holds_alternative<ElementwiseOptions>(op.options) ? op.opts<ElementwiseOptions>() : ElementwiseOptions{};
  auto clamp = fused_clamp(g, op_index, o.activation);
  if (!clamp) return clamp.take_error();
  const Shape& a = g.tensor(op.inputs[0]).shape;
  const Shape& b = g.tensor(op.inputs[1]).shape;
  auto k = std::make_unique<BroadcastFloat<Fn>>();
  k->out_shape = g.tensor(op.outputs[0]).shape;
  k->count = num_elements(k->out_shape);
  k->clamp = *clamp;
  k->clamped = o.activation != Activation::None;
  using Mode = typename BroadcastFloat<Fn>::Mode;
  if (num_elements(a) == k->count && num_elements(b) == k->count) k->mode = Mode::Same;
  else if (num_elements(a) == 1) k->mode = Mode::ScalarA;
  else if (num_elements(b) == 1) k->mode = Mode::ScalarB;
  else {
    k->mode = Mode::General;
    k->stride_a = broadcast_strides(a, k->out_shape);
    k->stride_b = broadcast_strides(b, k->out_shape);
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace tinyopt
