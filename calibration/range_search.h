// calibration/range_search.h: choosing a quantization range [lo, hi] from a Histogram.
//
//   percentile: lo, hi = the (100-p)% and p% quantiles (p = 99.99 by default), outliers beyond are clipped.
//   mse:        the candidate range with the smallest expected squared quantization error: in-range values
//               cost step^2/12 (uniform rounding noise), clipped values cost their distance to the range edge.
//   kl:         the candidate range minimising KL(P || Q) between the clipped histogram P and its quantized
//               version Q (TensorRT's entropy calibration, extended to asymmetric ranges), with the bin holding 0
//               given its neighbour's count first (exact zeros are exact in every range; see range_search.cc).
// Candidates shrink each side of the observed [min, max] independently by factors from 1 down to 0.1 (a
// symmetric request shrinks both together). Every range includes 0, as the int8 spec requires.
// A request with clip = false gets the observed [min, max] from all three (see RangeRequest::clip).
#pragma once

#include "calibration/histogram.h"

namespace tinyopt {

struct Range {
  float min = 0, max = 0;
  bool operator==(const Range&) const = default;
};

struct RangeRequest {
  int levels = 256;        // 256 for int8, 65536 for int16
  bool symmetric = false;  // int16 activations: zero point 0, range [-a, a]
  // false: the tensor's extremes decide the model's answer (the input of a SOFTMAX, a model output), so every
  // search below returns the observed [min, max] instead of trading clipped outliers for resolution.
  bool clip = true;
};

// Choices inside the KL construction, varied by bench/kl_ablation.cc; the defaults are the rule the kl observer uses.
struct KlSearch {
  // Neighbour: the bin holding 0 takes the count of the bin next to it (the mean of both for a signed tensor);
  // Keep: as observed (the old rule: ReLU's spike at 0 made kl clip fmnist's first conv to 13% of its range).
  enum class ZeroBin { Keep, Neighbour };
  ZeroBin zero_bin = ZeroBin::Neighbour;
  int levels = 0;               // quantization levels Q is built with; 0: the request's levels (at most 256)
  bool reject_empty_q = false;  // true: a candidate where Q is 0 and P is not costs +inf (else Q gets a floor)
};

Range percentile_range(const Histogram& h, double percentile, const RangeRequest& req);
Range mse_range(const Histogram& h, const RangeRequest& req);
Range kl_range(const Histogram& h, const RangeRequest& req, const KlSearch& how = {});

}  // namespace tinyopt
