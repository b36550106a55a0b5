// runtime/kernels/depthwise_conv_2d_int8_fast.cc: DEPTHWISE_CONV_2D int8 with depth multiplier 1, fast variant:
// for each output pixel, int32 accumulators for all channels are updated tap by tap with contiguous,
// vectorisable loops (AVX2 clone chosen at run time), then requantized per channel. Same accumulator as the
// reference (skipped padded taps, exact integer sums), so bit-identical outputs. Other cases use the reference.
#include <cstring>

#include "runtime/fixed_point.h"
#include "runtime/kernels/depthwise_conv_2d_int8.h"
#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

// acc[c] += w[c] * (x[c] + offset) for c < n. |w * (x + offset)| <= 128 * 255 fits int32 exactly.
__attribute__((target_clones("avx2", "default"))) void accumulate_tap(int32_t* __restrict acc,
                                                                      const int8_t* __restrict x,
                                                                      const int16_t* __restrict w, int n,
                                                                      int32_t offset) {
  for (int c = 0; c < n; ++c) acc[c] += int32_t{w[c]} * (int32_t{x[c]} + offset);
}

class DepthwiseInt8Fast final : public Kernel {
 public:
  DepthwiseInt8Fast(DepthwiseInt8Params p, const int8_t* filter) : p_(std::move(p)) {
    const size_t taps = static_cast<size_t>(p_.filter_h) * p_.filter_w;
    weights_.resize(taps * p_.out_c);
    for (size_t i = 0; i < weights_.size(); ++i) weights_[i] = filter[i];
    bias32_.assign(static_cast<size_t>(p_.out_c), 0);
    for (size_t c = 0; c < p_.bias.size(); ++c) bias32_[c] = static_cast<int32_t>(p_.bias[c]);
  }

  size_t scratch_bytes() const override { return static_cast<size_t>(p_.out_c) * sizeof(int32_t); }

  void eval(const OpBuffers& io) const override {
    const auto* input = reinterpret_cast<const int8_t*>(io.inputs[0]);
    auto* output = reinterpret_cast<int8_t*>(io.outputs[0]);
    auto* acc = reinterpret_cast<int32_t*>(io.scratch.data());
    const int C = p_.out_c;
    for (int b = 0; b < p_.batches; ++b)
      for (int oy = 0; oy < p_.out_h; ++oy)
        for (int ox = 0; ox < p_.out_w; ++ox) {
          std::memcpy(acc, bias32_.data(), static_cast<size_t>(C) * sizeof(int32_t));
          const int iy0 = oy * p_.stride_h - p_.pad_h;
          const int ix0 = ox * p_.stride_w - p_.pad_w;
          for (int fy = 0; fy < p_.filter_h; ++fy) {
            const int iy = iy0 + p_.dilation_h * fy;
            if (iy < 0 || iy >= p_.in_h) continue;
            for (int fx = 0; fx < p_.filter_w; ++fx) {
              const int ix = ix0 + p_.dilation_w * fx;
              if (ix < 0 || ix >= p_.in_w) continue;
              accumulate_tap(acc, input + ((static_cast<long>(b) * p_.in_h + iy) * p_.in_w + ix) * C,
                             weights_.data() + (static_cast<long>(fy) * p_.filter_w + fx) * C, C, p_.input_offset);
            }
          }
          int8_t* out = output + ((static_cast<long>(b) * p_.out_h + oy) * p_.out_w + ox) * C;
          for (int c = 0; c < C; ++c) {
            int32_t v = fxp::multiply_by_quantized_multiplier(acc[c], p_.multiplier[static_cast<size_t>(c)],
                                                              p_.shift[static_cast<size_t>(c)]);
            out[c] = static_cast<int8_t>(fxp::clamp(v + p_.output_offset, p_.act_min, p_.act_max));
          }
        }
  }

 private:
  DepthwiseInt8Params p_;
  std::vector<int16_t> weights_;  // [filter_h * filter_w][out_c]
  std::vector<int32_t> bias32_;
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
