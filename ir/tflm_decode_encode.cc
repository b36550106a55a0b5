// ir/tflm_decode_encode.cc: writing TFLM_DECODE encodings (layouts in tflm_decode.h): LUT tables per channel of the
// decoded tensor's layout and prune bitmasks, with the 16-byte header TFLM's compressor writes (reserved bytes 0).
#include <algorithm>
#include <cstring>
#include <map>

#include "ir/tflm_decode.h"

namespace tinyopt {
namespace {

// An element's bytes as an integer key (little-endian), so tables sort by value for signed types.
int64_t element_key(const uint8_t* p, DType t) {
  switch (t) {
    case DType::Int8: return static_cast<int8_t>(*p);
    case DType::Bool: return *p;
    case DType::Int16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case DType::Int32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case DType::Int64: { int64_t v; std::memcpy(&v, p, 8); return v; }
    case DType::Float32: {  // order floats by value through their sign-magnitude bits
      int32_t v; std::memcpy(&v, p, 4);
      return v < 0 ? -(static_cast<int64_t>(v & 0x7fffffff)) - 1 : v;
    }
    default: return 0;
  }
}

std::vector<uint8_t> header(DecodeType type, int bits, size_t stride) {
  std::vector<uint8_t> h(kDecodeHeaderBytes, 0);
  h[0] = static_cast<uint8_t>(type);
  h[1] = 1;  // DCM version
  h[4] = 1;  // LUT / prune version
  if (type == DecodeType::Lut) {
    h[5] = static_cast<uint8_t>(bits & 0x07);
    h[6] = static_cast<uint8_t>(stride);
  }
  return h;
}

Expected<DecodeLayout> checked_layout(const Tensor& t, const Location& where) {
  if (!t.is_constant) return fail(Errc::Internal, where, "only constant tensors can be encoded");
  auto l = decode_layout(t, where);
  if (!l) return l.take_error();
  if (t.data.size() != l->elements * dtype_size(t.dtype))
    return fail(Errc::Internal, where, "constant data does not match its shape");
  return l;
}

}  // namespace

std::vector<uint8_t> pack_bits_msb_first(std::span<const uint32_t> values, int bits) {
  std::vector<uint8_t> out((values.size() * static_cast<size_t>(bits) + 7) / 8, 0);
  size_t bit = 0;
  for (uint32_t v : values)
    for (int k = bits - 1; k >= 0; --k, ++bit)
      if ((v >> k) & 1u) out[bit >> 3] |= static_cast<uint8_t>(0x80u >> (bit & 7));
  return out;
}

Expected<std::optional<EncodedTensor>> encode_lut(const Tensor& t, const Location& where, int min_bits) {
  auto layout = checked_layout(t, where);
  if (!layout) return layout.take_error();
  const size_t e = dtype_size(t.dtype), n = layout->elements;
  // Distinct values per channel, ascending.
  std::vector<std::map<int64_t, uint32_t>> tables(layout->channels);
  std::vector<std::map<int64_t, size_t>> first_at(layout->channels);  // key -> element holding the value
  for (size_t i = 0; i < n; ++i) {
    const size_t c = layout->channel_of(i);
    const int64_t key = element_key(t.data.data() + i * e, t.dtype);
    if (first_at[c].emplace(key, i).second && first_at[c].size() > kMaxLutStride)
      return std::optional<EncodedTensor>{};
  }
  size_t stride = 1;
  for (size_t c = 0; c < layout->channels; ++c) {
    uint32_t index = 0;
    for (auto& [key, at] : first_at[c]) tables[c][key] = index++;
    stride = std::max(stride, first_at[c].size());
  }
  int bits = std::max(1, min_bits);
  while ((size_t{1} << bits) < stride) ++bits;
  if (bits > kMaxLutBits) return std::optional<EncodedTensor>{};

  EncodedTensor out;
  out.type = DecodeType::Lut;
  out.bits = bits;
  std::vector<uint32_t> indices(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t c = layout->channel_of(i);
    indices[i] = tables[c].at(element_key(t.data.data() + i * e, t.dtype));
  }
  out.encoded = pack_bits_msb_first(indices, bits);
  out.ancillary = header(DecodeType::Lut, bits, stride);
  out.ancillary.resize(kDecodeHeaderBytes + layout->channels * stride * e, 0);  // unused entries stay 0
  for (size_t c = 0; c < layout->channels; ++c)
    for (auto& [key, at] : first_at[c])
      std::memcpy(out.ancillary.data() + kDecodeHeaderBytes + (c * stride + tables[c].at(key)) * e,
                  t.data.data() + at * e, e);
  return std::optional<EncodedTensor>{std::move(out)};
}

Expected<EncodedTensor> encode_prune(const Tensor& t, const Location& where) {
  auto layout = checked_layout(t, where);
  if (!layout) return layout.take_error();
  const size_t e = dtype_size(t.dtype), n = layout->elements;
  const bool int8 = t.dtype == DType::Int8;
  const bool has_zp = t.quant && !t.quant->zero_point.empty();
  if (!int8 && has_zp && std::any_of(t.quant->zero_point.begin(), t.quant->zero_point.end(),
                                     [](int64_t z) { return z != 0; }))
    return fail(Errc::BadInput, where, "prune encoding of {} needs zero point 0", dtype_name(t.dtype));
  EncodedTensor out;
  out.type = DecodeType::Prune;
  out.encoded.assign((n + 7) / 8, 0);
  out.ancillary = header(DecodeType::Prune, 0, 0);
  const std::vector<uint8_t> zero(e, 0);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* v = t.data.data() + i * e;
    bool dropped;
    if (int8) {
      // TFLM decodes a dropped int8 element to its channel's zero point (the single one when per-tensor).
      const int64_t zp = has_zp ? (layout->channels > 1 ? t.quant->zero_point[layout->channel_of(i)]
                                                        : t.quant->zero_point[0]) : 0;
      dropped = static_cast<int8_t>(*v) == zp;
    } else {
      dropped = std::memcmp(v, zero.data(), e) == 0;
    }
    if (dropped) continue;
    out.encoded[i >> 3] |= static_cast<uint8_t>(0x80u >> (i & 7));
    out.ancillary.insert(out.ancillary.end(), v, v + e);
  }
  return out;
}

}  // namespace tinyopt
