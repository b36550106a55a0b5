// runtime/kernels/transpose_any.cc: TRANSPOSE with a constant permutation, any dtype:
// out[i_0, ..., i_{n-1}] = in[j] where j[perm[d]] = i_d, i.e. output dimension d walks input dimension perm[d].
#include "ir/shape_inference.h"
#include "runtime/kernels/strided_copy.h"

namespace tinyopt {

KernelResult make_transpose_any(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& perm = g.tensor(op.inputs.at(1));
  const std::vector<int64_t> in_strides = row_major_strides(in.shape);
  const auto rank = static_cast<int64_t>(in.shape.size());
  std::vector<int64_t> sizes, strides;
  for (int64_t d = 0; d < rank; ++d) {
    // Shape inference has checked perm: constant, one entry per dimension, each axis once.
    int64_t p = perm.dtype == DType::Int64 ? perm.values<int64_t>()[static_cast<size_t>(d)]
                                           : perm.values<int32_t>()[static_cast<size_t>(d)];
    if (p < 0) p += rank;
    sizes.push_back(in.shape[static_cast<size_t>(p)]);
    strides.push_back(in_strides[static_cast<size_t>(p)]);
  }
  return make_strided_copy(dtype_size(in.dtype), std::move(sizes), std::move(strides), 0);
}

}  // namespace tinyopt
