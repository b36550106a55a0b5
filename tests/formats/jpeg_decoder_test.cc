// tests/formats/jpeg_decoder_test.cc: JPEG through libjpeg-turbo (formats/dataset/jpeg_decoder.h): real pictures
// against their lossless copies, CMYK / YCCK and progressive files written here with libjpeg's compressor, and
// corrupt files (truncated, a bogus Huffman table, a huge frame, the stb_image fuzz finding) as errors naming the
// file.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <vector>

#include <jpeglib.h>

#include "formats/atomic_file.h"
#include "formats/dataset/image.h"
#include "formats/dataset/jpeg_decoder.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

namespace fs = std::filesystem;


fs::path scratch(const char* name) { return fs::temp_directory_path() / (std::string("tinyopt_jpeg_test_") + name); }

struct Encoding {
  J_COLOR_SPACE input = JCS_CMYK;  // what `pixels` hold
  int components = 4;
  J_COLOR_SPACE stored = JCS_CMYK;  // the colour space written in the file
  bool progressive = false;
};

// A width x height JPEG of `pixels` at quality 100 without chroma subsampling, written with libjpeg.
std::vector<uint8_t> encode(const std::vector<uint8_t>& pixels, int width, int height, const Encoding& e) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buffer, &size);
  c.image_width = width;
  c.image_height = height;
  c.input_components = e.components;
  c.in_color_space = e.input;
  jpeg_set_defaults(&c);
  jpeg_set_colorspace(&c, e.stored);
  for (int i = 0; i < c.num_components; ++i) c.comp_info[i].h_samp_factor = c.comp_info[i].v_samp_factor = 1;
  jpeg_set_quality(&c, 100, TRUE);
  if (e.progressive) jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(pixels.data()) + static_cast<size_t>(c.next_scanline) * width * e.components;
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  std::vector<uint8_t> out(buffer, buffer + size);
  jpeg_destroy_compress(&c);
  std::free(buffer);
  return out;
}

// Mean and largest absolute difference of two byte images.
std::pair<double, int> difference(const std::vector<uint8_t>& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double sum = 0;
  int most = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const int d = std::abs(static_cast<int>(a[i]) - static_cast<int>(b[i]));
    sum += d;
    most = std::max(most, d);
  }
  return {sum / static_cast<double>(a.size()), most};
}

}  // namespace

TEST_CASE("jpeg: the Fashion-MNIST JPEGs decode to their lossless copies, within quality-80 loss") {
  // The corpus files are the same 14x14 crops (corpus/README.md): PGM and PNG exact, the JPEGs quality 80 with
  // chroma halved in both directions (stb_image_write's choice), both stored as YCbCr. The luma keeps every
  // pixel; the colour only its 2x2-block means.
  for (const char* jpeg : {"fmnist_gray.jpg", "fmnist_rgb.jpg"}) {
    const fs::path exact = test::fuzz_input("image_loader", "corpus", jpeg == std::string("fmnist_gray.jpg") ? "fmnist_gray.pgm" : "fmnist_rgb.png");
    const fs::path file = test::fuzz_input("image_loader", "corpus", jpeg);
    for (int channels : {1, 3}) {
      CAPTURE(jpeg);
      CAPTURE(channels);
      Expected<JpegPixels> decoded = decode_jpeg(file, channels, 1 << 20);
      REQUIRE_MESSAGE(decoded.has_value(), (decoded ? "" : decoded.error().to_string()));
      CHECK(decoded->width == 14);
      CHECK(decoded->height == 14);
      CHECK(decoded->channels == channels);
      Expected<std::vector<float>> reference = load_image(exact, 14, 14, channels, 1.0, 0.0);
      REQUIRE(reference.has_value());
      // Means of 2x2 blocks, per channel, of both.
      double error = 0;
      for (int by = 0; by < 14; by += 2)
        for (int bx = 0; bx < 14; bx += 2)
          for (int c = 0; c < channels; ++c) {
            double a = 0, b = 0;
            for (int k = 0; k < 4; ++k) {
              const size_t at = (static_cast<size_t>(by + k / 2) * 14 + bx + k % 2) * channels + c;
              a += decoded->bytes[at], b += (*reference)[at];
            }
            error += std::abs(a - b) / 4;
          }
      error /= 7 * 7 * channels;
      const double pixel_error = difference(decoded->bytes, *reference).first;
      // The colour file's chroma loses most: three unrelated pictures in R, G and B make saturated colours, which
      // quality 80 quantizes coarsely (stb_image 2.27's JPEG decoder, before this one, gave the same 29.3 a pixel).
      const bool colour = channels == 3 && jpeg == std::string("fmnist_rgb.jpg");
      CHECK(error < (colour ? 20.0 : 4.0));
      CHECK(pixel_error < (colour ? 35.0 : 8.0));
      // And through the loader, at the image's own size (the resize is then the identity).
      Expected<std::vector<float>> loaded = load_image(file, 14, 14, channels, 1.0, 0.0);
      REQUIRE(loaded.has_value());
      CHECK(difference(decoded->bytes, *loaded).second == 0);
    }
    Expected<ImageInfo> info = read_image_info(file);
    REQUIRE(info.has_value());
    CHECK(info->width == 14);
    CHECK(info->channels == 3);
  }
}

