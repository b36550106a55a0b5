// runtime/broadcast_index.h: NumPy-style broadcasting of two operands to an output shape (ADD, SUB, MUL): for each
// output element, the flat indices of the two input elements it reads.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "ir/shape.h"

namespace tinyopt {

struct BroadcastMap {
  Shape out;                  // output shape
  std::vector<int64_t> sa, sb;  // per output dimension: stride into a / b, 0 where that input has extent 1
  bool same = false;          // a, b and out have one shape: flat indexing
  int64_t size = 0;
};

// nullopt when the shapes do not broadcast to `out`.
inline std::optional<BroadcastMap> make_broadcast_map(const Shape& a, const Shape& b, const Shape& out) {
  BroadcastMap m;
  m.out = out;
  m.size = 1;
  for (int32_t d : out) m.size *= d;
  m.same = a == b && a == out;
  const size_t rank = out.size();
  if (a.size() > rank || b.size() > rank) return std::nullopt;
  m.sa.assign(rank, 0);
  m.sb.assign(rank, 0);
  int64_t stride_a = 1, stride_b = 1;
  for (size_t k = 0; k < rank; ++k) {
    const size_t i = rank - 1 - k;
    const int32_t da = k < a.size() ? a[a.size() - 1 - k] : 1;
    const int32_t db = k < b.size() ? b[b.size() - 1 - k] : 1;
    if ((da != out[i] && da != 1) || (db != out[i] && db != 1)) return std::nullopt;
    m.sa[i] = da == 1 ? 0 : stride_a;
    m.sb[i] = db == 1 ? 0 : stride_b;
    stride_a *= da;
    stride_b *= db;
  }
  return m;
}

// Calls f(index_a, index_b, index_out) for every output element in row-major order.
template <class F>
void for_each_broadcast(const BroadcastMap& m, F&& f) {
  if (m.same) {
    for (int64_t i = 0; i < m.size; ++i) f(i, i, i);
    return;
  }
  const size_t rank = m.out.size();
  std::vector<int32_t> idx(rank, 0);
  int64_t ia = 0, ib = 0;
  for (int64_t o = 0; o < m.size; ++o) {
    f(ia, ib, o);
    for (size_t k = rank; k-- > 0;) {  // increment the multi-index, innermost first
      ++idx[k];
      ia += m.sa[k];
      ib += m.sb[k];
      if (idx[k] < m.out[k]) break;
      ia -= m.sa[k] * m.out[k];
      ib -= m.sb[k] * m.out[k];
      idx[k] = 0;
    }
  }
}

}  // namespace tinyopt
