// formats/stb_image_guards.cc: the PNM header check (see stb_image_guards.h).
#include "formats/stb_image_guards.h"

#include <algorithm>
#include <string_view>

namespace tinyopt {
namespace {

constexpr int64_t kMaxPnmNumber = INT32_MAX;

}  // namespace

// PNM header (netpbm): "P5" or "P6", then width, height and maximum value as decimal numbers, separated by
// whitespace and "#" comments that run to the end of the line. stb_image reads them one digit at a time into an
// int; this reads them the same way, in 64 bits.
Expected<void> check_pnm_header(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.size() < 2 || bytes[0] != 'P' || (bytes[1] != '5' && bytes[1] != '6')) return {};
  auto is_space = [](uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  size_t i = 2;
  for (int number = 0; number < 3; ++number) {
    for (;;) {
      while (i < bytes.size() && is_space(bytes[i])) ++i;
      if (i >= bytes.size() || bytes[i] != '#') break;
      while (i < bytes.size() && bytes[i] != '\n' && bytes[i] != '\r') ++i;
    }
    int64_t value = 0;
    for (; i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9'; ++i) {
      value = value * 10 + (bytes[i] - '0');
      if (value > kMaxPnmNumber)
        return fail(Errc::BadInput, {.file = name}, "corrupt PNM header: a number does not fit in 32 bits");
    }
  }
  return {};
}

// PNG layout (ISO/IEC 15948 5.3): an 8-byte signature, then chunks: a 4-byte big-endian data length, a 4-byte
// type, the data, a 4-byte CRC.
void drop_empty_png_idat_chunks(std::vector<uint8_t>& bytes) {
  static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() < 8 || !std::equal(kSignature, kSignature + 8, bytes.begin())) return;
  auto is = [&](size_t at, std::string_view type) {
    return std::equal(type.begin(), type.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at),
                      [](char t, uint8_t b) { return static_cast<uint8_t>(t) == b; });
  };
  for (size_t at = 8; at + 12 <= bytes.size();) {
    const uint64_t length = uint64_t{bytes[at]} << 24 | bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3];
    if (length == 0 && is(at + 4, "IDAT")) {
      bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at), bytes.begin() + static_cast<std::ptrdiff_t>(at + 12));
      continue;
    }
    if (is(at + 4, "IEND") || length > bytes.size() - at - 12) return;
    at += 12 + static_cast<size_t>(length);
  }
}

// stb_image 2.27 grows its image-data buffer to whatever an IDAT chunk's length field says before reading the
// chunk, so a 250-byte file can make it allocate 2 GB. Every chunk must fit in the bytes that follow it.
Expected<void> check_png_chunk_lengths(std::span<const uint8_t> bytes, const std::string& name) {
  static constexpr uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() < 8 || !std::equal(kSignature, kSignature + 8, bytes.begin())) return {};
  for (size_t at = 8; at + 8 <= bytes.size();) {
    const uint64_t length = uint64_t{bytes[at]} << 24 | bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3];
    const std::string type(reinterpret_cast<const char*>(bytes.data() + at + 4), 4);
    if (length > bytes.size() - at - 8)
      return fail(Errc::BadInput, {.file = name}, "corrupt PNG: a chunk at byte {} claims {} bytes, the file has {} left",
                  at, length, bytes.size() - at - 8);
    if (type == "IEND") return {};
    at += 12 + static_cast<size_t>(length);
  }
  return {};
}

}  // namespace tinyopt
