// ir/tflm_decode.cc: TFLM_DECODE header parsing, channel layout, the bounds check and decoding (layouts in
// tflm_decode.h). Encoding is in tflm_decode_encode.cc.
#include "ir/tflm_decode.h"

#include <bit>
#include <cstring>

namespace tinyopt {
namespace {

constexpr size_t kTypeOffset = 0;         // DCM byte 0: decode type
constexpr size_t kDcmVersionOffset = 1;   // DCM byte 1: DCM version
constexpr size_t kTypeVersionOffset = 4;  // LUT / prune version
constexpr size_t kLutParamsOffset = 5;    // LUT: low 3 bits = index bit width
constexpr size_t kLutStrideOffset = 6;    // LUT: value-table entries per channel

bool decodable_dtype(DType t) {
  switch (t) {
    case DType::Int8: case DType::Int16: case DType::Int32: case DType::Int64: case DType::Float32: case DType::Bool:
      return true;
    default: return false;
  }
}

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

}  // namespace

const char* decode_type_name(DecodeType t) {
  switch (t) {
    case DecodeType::Lut: return "lut";
    case DecodeType::Huffman: return "huffman";
    case DecodeType::Prune: return "prune";
    case DecodeType::Custom: return "custom";
  }
  return "?";
}

Expected<DecodeLayout> decode_layout(const Tensor& decoded, const Location& where) {
  DecodeLayout l;
  const std::optional<int64_t> n = checked_num_elements(decoded.shape);
  if (!n) return fail(Errc::BadInput, where, "decoded tensor has an invalid shape {}", shape_to_string(decoded.shape));
  l.elements = static_cast<size_t>(*n);
  if (decoded.quant && !decoded.quant->scale.empty()) {
    const QuantParams& q = *decoded.quant;
    l.channels = q.scale.size();
    const int last = static_cast<int>(decoded.shape.size()) - 1;
    // DecodeStateLut::Setup / DecodeStatePrune::Setup: the last axis with several channels is the alternate axis;
    // any other non-zero quantized dimension is refused.
    if (q.axis == last && l.channels > 1) l.alternate_axis = true;
    else if (q.axis != 0)
      return fail(Errc::Unsupported, where, "TFLM decodes along quantized dimension 0 or the last one, not {}", q.axis);
  }
  if (l.channels == 0 || l.elements % l.channels != 0)
    return fail(Errc::BadInput, where, "{} elements do not split into {} channels", l.elements, l.channels);
  return l;
}

Expected<DecodeHeader> parse_decode_header(std::span<const uint8_t> a, const Location& where) {
  if (a.size() < kDecodeHeaderBytes)
    return fail(Errc::BadInput, where, "ancillary data has {} bytes, shorter than the {}-byte decode header", a.size(),
                kDecodeHeaderBytes);
  if (a[kDcmVersionOffset] != 1)
    return fail(Errc::BadInput, where, "decode header version {} is not supported (TFLM reads version 1)",
                a[kDcmVersionOffset]);
  DecodeHeader h;
  const uint8_t type = a[kTypeOffset];
  if (type == static_cast<uint8_t>(DecodeType::Huffman) || type >= static_cast<uint8_t>(DecodeType::Custom))
    return fail(Errc::Unsupported, where, "decode type {} ({}) is not supported (LUT and prune are)", type,
                type == 1 ? "Huffman" : "custom");
  if (type != static_cast<uint8_t>(DecodeType::Lut) && type != static_cast<uint8_t>(DecodeType::Prune))
    return fail(Errc::BadInput, where, "decode type {} is not a TFLM decode type (0 LUT, 1 Huffman, 2 prune, 127 "
                "custom)", type);
  h.type = static_cast<DecodeType>(type);
  if (a[kTypeVersionOffset] != 1)
    return fail(Errc::BadInput, where, "{} version {} is not supported (TFLM reads version 1)",
                decode_type_name(h.type), a[kTypeVersionOffset]);
  if (h.type == DecodeType::Lut) {
    h.bits = a[kLutParamsOffset] & 0x07;
    h.stride = a[kLutStrideOffset];
    if (h.bits < 1 || h.bits > kMaxLutBits)
      return fail(Errc::BadInput, where, "LUT index bit width {} is outside 1..{}", h.bits, kMaxLutBits);
    if (h.stride < 1 || h.stride > kMaxLutStride)
      return fail(Errc::BadInput, where, "LUT value-table stride {} is outside 1..{}", h.stride, kMaxLutStride);
  }
  return h;
}

Expected<DecodeHeader> check_decode(std::span<const uint8_t> encoded, std::span<const uint8_t> ancillary,
                                    const Tensor& decoded, const Location& where) {
  auto h = parse_decode_header(ancillary, where);
  if (!h) return h.take_error();
  if (!decodable_dtype(decoded.dtype))
    return fail(Errc::Unsupported, where, "TFLM does not decode into {} tensors", dtype_name(decoded.dtype));
  auto layout = decode_layout(decoded, where);
  if (!layout) return layout.take_error();
  const size_t n = layout->elements, e = dtype_size(decoded.dtype);
  const size_t table_bytes = ancillary.size() - kDecodeHeaderBytes;
  if (h->type == DecodeType::Lut) {
    const size_t need = ceil_div(n * static_cast<size_t>(h->bits), 8);
    if (encoded.size() < need)
      return fail(Errc::BadInput, where, "LUT indices need {} bytes for {} elements of {} bits, the encoded tensor "
                  "has {}", need, n, h->bits, encoded.size());
    const size_t entries = layout->channels * h->stride;
    if (table_bytes < entries * e)
      return fail(Errc::BadInput, where, "LUT value tables need {} bytes ({} channels x {} entries of {}), the "
                  "ancillary data has {} after its header", entries * e, layout->channels, h->stride,
                  dtype_name(decoded.dtype), table_bytes);
    for (size_t i = 0; i < n; ++i) {
      const uint32_t index = read_bits_msb_first(encoded, i, h->bits);
      if (index >= h->stride)
        return fail(Errc::BadInput, where, "LUT index {} of element {} is past its channel's value table ({} "
                    "entries)", index, i, h->stride);
    }
  } else {
    const size_t need = ceil_div(n, 8);
    if (encoded.size() < need)
      return fail(Errc::BadInput, where, "prune bitmask needs {} bytes for {} elements, the encoded tensor has {}",
                  need, n, encoded.size());
    size_t kept = 0;
    for (size_t i = 0; i < n / 8; ++i) kept += static_cast<size_t>(std::popcount(encoded[i]));
    for (size_t i = n / 8 * 8; i < n; ++i) kept += read_bits_msb_first(encoded, i, 1);
    if (table_bytes < kept * e)
      return fail(Errc::BadInput, where, "prune bitmask keeps {} values ({} bytes), the ancillary data holds {} "
                  "after its header", kept, kept * e, table_bytes);
    const bool per_channel_int8 = layout->channels > 1 && decoded.dtype == DType::Int8;
    if (!per_channel_int8 && decoded.dtype != DType::Int8 && decoded.quant && !decoded.quant->zero_point.empty() &&
        decoded.quant->zero_point[0] != 0)
      return fail(Errc::BadInput, where, "prune decoding into {} needs zero point 0, not {}",
                  dtype_name(decoded.dtype), decoded.quant->zero_point[0]);
  }
  return h;
}

uint32_t read_bits_msb_first(std::span<const uint8_t> bytes, size_t index, int bits) {
  uint32_t v = 0;
  size_t bit = index * static_cast<size_t>(bits);
  for (int k = 0; k < bits; ++k, ++bit) v = (v << 1) | ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1u);
  return v;
}

