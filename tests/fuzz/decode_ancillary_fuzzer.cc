// tests/fuzz/decode_ancillary_fuzzer.cc: TFLM_DECODE's encoded + ancillary bytes against a decoded tensor of a
// fuzzed type and layout (ir/tflm_decode.h). Any input must be refused by check_decode or decode without reading
// outside its buffers (AddressSanitizer); an accepted one must also survive re-encoding: LUT and prune encodings of
// the decoded values decode back to the same bytes.
//
// Input: byte 0 decoded dtype (mod 7: int8, int16, int32, float32, int64, bool, uint8), byte 1 channels (0: no
// quantization), byte 2 bit 0 alternate axis, bytes 3-4 elements per channel (little-endian, at most 4096), bytes
// 5-6 encoded length; then the encoded bytes, then the ancillary bytes. Seeds: tests/fuzz/corpus/decode_ancillary/.
#include <algorithm>
#include <cstring>

#include "ir/tflm_decode.h"
#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {
namespace {

std::vector<uint8_t> decoded_bytes(std::span<const uint8_t> enc, std::span<const uint8_t> anc, const Tensor& d) {
  auto plan = plan_decode(enc, anc, d, {.tensor = d.name});
  if (!plan) property_failed("decode_ancillary", "re-encoded tensor refused: " + plan.error().to_string());
  std::vector<uint8_t> out(d.byte_size());
  run_decode(*plan, enc, anc, out);
  return out;
}

}  // namespace

int decode_ancillary_fuzzer(std::span<const uint8_t> input) {
  if (input.size() < 7) return 0;
  static constexpr DType kTypes[] = {DType::Int8, DType::Int16, DType::Int32, DType::Float32,
                                     DType::Int64, DType::Bool, DType::UInt8};
  Tensor d;
  d.name = "fuzz_decoded";
  d.dtype = kTypes[input[0] % 7];
  const size_t channels = input[1] % 17;
  const bool alternate = input[2] & 1;
  const int32_t per = std::min<int32_t>(input[3] | (input[4] << 8), 4096);
  const size_t enc_len = std::min<size_t>(input[5] | (input[6] << 8), input.size() - 7);
  const size_t c = std::max<size_t>(channels, 1);
  d.shape = alternate ? Shape{1, per, static_cast<int32_t>(c)} : Shape{static_cast<int32_t>(c), per};
  if (channels > 0) {
    QuantParams q;
    q.scale.assign(c, 0.25f);
    for (size_t k = 0; k < c; ++k) q.zero_point.push_back(d.dtype == DType::Int8 ? static_cast<int64_t>(k % 5) - 2 : 0);
    q.axis = alternate ? 2 : 0;
    d.quant = q;
  }
  const std::span<const uint8_t> enc = input.subspan(7, enc_len), anc = input.subspan(7 + enc_len);
  // Copies sized exactly, so that AddressSanitizer sees any read past either buffer.
  const std::vector<uint8_t> enc_copy(enc.begin(), enc.end()), anc_copy(anc.begin(), anc.end());
  auto plan = plan_decode(enc_copy, anc_copy, d, {.tensor = d.name});
  if (!plan) return 0;
  std::vector<uint8_t> out(d.byte_size());
  run_decode(*plan, enc_copy, anc_copy, out);

  Tensor value = d;
  value.data = out;
  value.is_constant = true;
  if (auto lut = encode_lut(value, {}); lut && *lut)
    if (decoded_bytes((*lut)->encoded, (*lut)->ancillary, d) != out)
      property_failed("decode_ancillary", "LUT re-encoding decodes differently");
  if (auto prune = encode_prune(value, {}); prune)
    if (decoded_bytes(prune->encoded, prune->ancillary, d) != out)
      property_failed("decode_ancillary", "prune re-encoding decodes differently");
  return 0;
}

}  // namespace tinyopt::fuzz
