// tests/formats/stb_image_guards_test.cc: the checks that guard stb_image 2.27 (formats/stb_image_guards.h).
#include <doctest/doctest.h>

#include <filesystem>
#include <string_view>
#include <vector>

#include "formats/atomic_file.h"
#include "formats/stb_image_guards.h"

namespace tinyopt {
namespace {

// SOI, a DHT segment holding one table whose 16 counts are `counts` (symbols all 0), EOI.
std::vector<uint8_t> jpeg_with_table(const std::vector<uint8_t>& counts, std::vector<uint8_t> prefix = {}) {
  int symbols = 0;
  for (uint8_t c : counts) symbols += c;
  const int length = 2 + 17 + symbols;
  std::vector<uint8_t> b = std::move(prefix);
  b.insert(b.end(), {0xFF, 0xD8, 0xFF, 0xC4, static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length), 0x00});
  b.insert(b.end(), counts.begin(), counts.end());
  b.insert(b.end(), static_cast<size_t>(symbols), 0);
  b.insert(b.end(), {0xFF, 0xD9});
  return b;
}

}  // namespace

TEST_CASE("stb_image guards: a JPEG Huffman table of over 256 codes is an error naming the file") {
  std::vector<uint8_t> counts(16, 0);
  counts[15] = 255;
  counts[14] = 1;  // 256 codes: the most the standard allows
  CHECK(check_jpeg_huffman_tables(jpeg_with_table(counts), "x.jpg").has_value());
  counts[13] = 1;  // 257
  Expected<void> bad = check_jpeg_huffman_tables(jpeg_with_table(counts), "x.jpg");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::BadInput);
  CHECK(bad.error().to_string() == "x.jpg: corrupt JPEG: a Huffman table declares 257 codes (at most 256)");
  // stb_image skips FF fill bytes before SOI, so the check does too.
  CHECK_FALSE(check_jpeg_huffman_tables(jpeg_with_table(counts, {0xFF, 0xFF}), "x.jpg").has_value());
}

TEST_CASE("stb_image guards: real images and other files pass") {
  const std::filesystem::path corpus = std::filesystem::path(TINYOPT_SOURCE_DIR) / "tests/fuzz/corpus/image_loader";
  for (const char* file : {"fmnist_gray.jpg", "fmnist_rgb.jpg", "fmnist_gray.png", "fmnist_rgb.bmp"}) {
    CAPTURE(file);
    CHECK(check_image_for_stb(corpus / file).has_value());
  }
  CHECK(check_jpeg_huffman_tables(std::vector<uint8_t>{}, "empty").has_value());
  CHECK(check_jpeg_huffman_tables(std::vector<uint8_t>{0xFF, 0xD8, 0xFF}, "truncated.jpg").has_value());
}

TEST_CASE("stb_image guards: a PNM header number over 32 bits is an error naming the file") {
  auto pnm = [](std::string_view text) { return std::vector<uint8_t>(text.begin(), text.end()); };
  CHECK(check_pnm_header(pnm("P5\n# comment 99999999999\n2147483647 1\n255\n"), "x.pgm").has_value());
  Expected<void> bad = check_pnm_header(pnm("P6 1\n#\n 2147483648 255\n"), "x.ppm");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().to_string() == "x.ppm: corrupt PNM header: a number does not fit in 32 bits");
  CHECK_FALSE(check_pnm_header(pnm("P5 1 1 99999999999"), "x.pgm").has_value());
  CHECK(check_pnm_header(pnm("P3 99999999999"), "x.ppm").has_value());  // ASCII PNM: stb_image does not read it
}

}  // namespace tinyopt