void decode_into(std::span<const uint8_t> encoded, std::span<const uint8_t> ancillary, const DecodeHeader& h,
                 const DecodeLayout& l, size_t e, int8_t zero_point, std::span<const int64_t> channel_zero_points,
                 std::span<uint8_t> out) {
  const uint8_t* table = ancillary.data() + kDecodeHeaderBytes;
  if (h.type == DecodeType::Lut) {
    if (e == 1 && !l.alternate_axis) {  // the common case, int8 weights: one table per run of elements
      const size_t per = l.elements / l.channels;
      size_t i = 0;
      for (size_t c = 0; c < l.channels; ++c) {
        const uint8_t* t = table + c * h.stride;
        for (size_t k = 0; k < per; ++k, ++i) out[i] = t[read_bits_msb_first(encoded, i, h.bits)];
      }
      return;
    }
    for (size_t i = 0; i < l.elements; ++i) {
      const size_t entry = l.channel_of(i) * h.stride + read_bits_msb_first(encoded, i, h.bits);
      std::memcpy(out.data() + i * e, table + entry * e, e);
    }
    return;
  }
  // Prune: kept values in element order; dropped elements take their channel's zero point.
  const uint8_t* value = table;
  for (size_t i = 0; i < l.elements; ++i) {
    uint8_t* dst = out.data() + i * e;
    if ((encoded[i >> 3] >> (7 - (i & 7))) & 1u) {
      std::memcpy(dst, value, e);
      value += e;
    } else if (e == 1) {
      *dst = static_cast<uint8_t>(channel_zero_points.empty() ? zero_point
                                                              : static_cast<int8_t>(channel_zero_points[l.channel_of(i)]));
    } else {
      std::memset(dst, 0, e);  // non-int8 prune decoding requires zero point 0 (checked)
    }
  }
}

