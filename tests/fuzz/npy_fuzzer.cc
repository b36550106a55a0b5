// tests/fuzz/npy_fuzzer.cc: the .npy reader, then what `tinyopt run` does with an array: count its samples for a
// model input and convert each to the input's dtype (quantizing float data for int8/uint8/int16 inputs), then
// stack them as outputs. An accepted array must hold exactly its shape's bytes and survive a write/read round
// trip. The .npz archives around .npy members have their own target (npz_fuzzer.cc).
//
// Seeds: examples/fashion_mnist/*.npy and ../shared/golden/**/*.npy (scripts/fuzz.sh gathers them).
#include <algorithm>
#include <vector>

#include "formats/npy/npy.h"
#include "formats/npy/npy_batch.h"
#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {
namespace {

Tensor input_tensor(DType dtype, Shape shape, std::optional<QuantParams> quant) {
  Tensor t;
  t.name = "input";
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.quant = std::move(quant);
  return t;
}

// Model inputs of the kinds `run` feeds: float with a batch of 1, int8 / uint8 / int16 quantized.
const std::vector<Tensor>& model_inputs() {
  static const std::vector<Tensor> inputs = {
      input_tensor(DType::Float32, {1, 2, 2}, std::nullopt),
      input_tensor(DType::Int8, {1, 4}, QuantParams{{0.5f}, {-3}, 0}),
      input_tensor(DType::UInt8, {2}, QuantParams{{0.02f}, {128}, 0}),
      input_tensor(DType::Int16, {1, 1}, QuantParams{{1e-4f}, {0}, 0}),
  };
  return inputs;
}

}  // namespace

int npy_fuzzer(std::span<const uint8_t> input) {
  Expected<NpyArray> a = parse_npy(input, "fuzz.npy");
  if (!a) return 0;
  if (a->data.size() != static_cast<size_t>(a->num_elements()) * dtype_size(a->dtype))
    property_failed("npy", "array of shape " + shape_to_string(a->shape) + " holds " + std::to_string(a->data.size()) +
                               " bytes");
  Expected<NpyArray> back = parse_npy(serialize_npy(*a), "fuzz-roundtrip.npy");
  if (!back || back->dtype != a->dtype || back->shape != a->shape || back->data != a->data)
    property_failed("npy", "the written array does not read back the same");

  for (const Tensor& t : model_inputs()) {
    Expected<int64_t> samples = count_samples(*a, "fuzz.npy", t);
    if (!samples) continue;
    std::vector<std::vector<uint8_t>> converted;
    for (int64_t i = 0; i < std::min<int64_t>(*samples, 4); ++i) {
      Expected<std::vector<uint8_t>> s = sample_for_tensor(*a, i, "fuzz.npy", t);
      if (!s) break;
      if (s->size() != t.byte_size()) property_failed("npy", "a converted sample has the wrong size");
      converted.push_back(std::move(*s));
    }
    if (!converted.empty()) (void)stack_samples(converted, t, /*dequantize=*/true);
  }
  return 0;
}

}  // namespace tinyopt::fuzz
