// runtime/kernels/broadcast_backward.cc: broadcast geometry of ADD/SUB/MUL for their backward kernels.
#include "runtime/kernels/broadcast_backward.h"

namespace tinyopt {

Expected<BroadcastGeometry> broadcast_geometry(const Graph& g, int op_index) {
  const Op& op = g.ops[static_cast<size_t>(op_index)];
  const Shape& a = g.tensor(op.inputs[0]).shape;
  const Shape& b = g.tensor(op.inputs[1]).shape;
  const Shape& y = g.tensor(op.outputs[0]).shape;
  if (y.size() > kMaxBroadcastRank || a.size() > y.size() || b.size() > y.size())
    return fail(Errc::Unsupported, g.where(op_index), "broadcast backward supports rank <= {}", kMaxBroadcastRank);
  BroadcastGeometry geo;
  auto padded = [&](const Shape& s) {
    std::array<int64_t, kMaxBroadcastRank> p;
    p.fill(1);
    for (size_t i = 0; i < s.size(); ++i) p[kMaxBroadcastRank - s.size() + i] = s[i];
    return p;
  };
  const auto pa = padded(a), pb = padded(b);
  geo.dims = padded(y);
  int64_t sa = 1, sb = 1;
  for (int d = kMaxBroadcastRank - 1; d >= 0; --d) {
    if ((pa[d] != geo.dims[d] && pa[d] != 1) || (pb[d] != geo.dims[d] && pb[d] != 1))
      return fail(Errc::BadInput, g.where(op_index), "shapes {} and {} do not broadcast to {}", shape_to_string(a),
                  shape_to_string(b), shape_to_string(y));
    geo.a_stride[d] = pa[d] == 1 ? 0 : sa;
    geo.b_stride[d] = pb[d] == 1 ? 0 : sb;
    sa *= pa[d], sb *= pb[d];
  }
  geo.count = num_elements(y), geo.a_count = sa, geo.b_count = sb;
  geo.same_shape = sa == geo.count && sb == geo.count;
  return geo;
}

}  // namespace tinyopt