TEST_CASE("jpeg: CMYK and YCCK files are read as Adobe writes them (inverted: R = C*K/255)") {
  constexpr int kWidth = 8, kHeight = 8;
  std::vector<uint8_t> cmyk(kWidth * kHeight * 4);
  for (size_t i = 0; i < cmyk.size(); ++i) cmyk[i] = static_cast<uint8_t>(255 - (i % 4) * 40 - (i / 32) * 8);
  for (J_COLOR_SPACE stored : {JCS_CMYK, JCS_YCCK}) {
    CAPTURE(stored == JCS_CMYK ? "CMYK" : "YCCK");
    const fs::path file = scratch(stored == JCS_CMYK ? "cmyk.jpg" : "ycck.jpg");
    REQUIRE(write_file_atomically(file, encode(cmyk, kWidth, kHeight, {JCS_CMYK, 4, stored, false})));
    Expected<JpegHeader> header = read_jpeg_header(file);
    REQUIRE(header.has_value());
    CHECK(header->components == 4);
    Expected<JpegPixels> rgb = decode_jpeg(file, 3, 1 << 20);
    Expected<JpegPixels> gray = decode_jpeg(file, 1, 1 << 20);
    fs::remove(file);
    REQUIRE(rgb.has_value());
    REQUIRE(gray.has_value());
    int most_rgb = 0, most_gray = 0;
    for (int p = 0; p < kWidth * kHeight; ++p) {
      const uint8_t* in = cmyk.data() + p * 4;
      double expected[3];
      for (int c = 0; c < 3; ++c) expected[c] = in[c] * in[3] / 255.0;
      for (int c = 0; c < 3; ++c)
        most_rgb = std::max(most_rgb, static_cast<int>(std::lround(std::abs(rgb->bytes[p * 3 + c] - expected[c]))));
      const double luma = (expected[0] * 77 + expected[1] * 150 + expected[2] * 29) / 256;
      most_gray = std::max(most_gray, static_cast<int>(std::lround(std::abs(gray->bytes[p] - luma))));
    }
    CHECK(most_rgb <= 3);  // quality 100 without subsampling: a count or two of DCT rounding (more for YCCK)
    CHECK(most_gray <= 3);
  }
}

