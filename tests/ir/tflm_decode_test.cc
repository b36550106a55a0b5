// tests/ir/tflm_decode_test.cc: the TFLM_DECODE encodings (ir/tflm_decode.h) on hand-built bytes, worked out in
// the comments (indices packed most significant bit first, one table of `stride` entries per channel), round
// trips for every LUT bit width 1..7, per-tensor and per-channel, the depthwise alternate axis, int8 and int32
// tables and odd element counts, and every malformed-header case check_decode must refuse.
#include <cstring>
#include <numeric>

#include <doctest/doctest.h>

#include "ir/tflm_decode.h"

namespace tinyopt {
namespace {

std::vector<uint8_t> lut_header(int bits, int stride) {
  std::vector<uint8_t> h(16, 0);
  h[0] = 0, h[1] = 1, h[4] = 1, h[5] = static_cast<uint8_t>(bits), h[6] = static_cast<uint8_t>(stride);
  return h;
}
std::vector<uint8_t> prune_header() {
  std::vector<uint8_t> h(16, 0);
  h[0] = 2, h[1] = 1, h[4] = 1;
  return h;
}
template <class T> void append(std::vector<uint8_t>& a, std::initializer_list<T> values) {
  for (T v : values) {
    const size_t at = a.size();
    a.resize(at + sizeof(T));
    std::memcpy(a.data() + at, &v, sizeof(T));
  }
}

Tensor decoded_like(DType t, Shape shape, std::optional<QuantParams> q = std::nullopt) {
  Tensor d;
  d.name = "w_decoded";
  d.dtype = t;
  d.shape = std::move(shape);
  d.quant = std::move(q);
  return d;
}

QuantParams channels(size_t n, int axis, std::vector<int64_t> zp = {}) {
  QuantParams q;
  q.scale.assign(n, 0.5f);
  q.zero_point = zp.empty() ? std::vector<int64_t>(n, 0) : zp;
  q.axis = axis;
  return q;
}

template <class T> std::vector<T> decode(const std::vector<uint8_t>& enc, const std::vector<uint8_t>& anc, const Tensor& d) {
  auto plan = plan_decode(enc, anc, d, {.tensor = d.name});
  REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().to_string()));
  std::vector<uint8_t> out(d.byte_size());
  run_decode(*plan, enc, anc, out);
  std::vector<T> v(out.size() / sizeof(T));
  std::memcpy(v.data(), out.data(), out.size());
  return v;
}

std::string error_of(const std::vector<uint8_t>& enc, const std::vector<uint8_t>& anc, const Tensor& d) {
  auto r = check_decode(enc, anc, d, {.tensor = d.name});
  return r ? std::string("accepted") : r.error().to_string();
}

TEST_CASE("tflm_decode: bit packing is most significant bit first, contiguous, zero-padded") {
  // 3-bit indices 1,2,0,3,2 -> 001 010 000 011 010 -> 00101000 0011010(0) = 0x28 0x34.
  const std::vector<uint32_t> idx{1, 2, 0, 3, 2};
  CHECK(pack_bits_msb_first(idx, 3) == std::vector<uint8_t>{0x28, 0x34});
  for (size_t i = 0; i < idx.size(); ++i) CHECK(read_bits_msb_first(std::vector<uint8_t>{0x28, 0x34}, i, 3) == idx[i]);
  // 1-bit 1,0,1 -> 101(00000) = 0xA0; 7-bit 127,1 -> 1111111 0000001(00) = 0xFE 0x04.
  CHECK(pack_bits_msb_first(std::vector<uint32_t>{1, 0, 1}, 1) == std::vector<uint8_t>{0xA0});
  CHECK(pack_bits_msb_first(std::vector<uint32_t>{127, 1}, 7) == std::vector<uint8_t>{0xFE, 0x04});
}

TEST_CASE("tflm_decode: LUT by hand: per-tensor int8, 3 bits, 5 elements (odd: one padding bit)") {
  // Table {-3, 0, 5, 7} padded to stride 4; indices 1,2,0,3,2 (bytes 0x28 0x34) -> 0, 5, -3, 7, 5.
  std::vector<uint8_t> anc = lut_header(3, 4);
  append<int8_t>(anc, {-3, 0, 5, 7});
  const Tensor d = decoded_like(DType::Int8, {5}, channels(1, 0));
  CHECK(decode<int8_t>({0x28, 0x34}, anc, d) == std::vector<int8_t>{0, 5, -3, 7, 5});
}

TEST_CASE("tflm_decode: LUT by hand: depthwise alternate axis, element i uses channel i % C") {
  // [1,2,3] quantized on the last axis (3 channels), 2 bits, stride 2: tables c0 {10,20} c1 {-1,-2} c2 {100,-100}.
  // Indices 0,1,1,1,0,0 -> 00 01 01 01 | 00 00(0000) = 0x15 0x00; elements -> c0[0] c1[1] c2[1] c0[1] c1[0] c2[0].
  std::vector<uint8_t> anc = lut_header(2, 2);
  append<int8_t>(anc, {10, 20, -1, -2, 100, -100});
  const Tensor d = decoded_like(DType::Int8, {1, 2, 3}, channels(3, 2));
  CHECK(decode<int8_t>({0x15, 0x00}, anc, d) == std::vector<int8_t>{10, -2, -100, 20, -1, 100});
}

