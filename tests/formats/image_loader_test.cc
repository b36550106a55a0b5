// tests/formats/image_loader_test.cc: load_image on real images and on the image fuzzer's stb_image findings,
// which must be one-line errors naming the file.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <stb/stb_image.h>  // the declarations only: the implementation is in formats/dataset/image.cc

#include "formats/dataset/image.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {


}  // namespace

TEST_CASE("image loader: a Fashion-MNIST crop decodes and resizes to values in [0, 1]") {
  for (const char* file : {"fmnist_gray.png", "fmnist_rgb.png", "fmnist_rgb.bmp", "fmnist_gray.jpg", "fmnist_gray.pgm"}) {
    CAPTURE(file);
    Expected<std::vector<float>> img = load_image(test::fuzz_input("image_loader", "corpus", file), 7, 5, 3, 1.0 / 255.0, 0.0);
    REQUIRE_MESSAGE(img.has_value(), (img ? "" : img.error().to_string()));
    CHECK(img->size() == 7 * 5 * 3);
    for (float v : *img) CHECK((v >= 0.0f && v <= 1.0f));
  }
}

TEST_CASE("image loader: its channel conversion gives what stb_image's own conversion gives") {
  // At the image's own size the resize is the identity, so load_image returns the converted pixels as they are.
  // (JPEG files go to libjpeg: tests/formats/jpeg_decoder_test.cc.)
  for (const char* file : {"fmnist_gray.png", "fmnist_rgb.png", "fmnist_rgb.bmp", "fmnist_gray.tga"})
    for (int channels : {1, 3}) {
      CAPTURE(file);
      CAPTURE(channels);
      const std::string path = test::fuzz_input("image_loader", "corpus", file).string();
      int w = 0, h = 0, n = 0;
      unsigned char* expected = stbi_load(path.c_str(), &w, &h, &n, channels);
      REQUIRE(expected);
      Expected<std::vector<float>> img = load_image(path, h, w, channels, 1.0, 0.0);
      REQUIRE(img.has_value());
      REQUIRE(img->size() == static_cast<size_t>(w * h * channels));
      size_t differ = 0;
      for (size_t i = 0; i < img->size(); ++i) differ += (*img)[i] != static_cast<float>(expected[i]);
      stbi_image_free(expected);
      CHECK(differ == 0);
    }
}

TEST_CASE("image loader: the fuzzer's findings are errors naming the file") {
  const std::filesystem::path pnm = test::fuzz_input("image_loader", "regressions", "pnm_without_dimensions.pgm");
  Expected<std::vector<float>> empty = load_image(pnm, 7, 5, 1, 1.0, 0.0);
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().to_string() == pnm.string() + ": cannot decode image: it has no pixels (0x0)");
  const std::filesystem::path gif = test::fuzz_input("image_loader", "regressions", "gif_claiming_15851x32769.gif");
  Expected<std::vector<float>> huge = load_image(gif, 7, 5, 1, 1.0, 0.0);
  REQUIRE_FALSE(huge.has_value());
  CHECK(huge.error().to_string() == gif.string() + ": image of 15851x32769 pixels is over the 33554432 pixels read");
  const std::filesystem::path wide = test::fuzz_input("image_loader", "regressions", "pnm_width_overflows_int.pgm");
  Expected<std::vector<float>> overflow = load_image(wide, 7, 5, 1, 1.0, 0.0);
  REQUIRE_FALSE(overflow.has_value());
  CHECK(overflow.error().to_string() == wide.string() + ": corrupt PNM header: a number does not fit in 32 bits");
  const std::filesystem::path tga = test::fuzz_input("image_loader", "regressions", "tga_rle_4112x4112_from_328_bytes.tga");
  Expected<std::vector<float>> slow = load_image(tga, 7, 5, 1, 1.0, 0.0);
  REQUIRE_FALSE(slow.has_value());
  CHECK(slow.error().to_string() == tga.string() + ": image of 4112x4112 pixels cannot be held by a 328-byte file");
  // A BMP whose negative (top-down) height once passed both size checks: 232 M pixels decoded from 205 bytes.
  const std::filesystem::path bmp = test::fuzz_input("image_loader", "regressions", "bmp_top_down_14x16580625_from_205_bytes.bmp");
  Expected<std::vector<float>> tall = load_image(bmp, 7, 5, 1, 1.0, 0.0);
  REQUIRE_FALSE(tall.has_value());
  CHECK(tall.error().to_string() == bmp.string() + ": image of 14x16580625 pixels is over the 33554432 pixels read");
  // A PNG whose first IDAT chunk is empty: decoded as if it were not there, without UB in stb_image.
  const std::filesystem::path idat = test::fuzz_input("image_loader", "regressions", "png_empty_idat_chunk_null_memcpy.png");
  Expected<std::vector<float>> png = load_image(idat, 7, 5, 1, 1.0, 0.0);
  if (!png) CHECK(png.error().code == Errc::BadInput);
  // The JPEG findings: tests/formats/jpeg_decoder_test.cc.
}

