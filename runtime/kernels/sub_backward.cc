// runtime/kernels/sub_backward.cc: gradient of float SUB (broadcasting, fused activation), Z = A - B:
// dA += reduce(dZ), dB -= reduce(dZ), reducing over each input's broadcast dimensions.
#include "runtime/kernels/broadcast_backward.h"

namespace tinyopt {
namespace {

struct SubRule {
  static void apply(const BroadcastGeometry& geo, const float*, const float*, const float* dz, float* da, float* db) {
    if (da) geo.for_each([&](int64_t i, int64_t ai, int64_t) { da[ai] += dz[i]; });
    if (db) geo.for_each([&](int64_t i, int64_t, int64_t bi) { db[bi] -= dz[i]; });
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_sub_backward(const Graph& g, int op_index) {
  return make_binary_backward<SubRule>(g, op_index);
}

}  // namespace tinyopt