TEST_CASE("jpeg: a progressive file decodes exactly as its baseline twin") {
  // Progressive coding orders the same quantized coefficients differently: the pixels are the same.
  constexpr int kWidth = 24, kHeight = 16;
  std::vector<uint8_t> rgb(kWidth * kHeight * 3);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<uint8_t>((i * 37) ^ (i / 3));
  const fs::path baseline = scratch("baseline.jpg"), progressive = scratch("progressive.jpg");
  REQUIRE(write_file_atomically(baseline, encode(rgb, kWidth, kHeight, {JCS_RGB, 3, JCS_YCbCr, false})));
  REQUIRE(write_file_atomically(progressive, encode(rgb, kWidth, kHeight, {JCS_RGB, 3, JCS_YCbCr, true})));
  for (int channels : {1, 3}) {
    Expected<JpegPixels> a = decode_jpeg(baseline, channels, 1 << 20), b = decode_jpeg(progressive, channels, 1 << 20);
    REQUIRE(a.has_value());
    REQUIRE_MESSAGE(b.has_value(), (b ? "" : b.error().to_string()));
    CHECK(a->bytes == b->bytes);
  }
  fs::remove(baseline);
  fs::remove(progressive);
}

TEST_CASE("jpeg: corrupt files are one-line errors naming the file") {
  auto error_of = [](const fs::path& file) {
    Expected<std::vector<float>> img = load_image(file, 7, 5, 3, 1.0, 0.0);
    REQUIRE_FALSE(img.has_value());
    CHECK(img.error().code == Errc::BadInput);
    return img.error().to_string();
  };
  // The stb_image fuzz findings: a Huffman table of over 256 codes, corrupt scan data (a UB shift in stb_image).
  const fs::path dht = test::fuzz_input("image_loader", "regressions", "jpeg_dht_over_256_codes.jpg");
  CHECK(error_of(dht) == dht.string() + ": cannot decode JPEG: Bogus Huffman table definition");
  const fs::path shift = test::fuzz_input("image_loader", "regressions", "jpeg_entropy_shift_exponent_32.jpg");
  CHECK(error_of(shift).starts_with(shift.string() + ": cannot decode JPEG: "));

  Expected<std::vector<uint8_t>> good = read_file(test::fuzz_input("image_loader", "corpus", "fmnist_rgb.jpg"));
  REQUIRE(good.has_value());
  // Cut in the middle of its scan: libjpeg would pad with gray and warn; here that is an error.
  const fs::path cut = scratch("cut.jpg");
  REQUIRE(write_file_atomically(cut, std::span<const uint8_t>(good->data(), good->size() - 200)));
  CHECK(error_of(cut) == cut.string() + ": cannot decode JPEG: Premature end of JPEG file");
  // A frame header (SOF0: FF C0, length, precision, height, width) claiming 60000 x 50000 pixels.
  std::vector<uint8_t> huge = *good;
  size_t sof = 2;
  while (sof + 8 < huge.size() && !(huge[sof] == 0xFF && huge[sof + 1] == 0xC0)) ++sof;
  REQUIRE(sof + 8 < huge.size());
  huge[sof + 5] = 60000 >> 8, huge[sof + 6] = 60000 & 0xFF, huge[sof + 7] = 50000 >> 8, huge[sof + 8] = 50000 & 0xFF;
  const fs::path big = scratch("big.jpg");
  REQUIRE(write_file_atomically(big, huge));
  CHECK(error_of(big) == big.string() + ": image of 50000x60000 pixels is over the 33554432 pixels read");
  // Two components: no colour space libjpeg converts to gray or RGB.
  const fs::path two = scratch("two.jpg");
  REQUIRE(write_file_atomically(two, encode(std::vector<uint8_t>(8 * 8 * 2, 100), 8, 8, {JCS_UNKNOWN, 2, JCS_UNKNOWN, false})));
  CHECK(error_of(two) == two.string() +
                             ": cannot decode JPEG: 2 components in no colour space (gray, YCbCr, RGB, CMYK or YCCK)");
  // Not a JPEG past its first two bytes.
  const fs::path soi = scratch("soi.jpg");
  REQUIRE(write_file_atomically(soi, std::vector<uint8_t>{0xFF, 0xD8, 'P', 'N', 'G'}));
  CHECK(error_of(soi).starts_with(soi.string() + ": cannot decode JPEG: "));
  for (const fs::path& f : {cut, big, two, soi}) fs::remove(f);
}

}  // namespace tinyopt