TEST_CASE("tflm_decode: LUT by hand: int32 tables per channel (a bias)") {
  // Two channels of one element each, 1 bit, stride 2: c0 {1000, 0}, c1 {-7, 70000}; indices 0,1 -> 01(000000).
  std::vector<uint8_t> anc = lut_header(1, 2);
  append<int32_t>(anc, {1000, 0, -7, 70000});
  const Tensor d = decoded_like(DType::Int32, {2}, channels(2, 0));
  CHECK(decode<int32_t>({0x40}, anc, d) == std::vector<int32_t>{1000, 70000});
}

TEST_CASE("tflm_decode: prune by hand: per-channel int8 zero points, per-tensor, alternate axis, int32") {
  // [2,3] on axis 0, zero points {0,-3}: mask 101 010 -> 0xA8, kept 5, 9, 4 -> 5 0 9 | -3 4 -3.
  std::vector<uint8_t> anc = prune_header();
  append<int8_t>(anc, {5, 9, 4});
  CHECK(decode<int8_t>({0xA8}, anc, decoded_like(DType::Int8, {2, 3}, channels(2, 0, {0, -3}))) ==
        std::vector<int8_t>{5, 0, 9, -3, 4, -3});
  // Per-tensor int8, zero point 2: dropped elements decode to 2.
  CHECK(decode<int8_t>({0xA8}, anc, decoded_like(DType::Int8, {6}, channels(1, 0, {2}))) ==
        std::vector<int8_t>{5, 2, 9, 2, 4, 2});
  // [1,1,2,2] on axis 3, zero points {1,2}: mask 0110 -> 0x60, kept 7, 8 -> zp(c0)=1, 7, 8, zp(c1)=2.
  std::vector<uint8_t> alt = prune_header();
  append<int8_t>(alt, {7, 8});
  CHECK(decode<int8_t>({0x60}, alt, decoded_like(DType::Int8, {1, 1, 2, 2}, channels(2, 3, {1, 2}))) ==
        std::vector<int8_t>{1, 7, 8, 2});
  // int32, no quantization: mask 1001(0000) -> 0x90, kept 123456, -9 -> 123456 0 0 -9.
  std::vector<uint8_t> i32 = prune_header();
  append<int32_t>(i32, {123456, -9});
  CHECK(decode<int32_t>({0x90}, i32, decoded_like(DType::Int32, {4})) == std::vector<int32_t>{123456, 0, 0, -9});
}

// A constant int8 tensor whose channel c (of `channels`, axis 0 or the last axis) holds exactly `distinct` values.
Tensor clustered_int8(Shape shape, size_t n_channels, int axis, int distinct) {
  Tensor t = decoded_like(DType::Int8, std::move(shape), channels(n_channels, axis));
  const int64_t n = num_elements(t.shape);
  std::vector<int8_t> v(static_cast<size_t>(n));
  DecodeLayout l{.elements = static_cast<size_t>(n), .channels = n_channels,
                 .alternate_axis = axis != 0 && n_channels > 1};
  std::vector<int> seen(n_channels, 0);
  for (size_t i = 0; i < v.size(); ++i) {
    const size_t c = l.channel_of(i);
    const int k = seen[c]++ * 37 % distinct;  // 37 is coprime with every power of two: all values appear
    v[i] = static_cast<int8_t>(k * (254 / std::max(distinct, 2)) - 127 + static_cast<int>(c));
  }
  t.set_values<int8_t>(v);
  return t;
}

void check_round_trip(const Tensor& t, int want_bits) {
  auto enc = encode_lut(t, {.tensor = t.name});
  REQUIRE(enc.has_value());
  REQUIRE(enc->has_value());
  CHECK((*enc)->bits == want_bits);
  Tensor d = t;
  d.data.clear();
  d.is_constant = false;
  auto back = decode<uint8_t>((*enc)->encoded, (*enc)->ancillary, d);
  CHECK(back == t.data);
  CHECK((*enc)->encoded.size() == (t.data.size() / dtype_size(t.dtype) * static_cast<size_t>(want_bits) + 7) / 8);
}

TEST_CASE("tflm_decode: LUT round trip for every bit width 1..7, per-channel, per-tensor, alternate axis") {
  for (int bits = 1; bits <= 7; ++bits) {
    CAPTURE(bits);
    const int distinct = 1 << bits;
    check_round_trip(clustered_int8({3, 131}, 3, 0, distinct), bits);            // 393 elements: padding bits
    check_round_trip(clustered_int8({1, 1, 131, 3}, 3, 3, distinct), bits);      // depthwise [1,H,W,C]
    check_round_trip(clustered_int8({7, 19}, 1, 0, distinct), bits);             // per-tensor, 133 elements
    check_round_trip(clustered_int8({2, 131}, 2, 0, distinct / 2 + 1), bits);   // just over half: same width
  }
}

