// runtime/kernels/add_backward.cc: gradient of float ADD (broadcasting, fused activation):
// dA += sum over broadcast dimensions of dZ, and the same for dB.
#include "runtime/kernels/broadcast_backward.h"

namespace tinyopt {
namespace {

struct AddRule {
  static void apply(const BroadcastGeometry& geo, const float*, const float*, const float* dz, float* da, float* db) {
    if (da) geo.for_each([&](int64_t i, int64_t ai, int64_t) { da[ai] += dz[i]; });
    if (db) geo.for_each([&](int64_t i, int64_t, int64_t bi) { db[bi] += dz[i]; });
  }
};

}  // namespace

Expected<std::unique_ptr<BackwardKernel>> make_add_backward(const Graph& g, int op_index) {
  return make_binary_backward<AddRule>(g, op_index);
}

}  // namespace tinyopt
