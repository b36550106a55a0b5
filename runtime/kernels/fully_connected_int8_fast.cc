// runtime/kernels/fully_connected_int8_fast.cc: FULLY_CONNECTED int8, fast variant: the input rows are widened
// once to int16 (x - input zero point), zero-padded to the GEMM depth, multiplied with the zero-padded int8
// weights by runtime/quantized_gemm.h, then requantized per unit. The int32 accumulator is the reference's
// exactly, so outputs are bit-identical. 16x8 and weights with a non-zero zero point use the reference kernel.
#include <algorithm>
#include <cstring>

#include "runtime/fixed_point.h"
#include "runtime/kernels/fully_connected_int8.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_gemm.h"
#include "runtime/quantized_prepare.h"
#include "runtime/quantized_requantize.h"

namespace tinyopt {

namespace {

class FullyConnectedInt8Fast final : public Kernel {
 public:
  FullyConnectedInt8Fast(FullyConnectedInt8Params p, const int8_t* w) : p_(std::move(p)) {
    kp_ = gemm_padded_depth(p_.depth);
    weights_.assign(static_cast<size_t>(p_.units) * kp_, 0);
    for (int u = 0; u < p_.units; ++u)
      std::memcpy(&weights_[static_cast<size_t>(u) * kp_], w + static_cast<long>(u) * p_.depth, p_.depth);
    bias32_.assign(static_cast<size_t>(p_.units), 0);
    for (size_t u = 0; u < p_.bias.size(); ++u) bias32_[u] = static_cast<int32_t>(p_.bias[u]);
    for (int u = 0; u < p_.units; ++u) {  // per-tensor multipliers broadcast to every unit
      multiplier32_.push_back(p_.multiplier_at(u));
      shift32_.push_back(p_.shift_at(u));
    }
  }

  size_t scratch_bytes() const override {
    return static_cast<size_t>(p_.batches) * kp_ * sizeof(int16_t) +
           static_cast<size_t>(p_.batches) * p_.units * sizeof(int32_t);
  }

  void eval(const OpBuffers& io) const override {
    const auto* input = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* output = reinterpret_cast<int8_t*>(io.outputs[0]);
    auto* rows = reinterpret_cast<int16_t*>(io.scratch.data());
    auto* acc = reinterpret_cast<int32_t*>(io.scratch.data() + static_cast<size_t>(p_.batches) * kp_ * sizeof(int16_t));
    for (int b = 0; b < p_.batches; ++b) {
      int16_t* row = rows + static_cast<long>(b) * kp_;
      const int8_t* x = input + static_cast<long>(b) * p_.depth;
      for (int d = 0; d < p_.depth; ++d) row[d] = static_cast<int16_t>(x[d] + p_.input_offset);
      std::fill(row + p_.depth, row + kp_, int16_t{0});
    }
    gemm_s16_s8(rows, p_.batches, weights_.data(), p_.units, kp_, acc);
    const RequantizeChannels q{bias32_.data(), multiplier32_.data(), shift32_.data(), p_.units, p_.output_offset,
                               p_.act_min, p_.act_max};
    requantize_rows(q, acc, p_.batches, output);
  }

 private:
  FullyConnectedInt8Params p_;
  int kp_ = 0;
  std::vector<int8_t> weights_;  // [units][kp_]
  std::vector<int32_t> bias32_, multiplier32_, shift32_;
};

}  // namespace

KernelResult make_fully_connected_int8(const Graph& g, int op_index) {
  auto p = prepare_fully_connected_int8(g, op_index);
  if (!p) return p.take_error();
  if (p->int16 || p->filter_offset != 0) return make_fully_connected_int8_reference(g, op_index);
  auto weights = known_input(g, op_index, 1, "weights");  // a constant, or decoded from TFLM_DECODE's inputs
  if (!weights) return weights.take_error();
  return std::unique_ptr<Kernel>(
      std::make_unique<FullyConnectedInt8Fast>(std::move(*p), reinterpret_cast<const int8_t*>(weights->data())));
}

}  // namespace tinyopt
