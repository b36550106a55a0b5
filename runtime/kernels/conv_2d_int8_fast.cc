// runtime/kernels/conv_2d_int8_fast.cc: CONV_2D int8, fast variant: im2col, then the integer GEMM of
// runtime/quantized_gemm.h, then per-channel requantization. The rows are what the GEMM variant of the active ISA
// takes: int16 (x - input zero point), padded taps 0; or uint8 (x + 128), padded taps 128 + zero point, i.e. 0
// after the offset correction folded into the bias. Either way a padded tap contributes 0, as "skip the tap" does
// in the reference kernel, so the int32 accumulator equals the reference's and the outputs are bit-identical.
// 16x8 and grouped convolutions use the reference kernel.
#include <algorithm>
#include <cstring>

#include "runtime/fixed_point.h"
#include "runtime/kernels/conv_2d_int8.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_gemm.h"
#include "runtime/quantized_prepare.h"
#include "runtime/quantized_requantize.h"

namespace tinyopt {

namespace {

constexpr size_t kRowsPerBlock = 64;  // output pixels per im2col block

class Conv2DInt8Fast final : public Kernel {
 public:
  Conv2DInt8Fast(ConvInt8Params p, const int8_t* filter)
      : p_(std::move(p)), gemm_(filter, p_.out_c, p_.filter_h * p_.filter_w * p_.in_c) {
    depth_ = gemm_.depth();
    kp_ = gemm_.row_stride();
    std::vector<int32_t> bias(static_cast<size_t>(p_.out_c), 0);
    for (size_t oc = 0; oc < p_.bias.size(); ++oc) bias[oc] = static_cast<int32_t>(p_.bias[oc]);
    bias32_ = gemm_.unsigned_offset_bias(bias, -p_.input_offset);
    shift32_.assign(p_.shift.begin(), p_.shift.end());
  }

  size_t scratch_bytes() const override {
    return kRowsPerBlock * gemm_.row_bytes() + static_cast<size_t>(kRowsPerBlock) * p_.out_c * sizeof(int32_t);
  }

  void eval(const OpBuffers& io) const override {
    const auto* input = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* output = reinterpret_cast<int8_t*>(io.outputs[0]);
    uint8_t* cols = io.scratch.data();
    auto* acc = reinterpret_cast<int32_t*>(io.scratch.data() + kRowsPerBlock * gemm_.row_bytes());
    const long pixels = static_cast<long>(p_.batches) * p_.out_h * p_.out_w;
    const bool u8 = gemm_.unsigned_rows();
    for (long start = 0; start < pixels; start += kRowsPerBlock) {
      const int rows = static_cast<int>(std::min<long>(kRowsPerBlock, pixels - start));
      for (int r = 0; r < rows; ++r) {
        if (u8)
          fill_row(input, start + r, cols + static_cast<long>(r) * kp_, static_cast<uint8_t>(128 - p_.input_offset),
                   [](int8_t x) { return static_cast<uint8_t>(x + 128); });
        else
          fill_row(input, start + r, reinterpret_cast<int16_t*>(cols) + static_cast<long>(r) * kp_, int16_t{0},
                   [off = p_.input_offset](int8_t x) { return static_cast<int16_t>(x + off); });
      }
      gemm_.multiply(cols, rows, acc);
      requantize(acc, rows, output + start * p_.out_c);
    }
  }

 private:
  // One im2col row: the receptive field of output pixel `pixel` as convert(x), `pad` where padded; the row's
  // tail up to kp_ is zeroed.
  template <class T, class Convert>
  void fill_row(const int8_t* input, long pixel, T* row, T pad, Convert convert) const {
    const int ox = static_cast<int>(pixel % p_.out_w);
    const int oy = static_cast<int>((pixel / p_.out_w) % p_.out_h);
    const int b = static_cast<int>(pixel / (static_cast<long>(p_.out_w) * p_.out_h));
    const int iy0 = oy * p_.stride_h - p_.pad_h;
    const int ix0 = ox * p_.stride_w - p_.pad_w;
    T* dst = row;
    for (int fy = 0; fy < p_.filter_h; ++fy) {
      const int iy = iy0 + fy * p_.dilation_h;
      for (int fx = 0; fx < p_.filter_w; ++fx, dst += p_.in_c) {
        const int ix = ix0 + fx * p_.dilation_w;
        if (iy < 0 || iy >= p_.in_h || ix < 0 || ix >= p_.in_w) {
          std::fill(dst, dst + p_.in_c, pad);
          continue;
        }
        const int8_t* src = input + ((static_cast<long>(b) * p_.in_h + iy) * p_.in_w + ix) * p_.in_c;
        for (int c = 0; c < p_.in_c; ++c) dst[c] = convert(src[c]);
      }
    }
    std::fill(row + depth_, row + kp_, T{0});
  }

  void requantize(const int32_t* acc, int rows, int8_t* out) const {
    const RequantizeChannels q{bias32_.data(), p_.multiplier.data(), shift32_.data(), p_.out_c, p_.output_offset,
                               p_.act_min, p_.act_max};
    requantize_rows(gemm_.isa(), q, acc, rows, out);
  }

  ConvInt8Params p_;
  Int8Gemm gemm_;                 // the weights, packed for the active ISA's GEMM
  int depth_ = 0, kp_ = 0;        // im2col row: depth_ values, kp_ elements
  std::vector<int32_t> bias32_;   // bias, with the uint8 offset correction when the GEMM takes uint8 rows
  std::vector<int32_t> shift32_;
};

}  // namespace

KernelResult make_conv_2d_int8(const Graph& g, int op_index) {
  auto p = prepare_conv_2d_int8(g, op_index);
  if (!p) return p.take_error();
  if (p->int16 || p->groups != 1) return make_conv_2d_int8_reference(g, op_index);
  auto weights = known_input(g, op_index, 1, "weights");  // a constant, or decoded from TFLM_DECODE's inputs
  if (!weights) return weights.take_error();
  return std::unique_ptr<Kernel>(
      std::make_unique<Conv2DInt8Fast>(std::move(*p), reinterpret_cast<const int8_t*>(weights->data())));
}

}  // namespace tinyopt
