// runtime/gemm_float.cc: Eigen GEMM + bias + clamp. Eigen packs and blocks the operands itself; mapping
// TFLite's [n, k] row-major weights as a column-major [k, n] matrix makes the product a plain A * B with no copy.
#include "runtime/gemm_float.h"

#include <algorithm>
#include <cmath>

#include <Eigen/Core>

namespace tinyopt {
namespace {
constexpr int64_t kSmallProduct = 1024;  // multiply-adds below which plain loops beat Eigen's dispatch
}  // namespace

void gemm_bias_act_float(const float* a, const float* w, const float* bias, int64_t m, int64_t k, int64_t n,
                         FloatClamp clamp, float* out) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using ColMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  Eigen::Map<const RowMajor> A(a, m, k);
  Eigen::Map<const ColMajor> B(w, k, n);  // w[n][k] row-major == [k, n] column-major
  Eigen::Map<RowMajor> C(out, m, n);
  if (m * k * n <= kSmallProduct) {
    // Tiny layers (hello_world's 16x16): Eigen's set-up costs more than the arithmetic; plain loops.
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        float acc = bias ? bias[j] : 0.0f;
        for (int64_t d = 0; d < k; ++d) acc += a[i * k + d] * w[j * k + d];
        out[i * n + j] = std::min(std::max(acc, clamp.lo), clamp.hi);
      }
    return;
  }
  if (m == 1) {
    // One row (batch-1 FULLY_CONNECTED): out = W a, a row-major matrix times a vector (GEMV, no packing).
    Eigen::Map<const RowMajor> W(w, n, k);
    Eigen::Map<Eigen::VectorXf> y(out, n);
    y.noalias() = W * Eigen::Map<const Eigen::VectorXf>(a, k);
  } else {
    C.noalias() = A * B;
  }
  if (bias != nullptr) C.rowwise() += Eigen::Map<const Eigen::Matrix<float, 1, Eigen::Dynamic>>(bias, n);
  if (std::isfinite(clamp.lo) || std::isfinite(clamp.hi)) C = C.cwiseMax(clamp.lo).cwiseMin(clamp.hi);
}

}  // namespace tinyopt