Expected<DecodePlan> plan_decode(std::span<const uint8_t> encoded, std::span<const uint8_t> ancillary,
                                 const Tensor& decoded, const Location& where) {
  auto h = check_decode(encoded, ancillary, decoded, where);
  if (!h) return h.take_error();
  DecodePlan p;
  p.header = *h;
  p.layout = *decode_layout(decoded, where);
  p.element_bytes = dtype_size(decoded.dtype);
  if (h->type == DecodeType::Prune && decoded.dtype == DType::Int8 && decoded.quant) {
    if (p.layout.channels > 1) p.channel_zero_points = decoded.quant->zero_point;
    else if (!decoded.quant->zero_point.empty()) p.zero_point = static_cast<int8_t>(decoded.quant->zero_point[0]);
  }
  return p;
}

void run_decode(const DecodePlan& p, std::span<const uint8_t> encoded, std::span<const uint8_t> ancillary,
                std::span<uint8_t> out) {
  decode_into(encoded, ancillary, p.header, p.layout, p.element_bytes, p.zero_point, p.channel_zero_points, out);
}

int decode_producer(const Graph& g, TensorId id) {
  for (size_t i = 0; i < g.ops.size(); ++i)
    if (g.ops[i].kind == OpKind::Decode)
      for (TensorId o : g.ops[i].outputs)
        if (o == id) return static_cast<int>(i);
  return -1;
}

bool is_known_constant(const Graph& g, TensorId id) {
  if (id < 0 || static_cast<size_t>(id) >= g.tensors.size()) return false;
  if (g.tensor(id).is_constant) return true;
  const int p = decode_producer(g, id);
  if (p < 0) return false;
  const Op& op = g.ops[static_cast<size_t>(p)];
  return op.inputs.size() == 2 && op.inputs[0] >= 0 && op.inputs[1] >= 0 && g.tensor(op.inputs[0]).is_constant &&
         g.tensor(op.inputs[1]).is_constant;
}

Expected<std::optional<std::vector<uint8_t>>> known_value(const Graph& g, TensorId id) {
  if (id < 0 || static_cast<size_t>(id) >= g.tensors.size()) return std::optional<std::vector<uint8_t>>{};
  const Tensor& t = g.tensor(id);
  if (t.is_constant) return std::optional<std::vector<uint8_t>>{t.data};
  if (!is_known_constant(g, id)) return std::optional<std::vector<uint8_t>>{};
  const int p = decode_producer(g, id);
  const Op& op = g.ops[static_cast<size_t>(p)];
  Location where = g.where(p);
  where.tensor = t.name;
  const auto& enc = g.tensor(op.inputs[0]).data;
  const auto& anc = g.tensor(op.inputs[1]).data;
  auto plan = plan_decode(enc, anc, t, where);
  if (!plan) return plan.take_error();
  std::vector<uint8_t> out(t.byte_size());
  run_decode(*plan, enc, anc, out);
  return std::optional<std::vector<uint8_t>>{std::move(out)};
}

}  // namespace tinyopt
