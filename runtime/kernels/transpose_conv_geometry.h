// runtime/kernels/transpose_conv_geometry.h: the geometry TRANSPOSE_CONV's kernels share (float, integer,
// backward): shapes, strides and TFLite's leading padding, checked once at prepare, and the scatter loop over
// (input element, filter tap) pairs that land inside the output.
#pragma once

#include <cstdint>

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

struct TransposeConvGeometry {
  int batches = 0, in_h = 0, in_w = 0, in_c = 0;     // input NHWC (operand #2)
  int filter_h = 0, filter_w = 0;                     // weights [out_c, filter_h, filter_w, in_c] (operand #1)
  int out_h = 0, out_w = 0, out_c = 0;                // output NHWC
  int stride_h = 1, stride_w = 1;
  int pad_h = 0, pad_w = 0;                           // leading padding of the output ("conv" padding of out_h)
  int64_t out_elements() const { return int64_t{batches} * out_h * out_w * out_c; }
};

// Reads and checks the op's shapes and options (4-D input, weights and output that agree, positive strides).
Expected<TransposeConvGeometry> prepare_transpose_conv_geometry(const Graph& g, int op_index);

// Calls f(input_index, filter_index, output_index) for every input element and filter tap whose output position
// is inside the output, in TFLM's loop order (batch, in_y, in_x, in_c, filter_y, filter_x, out_c).
template <class F>
void scatter_transpose_conv(const TransposeConvGeometry& p, F&& f) {
  for (int b = 0; b < p.batches; ++b)
    for (int iy = 0; iy < p.in_h; ++iy)
      for (int ix = 0; ix < p.in_w; ++ix)
        for (int ic = 0; ic < p.in_c; ++ic) {
          const int64_t in_index = ((int64_t{b} * p.in_h + iy) * p.in_w + ix) * p.in_c + ic;
          const int oy0 = iy * p.stride_h - p.pad_h, ox0 = ix * p.stride_w - p.pad_w;
          for (int fy = 0; fy < p.filter_h; ++fy) {
            const int oy = oy0 + fy;
            if (oy < 0 || oy >= p.out_h) continue;
            for (int fx = 0; fx < p.filter_w; ++fx) {
              const int ox = ox0 + fx;
              if (ox < 0 || ox >= p.out_w) continue;
              const int64_t out_base = ((int64_t{b} * p.out_h + oy) * p.out_w + ox) * p.out_c;
              const int64_t f_base = (int64_t{fy} * p.filter_w + fx) * p.in_c + ic;
              const int64_t f_stride = int64_t{p.filter_h} * p.filter_w * p.in_c;
              for (int oc = 0; oc < p.out_c; ++oc) f(in_index, oc * f_stride + f_base, out_base + oc);
            }
          }
        }
}

}  // namespace tinyopt
