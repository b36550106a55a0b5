// tests/calibration/image_loader_test.cc: load_image on real images and on the image fuzzer's findings, which
// must be one-line errors naming the file.
#include <doctest/doctest.h>

#include <filesystem>

#include "calibration/dataset.h"

namespace tinyopt {
namespace {

std::filesystem::path fuzz_file(const char* folder, const char* file) {
  return std::filesystem::path(TINYOPT_SOURCE_DIR) / "tests/fuzz" / folder / "image_loader" / file;
}

}  // namespace

TEST_CASE("image loader: a Fashion-MNIST crop decodes and resizes to values in [0, 1]") {
  for (const char* file : {"fmnist_gray.png", "fmnist_rgb.png", "fmnist_rgb.bmp", "fmnist_gray.jpg", "fmnist_gray.pgm"}) {
    CAPTURE(file);
    Expected<std::vector<float>> img = load_image(fuzz_file("corpus", file), 7, 5, 3, 1.0 / 255.0, 0.0);
    REQUIRE_MESSAGE(img.has_value(), (img ? "" : img.error().to_string()));
    CHECK(img->size() == 7 * 5 * 3);
    for (float v : *img) CHECK((v >= 0.0f && v <= 1.0f));
  }
}

TEST_CASE("image loader: the fuzzer's findings are errors naming the file") {
  const std::filesystem::path pnm = fuzz_file("regressions", "pnm_without_dimensions.pgm");
  Expected<std::vector<float>> empty = load_image(pnm, 7, 5, 1, 1.0, 0.0);
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().to_string() == pnm.string() + ": cannot decode image: it has no pixels (0x0)");
  const std::filesystem::path jpeg = fuzz_file("regressions", "jpeg_dht_over_256_codes.jpg");
  Expected<std::vector<float>> dht = load_image(jpeg, 7, 5, 1, 1.0, 0.0);
  REQUIRE_FALSE(dht.has_value());
  CHECK(dht.error().code == Errc::BadInput);
  CHECK(dht.error().to_string().starts_with(jpeg.string() + ": corrupt JPEG: a Huffman table declares "));
}

}  // namespace tinyopt