TEST_CASE("image loader: a 16-bit gray PGM for an RGB input (once a read past stb_image's buffer)") {
  // 2x1 pixels. stb_image 2.27 keeps one byte of each 16-bit value (of the little-endian reading, where PNM is
  // big-endian: its choice, not checked here); the loader copies that gray value to R, G and B.
  const std::filesystem::path file = std::filesystem::temp_directory_path() / "tinyopt_image_loader_16bit.pgm";
  std::ofstream(file, std::ios::binary) << "P5\n2 1\n65535\n" << std::string("\x12\x34\xff\x00", 4);
  int w = 0, h = 0, n = 0;
  unsigned char* gray = stbi_load(file.c_str(), &w, &h, &n, 0);
  REQUIRE(gray);
  const std::vector<float> expected = {float(gray[0]), float(gray[0]), float(gray[0]),
                                       float(gray[1]), float(gray[1]), float(gray[1])};
  stbi_image_free(gray);
  Expected<std::vector<float>> img = load_image(file, 1, 2, 3, 1.0, 0.0);
  std::filesystem::remove(file);
  REQUIRE_MESSAGE(img.has_value(), (img ? "" : img.error().to_string()));
  CHECK(*img == expected);
}

}  // namespace tinyopt

namespace tinyopt {

// A 2x2 24-bit BMP stored top-down (negative height, rows first to last): white black / black white.
TEST_CASE("image loader: a top-down BMP (negative height) decodes with its first row on top") {
  std::vector<uint8_t> bmp(54 + 2 * 8, 0);
  const auto put32 = [&](size_t at, int32_t v) { for (int b = 0; b < 4; ++b) bmp[at + b] = static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * b)); };
  bmp[0] = 'B', bmp[1] = 'M';
  put32(2, static_cast<int32_t>(bmp.size())), put32(10, 54), put32(14, 40), put32(18, 2), put32(22, -2);
  bmp[26] = 1, bmp[28] = 24;
  for (size_t at : {size_t{54}, size_t{54 + 8 + 3}}) std::fill_n(bmp.begin() + static_cast<long>(at), 3, uint8_t{255});
  const std::filesystem::path file = "image_loader_test_top_down.bmp";
  std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(bmp.data()), static_cast<std::streamsize>(bmp.size()));
  Expected<ImageInfo> info = read_image_info(file);
  REQUIRE(info.has_value());
  CHECK(info->height == 2);
  Expected<std::vector<float>> pixels = load_image(file, 2, 2, 1, 1.0, 0.0);
  REQUIRE(pixels.has_value());
  CHECK(*pixels == std::vector<float>{255.0f, 0.0f, 0.0f, 255.0f});
  std::filesystem::remove(file);
}

}  // namespace tinyopt