TEST_CASE("tflm_decode: LUT of int32 values, and no LUT when a channel has more than 128 values") {
  Tensor b = decoded_like(DType::Int32, {9}, channels(1, 0));
  b.set_values<int32_t>(std::vector<int32_t>{-70000, 5, 5, 123456, -70000, 0, 5, 0, 123456});
  check_round_trip(b, 2);  // 4 distinct values
  Tensor wide = clustered_int8({1, 200}, 1, 0, 2);
  std::vector<int8_t> v(200);
  std::iota(v.begin(), v.end(), -100);
  wide.set_values<int8_t>(v);
  auto enc = encode_lut(wide, {});
  REQUIRE(enc.has_value());
  CHECK_FALSE(enc->has_value());
}

TEST_CASE("tflm_decode: prune round trip keeps the non-zero-point values in element order") {
  Tensor t = clustered_int8({4, 25}, 4, 0, 16);
  std::vector<int8_t> v(t.values<int8_t>().begin(), t.values<int8_t>().end());
  for (size_t i = 0; i < v.size(); ++i) if (i % 5 != 2) v[i] = 0;  // 80 % zeros
  t.set_values<int8_t>(v);
  auto enc = encode_prune(t, {});
  REQUIRE(enc.has_value());
  CHECK(enc->encoded.size() == 13);           // ceil(100 / 8)
  CHECK(enc->ancillary.size() == 16 + 20);    // header + 20 kept values
  Tensor d = t;
  d.data.clear();
  d.is_constant = false;
  CHECK(decode<uint8_t>(enc->encoded, enc->ancillary, d) == t.data);
}

TEST_CASE("tflm_decode: malformed headers and tables are refused, naming the tensor") {
  const Tensor d = decoded_like(DType::Int8, {5}, channels(1, 0));
  std::vector<uint8_t> good = lut_header(3, 4);
  append<int8_t>(good, {-3, 0, 5, 7});
  const std::vector<uint8_t> idx{0x28, 0x34};
  CHECK(error_of(idx, good, d) == "accepted");
  CHECK(error_of(idx, {0, 1, 0}, d) == "tensor 'w_decoded': ancillary data has 3 bytes, shorter than the 16-byte decode header");
  auto with = [&](size_t at, uint8_t v) { auto a = good; a[at] = v; return a; };
  CHECK(error_of(idx, with(1, 2), d) == "tensor 'w_decoded': decode header version 2 is not supported (TFLM reads version 1)");
  CHECK(error_of(idx, with(0, 5), d).find("decode type 5 is not a TFLM decode type") != std::string::npos);
  CHECK(error_of(idx, with(0, 1), d).find("decode type 1 (Huffman) is not supported") != std::string::npos);
  CHECK(error_of(idx, with(4, 3), d) == "tensor 'w_decoded': lut version 3 is not supported (TFLM reads version 1)");
  CHECK(error_of(idx, with(5, 0), d) == "tensor 'w_decoded': LUT index bit width 0 is outside 1..7");
  CHECK(error_of(idx, with(6, 0), d) == "tensor 'w_decoded': LUT value-table stride 0 is outside 1..128");
  CHECK(error_of(idx, with(6, 200), d) == "tensor 'w_decoded': LUT value-table stride 200 is outside 1..128");
  std::vector<uint8_t> short_table(good.begin(), good.end() - 1);
  CHECK(error_of(idx, short_table, d).find("LUT value tables need 4 bytes") != std::string::npos);
  // Index 3 with a stride of 3 would read the next channel's table (or past the end): refused.
  CHECK(error_of(idx, with(6, 3), d) == "tensor 'w_decoded': LUT index 3 of element 3 is past its channel's value table (3 entries)");
  CHECK(error_of({0x28}, good, d).find("LUT indices need 2 bytes for 5 elements of 3 bits") != std::string::npos);
  std::vector<uint8_t> prune = prune_header();
  append<int8_t>(prune, {1, 2});
  CHECK(error_of({0xE0}, prune, d).find("prune bitmask keeps 3 values (3 bytes), the ancillary data holds 2") != std::string::npos);
  CHECK(error_of({}, prune, d).find("prune bitmask needs 1 bytes for 5 elements") != std::string::npos);
  // TFLM refuses quantized dimensions other than 0 and the last one.
  CHECK(error_of(idx, good, decoded_like(DType::Int8, {1, 5, 1}, channels(5, 1))).find("quantized dimension") != std::string::npos);
  CHECK(error_of(idx, good, decoded_like(DType::UInt8, {5})).find("does not decode into uint8") != std::string::npos);
}

}  // namespace
}  // namespace tinyopt
