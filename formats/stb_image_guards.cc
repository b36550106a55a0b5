// formats/stb_image_guards.cc: the JPEG Huffman-table and PNM header checks (see stb_image_guards.h).
//
// JPEG layout (ITU T.81 annex B): SOI (FF D8), then segments: FF, a marker byte, a 16-bit big-endian length that
// counts itself, and the payload. Any number of FF fill bytes may precede a marker. After a scan header (SOS),
// entropy-coded data runs until the next marker; inside it an FF data byte is followed by a stuffed 00, and
// restart markers RST0-7 (FF D0-D7) have no length. A DHT (FF C4) payload is a list of tables: a class/id byte,
// 16 counts of codes per length, then as many symbol bytes as the counts total. The walk follows stb_image: it
// reads a DHT's tables while the declared length lasts (bytes past the end of the file read as 0), and it
// accepts leading FF fill bytes before SOI.
#include "formats/stb_image_guards.h"

#include "formats/atomic_file.h"

namespace tinyopt {
namespace {

constexpr uint8_t kSoi = 0xD8, kEoi = 0xD9, kDht = 0xC4;
constexpr int kMaxCodes = 256;

constexpr int64_t kMaxPnmNumber = INT32_MAX;

bool is_standalone(uint8_t marker) { return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7); }  // TEM, RSTn

}  // namespace

Expected<void> check_jpeg_huffman_tables(std::span<const uint8_t> bytes, const std::string& name) {
  auto at = [&](size_t i) -> int { return i < bytes.size() ? bytes[i] : 0; };
  size_t i = 0;
  if (at(0) != 0xFF) return {};
  while (at(i) == 0xFF && i < bytes.size()) ++i;
  if (at(i) != kSoi) return {};  // not a JPEG
  ++i;
  while (i + 1 < bytes.size()) {
    // Outside segments: entropy-coded data or padding, skipped up to the next FF that starts a marker.
    if (bytes[i] != 0xFF) { ++i; continue; }
    const uint8_t marker = bytes[i + 1];
    if (marker == 0xFF) { ++i; continue; }                            // a fill byte
    if (marker == 0x00 || is_standalone(marker)) { i += 2; continue; }  // a stuffed FF data byte, RSTn, TEM
    if (marker == kEoi) break;
    const int length = at(i + 2) << 8 | at(i + 3);
    if (marker == kDht) {
      size_t p = i + 4;
      for (int left = length - 2; left > 0;) {
        int codes = 0;
        for (size_t k = 1; k <= 16; ++k) codes += at(p + k);
        if (codes > kMaxCodes)
          return fail(Errc::BadInput, {.file = name}, "corrupt JPEG: a Huffman table declares {} codes (at most {})",
                      codes, kMaxCodes);
        p += 17 + static_cast<size_t>(codes);
        left -= 17 + codes;
      }
    }
    i += 2 + static_cast<size_t>(length);
  }
  return {};
}

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

Expected<void> check_image_for_stb(const std::filesystem::path& path) {
  Expected<std::vector<uint8_t>> bytes = read_file(path);
  if (!bytes) return {};
  if (Expected<void> ok = check_jpeg_huffman_tables(*bytes, path.string()); !ok) return ok;
  return check_pnm_header(*bytes, path.string());
}

}  // namespace tinyopt
