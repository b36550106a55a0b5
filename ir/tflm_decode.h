// ir/tflm_decode.h: the encodings of TFLite Micro's TFLM_DECODE custom operator: the ancillary tensor's header,
// how a decoded tensor's elements map to value-table channels, checking an (encoded, ancillary, decoded) triple
// before anything reads it, decoding, and encoding (LUT and prune).
//
// Layout facts (TFLM kernels/decode_state.h, decode_state_lut.{h,cc}, decode_state_prune.{h,cc},
// compression/decode.py, lut.py; commit 90b983c2):
//   Ancillary tensor (UINT8): a 16-byte Decode Common Metadata (DCM) header, then the type's data.
//     byte 0 decode type (0 LUT, 1 Huffman, 2 prune, 127 custom), byte 1 DCM version (1), bytes 2-3 reserved,
//     bytes 4-15 the type's own fields; byte 4 is the LUT / prune version (1).
//     LUT: byte 5 & 0x07 = index bit width (1..7), byte 6 = value-table stride (entries per channel).
//   Channels come from the *decoded* tensor's quantization: one per scale. quantized_dimension 0 is the normal
//   layout (channel c owns elements [c*n/C, (c+1)*n/C)); the last dimension with more than one channel is the
//   "alternate axis" (element i belongs to channel i % C, as in depthwise weights [1,H,W,C]); any other axis is
//   refused by TFLM. Without quantization there is one channel.
//   LUT: the encoded tensor is a stream of bit-width indices, most significant bit first, contiguous across
//     channels (no per-channel padding; the last byte is zero-padded). Element i decodes to
//     table[channel(i) * stride + index(i)], each table entry an element of the decoded type, little-endian.
//   Prune: the encoded tensor is a bitmask, one bit per element, most significant bit first: 1 = kept. The kept
//     values follow the header in element order. A dropped element decodes to its channel's zero point when the
//     decoded tensor is int8 and per-channel, else to the single zero point (which must be 0 for non-int8 types).
// TFLM itself trusts these bytes. tinyopt checks every size and index first (check_decode), so that a malformed
// model is an error naming the tensor, never a read outside a buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/graph.h"

namespace tinyopt {

inline constexpr size_t kDecodeHeaderBytes = 16;  // kDcmSizeInBytes
inline constexpr int kMaxLutBits = 7;             // DecodeStateLut::kMaxBitWidth
inline constexpr size_t kMaxLutStride = 128;      // DecodeStateLut::kMaxValueTableChannelStride

enum class DecodeType : uint8_t { Lut = 0, Huffman = 1, Prune = 2, Custom = 127 };
const char* decode_type_name(DecodeType t);  // "lut", "huffman", "prune", "custom"

// The header fields tinyopt reads.
struct DecodeHeader {
  DecodeType type = DecodeType::Lut;
  int bits = 0;       // LUT index width, 1..7 (0 for prune)
  size_t stride = 0;  // LUT entries per channel (0 for prune)
};

// How decoded elements map to channels (TFLM's num_channels_ / use_alternate_axis_ / elements_per_channel_).
struct DecodeLayout {
  size_t elements = 0;
  size_t channels = 1;
  bool alternate_axis = false;
  size_t channel_of(size_t i) const { return alternate_axis ? i % channels : i / (elements / channels); }
};

// The layout TFLM derives from the decoded tensor's shape and quantization; errors name the tensor.
Expected<DecodeLayout> decode_layout(const Tensor& decoded, const Location& where);

// Parses and checks the header against the ancillary tensor's size (size, DCM version, type, type version, bit
// width, stride). Only LUT and prune are decodable; Huffman and custom types are Unsupported errors.
Expected<DecodeHeader> parse_decode_header(std::span<const uint8_t> ancillary, const Location& where);

// Checks that decoding `encoded` with `ancillary` into a tensor like `decoded` reads only inside both buffers and
// every LUT index selects an entry of its own channel's table. `where` names the decoded tensor.
Expected<DecodeHeader> check_decode(std::span<const uint8_t> encoded, std::span<const uint8_t> ancillary,
                                    const Tensor& decoded, const Location& where);

// Decodes into `out` (decoded.byte_size() bytes). The triple must have passed check_decode.
void decode_into(std::span<const uint8_t> encoded, std::span<const uint8_t> ancillary, const DecodeHeader& header,
                 const DecodeLayout& layout, size_t element_bytes, int8_t int8_zero_point,
                 std::span<const int64_t> channel_zero_points, std::span<uint8_t> out);

// Everything decode_into needs, prepared once from a checked triple (the DECODE kernel's prepare step).
struct DecodePlan {
  DecodeHeader header;
  DecodeLayout layout;
  size_t element_bytes = 1;
  int8_t zero_point = 0;                   // prune: the single zero point (int8 per-tensor, else 0)
  std::vector<int64_t> channel_zero_points;  // prune: per-channel int8 zero points, empty otherwise
};
Expected<DecodePlan> plan_decode(std::span<const uint8_t> encoded, std::span<const uint8_t> ancillary,
                                 const Tensor& decoded, const Location& where);
void run_decode(const DecodePlan& plan, std::span<const uint8_t> encoded, std::span<const uint8_t> ancillary,
                std::span<uint8_t> out);

// The value of tensor `id` if it is known before running: its constant data, or the decoded bytes of the DECODE
// op that writes it from constant inputs. Empty optional when neither (an activation).
Expected<std::optional<std::vector<uint8_t>>> known_value(const Graph& g, TensorId id);
// True when tensor `id` is a constant or the output of a DECODE of constants.
bool is_known_constant(const Graph& g, TensorId id);
// The DECODE op writing tensor `id`, or -1.
int decode_producer(const Graph& g, TensorId id);

// An encoding of one constant tensor: the bytes of the encoded and ancillary tensors.
struct EncodedTensor {
  DecodeType type = DecodeType::Lut;
  int bits = 0;  // LUT index width
  std::vector<uint8_t> encoded;
  std::vector<uint8_t> ancillary;
  size_t bytes() const { return encoded.size() + ancillary.size(); }
};

// LUT encoding of constant `t` with tables per channel of its layout. The narrowest bit width that indexes the
// largest table is used, at least `min_bits`; nullopt when some channel has more than 2^7 distinct values.
// Tables list each channel's distinct values in ascending order (as TFLM's compressor does), padded to the stride
// = the largest table's size.
Expected<std::optional<EncodedTensor>> encode_lut(const Tensor& t, const Location& where, int min_bits = 1);
// Prune encoding of constant `t`: elements equal to their channel's zero point are dropped.
Expected<EncodedTensor> encode_prune(const Tensor& t, const Location& where);

// Bit packing shared by both encodings: `count` values of `bits` bits each, most significant bit first.
std::vector<uint8_t> pack_bits_msb_first(std::span<const uint32_t> values, int bits);
uint32_t read_bits_msb_first(std::span<const uint8_t> bytes, size_t index, int bits);

}  // namespace tinyopt
