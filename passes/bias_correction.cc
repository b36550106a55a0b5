// passes/bias_correction.cc: empirical bias correction (see bias_correction.h).
#include "passes/bias_correction.h"

#include <algorithm>

namespace tinyopt {

// Empirical bias correction (Nagel et al. 2019): the weight rounding error shifts the expected output of
// channel c by sum_k (Wq - W)[c, k] * E[x_k]; E[x] per input channel comes from the calibration data, and
// the shift is subtracted from the bias. Padding at borders is ignored (E[x] at every tap).
bool correct_bias(const Graph& g, int i, int axis, const CalibrationStats& stats, const std::vector<float>& w,
                  const QuantizedWeights& qw, const Shape& wshape, int qaxis, std::vector<float>& bias) {
  const Op& op = g.ops[static_cast<size_t>(i)];
  auto it = stats.channel_means.find(g.tensor(op.inputs[0]).name);
  if (it == stats.channel_means.end() || it->second.count == 0) return false;
  std::vector<double> mean = it->second.mean();
  size_t in_channels = mean.size();
  std::vector<double> shift(bias.size(), 0.0);
  for (size_t k = 0; k < w.size(); ++k) {
    double delta = static_cast<double>(dequantized_weight(qw, wshape, qaxis, k)) - w[k];
    size_t c, ic;
    if (op.kind == OpKind::DepthwiseConv2D) {
      c = k % static_cast<size_t>(wshape[3]);
      int32_t mult = std::get<DepthwiseConv2DOptions>(op.options).depth_multiplier;
      ic = c / static_cast<size_t>(std::max(1, mult));
    } else {
      c = static_cast<size_t>(k / (w.size() / static_cast<size_t>(wshape[static_cast<size_t>(axis)])));
      ic = k % static_cast<size_t>(wshape.back());
      if (static_cast<size_t>(wshape.back()) != in_channels) return false;  // FC over a flattened 4-D input
    }
    if (ic >= in_channels) return false;
    shift[c] += delta * mean[ic];
  }
  for (size_t c = 0; c < bias.size(); ++c) bias[c] -= static_cast<float>(shift[c]);
  return true;
}

}  // namespace tinyopt
