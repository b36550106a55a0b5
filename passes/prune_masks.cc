// passes/prune_masks.cc: the masks of prune_masks.h.
#include "passes/prune_masks.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace tinyopt {
namespace {

// Rows of the reduction axis: `rows` rows of `length` weights, element j of row r at offset(r) + j * stride.
struct Rows {
  int64_t rows = 0, length = 0, stride = 1;
  int64_t row_start(int64_t r) const { return stride == 1 ? r * length : r; }
};

Rows reduction_rows(const Tensor& w, OpKind kind) {
  const Shape& s = w.shape;
  const int64_t n = w.num_elements();
  if (kind == OpKind::DepthwiseConv2D && s.size() == 4) {
    const int64_t c = s[3];
    return Rows{c, c > 0 ? n / c : 0, c};  // channel c's taps at c, c + C, ...
  }
  const int64_t length = s.empty() ? 0 : s.back();  // CONV_2D I, FULLY_CONNECTED I
  return Rows{length > 0 ? n / length : 0, length, 1};
}

// The zeros a block of `size` weights must hold under N:M with the padding rule.
int64_t required_zeros(int64_t size, int n, int m) { return std::max<int64_t>(0, n - (m - size)); }

}  // namespace

int64_t zero_smallest(std::span<float> w, int64_t k) {
  k = std::clamp<int64_t>(k, 0, static_cast<int64_t>(w.size()));
  std::vector<uint32_t> order(w.size());
  std::iota(order.begin(), order.end(), 0u);
  auto smaller = [&](uint32_t a, uint32_t b) {
    const float x = std::fabs(w[a]), y = std::fabs(w[b]);
    return x < y || (x == y && a < b);
  };
  if (k > 0 && k < static_cast<int64_t>(w.size())) std::nth_element(order.begin(), order.begin() + k - 1, order.end(), smaller);
  for (int64_t i = 0; i < k; ++i) w[order[static_cast<size_t>(i)]] = 0.0f;
  int64_t zeros = 0;
  for (float x : w) zeros += x == 0.0f;
  return zeros;
}

std::vector<int64_t> global_prune_counts(const std::vector<std::span<const float>>& layers, int64_t total,
                                         const std::vector<int64_t>& caps) {
  struct Entry {
    float magnitude;
    uint32_t layer;
    uint32_t index;
  };
  std::vector<Entry> all;
  for (size_t l = 0; l < layers.size(); ++l)
    for (size_t i = 0; i < layers[l].size(); ++i)
      all.push_back({std::fabs(layers[l][i]), static_cast<uint32_t>(l), static_cast<uint32_t>(i)});
  std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
    if (a.magnitude != b.magnitude) return a.magnitude < b.magnitude;
    return a.layer != b.layer ? a.layer < b.layer : a.index < b.index;
  });
  std::vector<int64_t> counts(layers.size(), 0);
  int64_t taken = 0;
  for (const Entry& e : all) {
    if (taken == total) break;
    if (counts[e.layer] >= caps[e.layer]) continue;
    ++counts[e.layer];
    ++taken;
  }
  return counts;
}

NMResult prune_n_m(Tensor& w, OpKind kind, int n, int m) {
  const Rows rows = reduction_rows(w, kind);
  auto v = w.mutable_values<float>();
  NMResult r;
  r.reduction = rows.length;
  std::vector<int64_t> block;
  for (int64_t row = 0; row < rows.rows; ++row)
    for (int64_t b = 0; b < rows.length; b += m) {
      const int64_t size = std::min<int64_t>(m, rows.length - b);
      (size == m ? r.blocks : r.partial_blocks) += 1;
      block.clear();
      for (int64_t j = 0; j < size; ++j) block.push_back(rows.row_start(row) + (b + j) * rows.stride);
      // The required zeros go to the block's smallest magnitudes, ties to the earlier weight (stable sort).
      std::stable_sort(block.begin(), block.end(),
                       [&](int64_t x, int64_t y) { return std::fabs(v[static_cast<size_t>(x)]) < std::fabs(v[static_cast<size_t>(y)]); });
      for (int64_t j = 0; j < required_zeros(size, n, m); ++j) v[static_cast<size_t>(block[static_cast<size_t>(j)])] = 0.0f;
    }
  for (float x : v) r.zeros += x == 0.0f;
  return r;
}

bool satisfies_n_m(const Tensor& w, OpKind kind, int n, int m) {
  const Rows rows = reduction_rows(w, kind);
  const auto v = w.values<float>();
  for (int64_t row = 0; row < rows.rows; ++row)
    for (int64_t b = 0; b < rows.length; b += m) {
      const int64_t size = std::min<int64_t>(m, rows.length - b);
      int64_t zeros = 0;
      for (int64_t j = 0; j < size; ++j) zeros += v[static_cast<size_t>(rows.row_start(row) + (b + j) * rows.stride)] == 0.0f;
      if (zeros < required_zeros(size, n, m)) return false;
    }
  return true;
}

}  // namespace tinyopt
