// runtime/kernels/conv_2d_int8_fast.cc: CONV_2D int8, fast variant: im2col into int16 rows of (x - input zero
// point), then the integer GEMM of runtime/quantized_gemm.h, then per-channel requantization. Padded taps are
// written as 0, which is what "skip the tap" contributes in the reference kernel, so the int32 accumulator equals
// the reference's and the outputs are bit-identical. 16x8 and grouped convolutions use the reference kernel.
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

constexpr int kRowsPerBlock = 64;  // output pixels per im2col block

class Conv2DInt8Fast final : public Kernel {
 public:
  Conv2DInt8Fast(ConvInt8Params p, const int8_t* filter) : p_(std::move(p)) {
    depth_ = p_.filter_h * p_.filter_w * p_.in_c;
    kp_ = gemm_padded_depth(depth_);
    weights_.assign(static_cast<size_t>(p_.out_c) * kp_, 0);
    for (int oc = 0; oc < p_.out_c; ++oc)
      std::memcpy(&weights_[static_cast<size_t>(oc) * kp_], filter + static_cast<long>(oc) * depth_, depth_);
    bias32_.assign(static_cast<size_t>(p_.out_c), 0);
    for (int oc = 0; oc < p_.out_c && !p_.bias.empty(); ++oc)
      bias32_[static_cast<size_t>(oc)] = static_cast<int32_t>(p_.bias[static_cast<size_t>(oc)]);
    shift32_.assign(p_.shift.begin(), p_.shift.end());
  }

  size_t scratch_bytes() const override {
    return static_cast<size_t>(kRowsPerBlock) * kp_ * sizeof(int16_t) +
           static_cast<size_t>(kRowsPerBlock) * p_.out_c * sizeof(int32_t);
  }

  void eval(const OpBuffers& io) const override {
    const auto* input = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* output = reinterpret_cast<int8_t*>(io.outputs[0]);
    auto* cols = reinterpret_cast<int16_t*>(io.scratch.data());
    auto* acc = reinterpret_cast<int32_t*>(io.scratch.data() + static_cast<size_t>(kRowsPerBlock) * kp_ * sizeof(int16_t));
    const long pixels = static_cast<long>(p_.batches) * p_.out_h * p_.out_w;
    for (long start = 0; start < pixels; start += kRowsPerBlock) {
      const int rows = static_cast<int>(std::min<long>(kRowsPerBlock, pixels - start));
      for (int r = 0; r < rows; ++r) fill_row(input, start + r, cols + static_cast<long>(r) * kp_);
      gemm_s16_s8(cols, rows, weights_.data(), p_.out_c, kp_, acc);
      requantize(acc, rows, output + start * p_.out_c);
    }
  }

 private:
  // One im2col row: the receptive field of output pixel `pixel` as (x + input_offset), 0 where padded.
  void fill_row(const int8_t* input, long pixel, int16_t* row) const {
    const int ox = static_cast<int>(pixel % p_.out_w);
    const int oy = static_cast<int>((pixel / p_.out_w) % p_.out_h);
    const int b = static_cast<int>(pixel / (static_cast<long>(p_.out_w) * p_.out_h));
    const int iy0 = oy * p_.stride_h - p_.pad_h;
    const int ix0 = ox * p_.stride_w - p_.pad_w;
    const int16_t off = static_cast<int16_t>(p_.input_offset);
    int16_t* dst = row;
    for (int fy = 0; fy < p_.filter_h; ++fy) {
      const int iy = iy0 + fy * p_.dilation_h;
      for (int fx = 0; fx < p_.filter_w; ++fx, dst += p_.in_c) {
        const int ix = ix0 + fx * p_.dilation_w;
        if (iy < 0 || iy >= p_.in_h || ix < 0 || ix >= p_.in_w) {
          std::fill(dst, dst + p_.in_c, int16_t{0});
          continue;
        }
        const int8_t* src = input + ((static_cast<long>(b) * p_.in_h + iy) * p_.in_w + ix) * p_.in_c;
        for (int c = 0; c < p_.in_c; ++c) dst[c] = static_cast<int16_t>(src[c] + off);
      }
    }
    std::fill(row + depth_, row + kp_, int16_t{0});
  }

  void requantize(const int32_t* acc, int rows, int8_t* out) const {
    const RequantizeChannels q{bias32_.data(), p_.multiplier.data(), shift32_.data(), p_.out_c, p_.output_offset,
                               p_.act_min, p_.act_max};
    requantize_rows(q, acc, rows, out);
  }

  ConvInt8Params p_;
  int depth_ = 0, kp_ = 0;
  std::vector<int8_t> weights_;   // [out_c][kp_], zero-padded rows
  std::vector<int32_t> bias32_, shift32_;
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
