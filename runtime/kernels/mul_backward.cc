// runtime/kernels/mul_backward.cc: gradient of float MUL (broadcasting, fused activation), Z = A * B:
// dA += reduce(dZ * B), dB += reduce(dZ * A), reducing over each input's broadcast dimensions.
#include "runtime/kernels/broadcast_backward.h"

namespace tinyopt {
namespace {

struct MulRule {
  static void apply(const BroadcastGeometry& geo, const float* a, const float* b, const float* dz, float* da,
                    float* db) {
    if (da) geo.for_each([&](int64_t i, int64_t ai, int64_t bi) { da[ai] += dz[i] * b[bi]; });
    if (db) geo.for_each([&](int64_t i, int64_t ai, int64_t bi) { db[bi] += dz[i] * a[ai]; });
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_mul_backward(const Graph& g, int op_index) {
  return make_binary_backward<MulRule>(g, op_index);
}

}  // namespace tinyopt
