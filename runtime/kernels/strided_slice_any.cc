// runtime/kernels/strided_slice_any.cc: STRIDED_SLICE with constant begin/end/strides, any dtype. The per-axis
// start/stride/size come from strided_slice_axes (ir/shape_inference.h: TFLite's masks, negative indices and
// clamping), so the kernel and the output shape cannot disagree. Shrunk axes are size-1 axes of the gather.
#include "ir/shape_inference.h"
#include "runtime/kernels/strided_copy.h"

namespace tinyopt {

KernelResult make_strided_slice_any(const Graph& g, int op_index) {
  auto axes = strided_slice_axes(g, op_index);
  if (!axes) return axes.take_error();
  const Tensor& in = g.tensor(g.ops[static_cast<size_t>(op_index)].inputs[0]);
  const std::vector<int64_t> in_strides = row_major_strides(in.shape);
  std::vector<int64_t> sizes, strides;
  int64_t base = 0;
  for (size_t d = 0; d < axes->size(); ++d) {
    const SliceAxis& a = (*axes)[d];
    sizes.push_back(a.size);
    strides.push_back(int64_t{a.stride} * in_strides[d]);
    if (a.size > 0) base += int64_t{a.start} * in_strides[d];
  }
  return make_strided_copy(dtype_size(in.dtype), std::move(sizes), std::move(strides), base);
}

}  // namespace tinyopt
