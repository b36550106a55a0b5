// runtime/kernels/fully_connected_int8_fast.cc: FULLY_CONNECTED int8, fast variant: the input rows are converted
// once to what the active ISA's GEMM takes (runtime/quantized_gemm.h: int16 x - input zero point, or uint8 x + 128
// with the offset correction folded into the bias), padded to the GEMM depth, multiplied with the packed int8
// weights, then requantized per unit. The int32 accumulator is the reference's
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
  FullyConnectedInt8Fast(FullyConnectedInt8Params p, const int8_t* w)
      : p_(std::move(p)), gemm_(w, p_.units, p_.depth, active_isa(), /*one_row=*/p_.batches == 1) {
    std::vector<int32_t> bias(static_cast<size_t>(p_.units), 0);
    for (size_t u = 0; u < p_.bias.size(); ++u) bias[u] = static_cast<int32_t>(p_.bias[u]);
    bias32_ = gemm_.unsigned_offset_bias(bias, -p_.input_offset);
    for (int u = 0; u < p_.units; ++u) {  // per-tensor multipliers broadcast to every unit
      multiplier32_.push_back(p_.multiplier_at(u));
      shift32_.push_back(p_.shift_at(u));
    }
    any_left_shift_ = requantize_any_left_shift(shift32_.data(), p_.units);
    uniform_ = requantize_uniform(multiplier32_.data(), shift32_.data(), p_.units);
  }

  size_t scratch_bytes() const override {
    return rows_bytes() + static_cast<size_t>(p_.batches) * p_.units * sizeof(int32_t);
  }

  void eval(const OpBuffers& io) const override {
    const auto* input = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* output = reinterpret_cast<int8_t*>(io.outputs[0]);
    uint8_t* rows = io.scratch.data();
    auto* acc = reinterpret_cast<int32_t*>(io.scratch.data() + rows_bytes());
    const RequantizeChannels q{bias32_.data(), multiplier32_.data(), shift32_.data(), p_.units, p_.output_offset,
                               p_.act_min, p_.act_max, any_left_shift_, uniform_};
    if (p_.batches == 1 && gemm_.takes_raw_row()) {  // one sample: the raw int8 row, no int16 copy
      gemm_.multiply_row(input, -p_.input_offset, acc);
      return requantize_rows(gemm_.isa(), q, acc, 1, output);
    }
    for (int b = 0; b < p_.batches; ++b)
      gemm_.write_row(input + static_cast<long>(b) * p_.depth, -p_.input_offset, rows + b * gemm_.row_bytes());
    gemm_.multiply(rows, p_.batches, acc);
    requantize_rows(gemm_.isa(), q, acc, p_.batches, output);
  }

 private:
  // Activation rows, rounded up to 64 bytes so the accumulators after them stay aligned.
  size_t rows_bytes() const { return (static_cast<size_t>(p_.batches) * gemm_.row_bytes() + 63) / 64 * 64; }

  FullyConnectedInt8Params p_;
  Int8Gemm gemm_;                // the weights, packed for the active ISA's GEMM
  std::vector<int32_t> bias32_;  // bias, with the uint8 offset correction when the GEMM takes uint8 rows
  std::vector<int32_t> multiplier32_, shift32_;
  bool any_left_shift_ = true;  // some shift32_ > 0 (requantize_any_left_shift)
  bool uniform_ = false;        // one multiplier and shift for every channel (requantize_uniform)
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
