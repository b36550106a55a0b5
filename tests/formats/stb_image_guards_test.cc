// tests/formats/stb_image_guards_test.cc: the checks that guard stb_image 2.27 (formats/stb_image_guards.h).
#include <doctest/doctest.h>

#include <filesystem>
#include <string_view>
#include <vector>

#include "formats/atomic_file.h"
#include "formats/stb_image_guards.h"

namespace tinyopt {

TEST_CASE("stb_image guards: real images and other files pass") {
  const std::filesystem::path corpus = std::filesystem::path(TINYOPT_SOURCE_DIR) / "tests/fuzz/corpus/image_loader";
  for (const char* file : {"fmnist_gray.pgm", "fmnist_gray.png", "fmnist_rgb.bmp", "fmnist_gray.tga"}) {
    CAPTURE(file);
    Expected<std::vector<uint8_t>> bytes = read_file(corpus / file);
    REQUIRE(bytes.has_value());
    CHECK(check_pnm_header(*bytes, file).has_value());
  }
  CHECK(check_pnm_header(std::vector<uint8_t>{}, "empty").has_value());
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

TEST_CASE("stb_image guards: a PNG's empty IDAT chunks are dropped, its image unchanged") {
  const std::filesystem::path png = std::filesystem::path(TINYOPT_SOURCE_DIR) / "tests/fuzz/corpus/image_loader/fmnist_gray.png";
  Expected<std::vector<uint8_t>> bytes = read_file(png);
  REQUIRE(bytes.has_value());
  std::vector<uint8_t> same = *bytes;
  drop_empty_png_idat_chunks(same);
  CHECK(same == *bytes);
  // An empty IDAT (length 0, type, a CRC) right after the 25-byte IHDR chunk that follows the signature.
  std::vector<uint8_t> padded = *bytes;
  const std::vector<uint8_t> empty_idat = {0, 0, 0, 0, 'I', 'D', 'A', 'T', 0x35, 0xAF, 0x06, 0x1E};
  padded.insert(padded.begin() + 8 + 25, empty_idat.begin(), empty_idat.end());
  drop_empty_png_idat_chunks(padded);
  CHECK(padded == *bytes);
  std::vector<uint8_t> not_png = {'P', '5', 0, 0, 0, 0, 'I', 'D', 'A', 'T', 0, 0, 0, 0};
  const std::vector<uint8_t> copy = not_png;
  drop_empty_png_idat_chunks(not_png);
  CHECK(not_png == copy);
}

}  // namespace tinyopt
