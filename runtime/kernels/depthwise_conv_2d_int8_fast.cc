// runtime/kernels/depthwise_conv_2d_int8_fast.cc: DEPTHWISE_CONV_2D int8 with depth multiplier 1, fast variant:
// for each output pixel, int32 accumulators for all channels are updated tap by tap with contiguous,
// vectorisable loops (AVX2 clone of the row function chosen at run time), then requantized per channel. Same accumulator as the
// reference (skipped padded taps, exact integer sums), so bit-identical outputs. Other cases use the reference.

#include "runtime/fixed_point.h"
#include "runtime/kernels/depthwise_conv_2d_int8.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"
#include "runtime/quantized_requantize.h"

namespace tinyopt {

namespace {

// One output row: for each output pixel, acc[c] = bias[c] + sum over the taps inside the image of
// w[tap][c] * (x[c] + offset), then per-channel requantization. |w * (x + offset)| <= 128 * 255, so int32 sums are
// exact. Compiled twice (AVX2 and baseline x86-64), picked at run time; the channel loops vectorise.
struct RowArgs {
  const DepthwiseInt8Params* p;
  const int8_t* input;   // batch start
  const int16_t* w;      // [taps][C]
  const RequantizeChannels* q;  // bias, multipliers, shifts, clamp
  int32_t* acc;          // [C] scratch
  int8_t* out;           // row start
  int oy;
};

__attribute__((target_clones("avx2", "default"))) void depthwise_row(const RowArgs& a) {
  const DepthwiseInt8Params& p = *a.p;
  const int C = p.out_c;
  const int32_t off = p.input_offset;
  int32_t* __restrict acc = a.acc;
  const int iy0 = a.oy * p.stride_h - p.pad_h;
  for (int ox = 0; ox < p.out_w; ++ox) {
    for (int c = 0; c < C; ++c) acc[c] = 0;
    const int ix0 = ox * p.stride_w - p.pad_w;
    for (int fy = 0; fy < p.filter_h; ++fy) {
      const int iy = iy0 + p.dilation_h * fy;
      if (iy < 0 || iy >= p.in_h) continue;
      for (int fx = 0; fx < p.filter_w; ++fx) {
        const int ix = ix0 + p.dilation_w * fx;
        if (ix < 0 || ix >= p.in_w) continue;
        const int8_t* __restrict x = a.input + (static_cast<long>(iy) * p.in_w + ix) * C;
        const int16_t* __restrict w = a.w + (static_cast<long>(fy) * p.filter_w + fx) * C;
        for (int c = 0; c < C; ++c) acc[c] += int32_t{w[c]} * (int32_t{x[c]} + off);
      }
    }
    requantize_rows(*a.q, acc, 1, a.out + static_cast<long>(ox) * C);
  }
}

class DepthwiseInt8Fast final : public Kernel {
 public:
  DepthwiseInt8Fast(DepthwiseInt8Params p, const int8_t* filter) : p_(std::move(p)) {
    const size_t taps = static_cast<size_t>(p_.filter_h) * p_.filter_w;
    weights_.resize(taps * p_.out_c);
    for (size_t i = 0; i < weights_.size(); ++i) weights_[i] = filter[i];
    bias32_.assign(static_cast<size_t>(p_.out_c), 0);
    for (size_t c = 0; c < p_.bias.size(); ++c) bias32_[c] = static_cast<int32_t>(p_.bias[c]);
    shift32_.assign(p_.shift.begin(), p_.shift.end());
  }

  size_t scratch_bytes() const override { return static_cast<size_t>(p_.out_c) * sizeof(int32_t); }

  void eval(const OpBuffers& io) const override {
    const auto* input = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* output = reinterpret_cast<int8_t*>(io.outputs[0]);
    auto* acc = reinterpret_cast<int32_t*>(io.scratch.data());
    const RequantizeChannels q{bias32_.data(), p_.multiplier.data(), shift32_.data(), p_.out_c, p_.output_offset,
                               p_.act_min, p_.act_max};
    for (int b = 0; b < p_.batches; ++b)
      for (int oy = 0; oy < p_.out_h; ++oy) {
        RowArgs a{&p_, input + static_cast<long>(b) * p_.in_h * p_.in_w * p_.in_c, weights_.data(), &q, acc,
                  output + ((static_cast<long>(b) * p_.out_h + oy) * p_.out_w) * p_.out_c, oy};
        depthwise_row(a);
      }
  }

 private:
  DepthwiseInt8Params p_;
  std::vector<int16_t> weights_;  // [filter_h * filter_w][out_c]
  std::vector<int32_t> bias32_, shift32_;
};

}  // namespace

KernelResult make_depthwise_conv_2d_int8(const Graph& g, int op_index) {
  auto p = prepare_depthwise_conv_2d_int8(g, op_index);
  if (!p) return p.take_error();
  if (p->int16 || p->depth_multiplier != 1) return make_depthwise_conv_2d_int8_reference(g, op_index);
  const Tensor* filter = op_input(g, op_index, 1);
  return std::unique_ptr<Kernel>(std::make_unique<DepthwiseInt8Fast>(std::move(*p), filter->values<int8_t>().data()));
}

}  // namespace tinyopt
