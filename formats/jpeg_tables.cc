// formats/jpeg_tables.cc: walking a JPEG's marker segments to check its Huffman tables (see jpeg_tables.h).
//
// JPEG layout (ITU T.81 annex B): SOI (FF D8), then segments: FF, a marker byte, a 16-bit big-endian length that
// counts itself, and the payload. Any number of FF fill bytes may precede a marker. After a scan header (SOS),
// entropy-coded data runs until the next marker; inside it an FF data byte is followed by a stuffed 00, and
// restart markers RST0-7 (FF D0-D7) have no length. A DHT (FF C4) payload is a list of tables: a class/id byte,
// 16 counts of codes per length, then as many symbol bytes as the counts total. The walk follows stb_image: it
// reads a DHT's tables while the declared length lasts (bytes past the end of the file read as 0), and it
// accepts leading FF fill bytes before SOI.
#include "formats/jpeg_tables.h"

#include "formats/atomic_file.h"

namespace tinyopt {
namespace {

constexpr uint8_t kSoi = 0xD8, kEoi = 0xD9, kDht = 0xC4;
constexpr int kMaxCodes = 256;

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

Expected<void> check_jpeg_huffman_tables(const std::filesystem::path& path) {
  Expected<std::vector<uint8_t>> bytes = read_file(path);
  if (!bytes) return {};
  return check_jpeg_huffman_tables(*bytes, path.string());
}

}  // namespace tinyopt
