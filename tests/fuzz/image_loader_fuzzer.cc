// tests/fuzz/image_loader_fuzzer.cc: image files (JPEG through libjpeg-turbo; PNG, BMP, GIF, TGA, PNM:
// whatever stb_image decodes) through the calibration image loader: decoding, channel conversion and the
// bilinear resize. libjpeg itself is Debian's uninstrumented build: the fuzzer steers by the coverage of our side
// (which decoder, which error path, the conversions) and ASan checks our buffers and libjpeg's leaks. The
// loader reads a path, so each input goes through a scratch file. The input's size picks 1 or 3 channels, so
// both conversions are reached. Every pixel of an accepted image must lie in [0, 1] (scale 1/255, offset 0).
//
// Seeds: small images of Fashion-MNIST test pictures in several formats, committed in
// tests/fuzz/corpus/image_loader/.
#include <cmath>

#include "formats/dataset/image.h"
#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {

int image_loader_fuzzer(std::span<const uint8_t> input) {
  constexpr int kHeight = 7, kWidth = 5;  // small, and neither a divisor nor a multiple of typical image sizes
  const int channels = input.size() % 2 ? 3 : 1;
  Expected<std::vector<float>> pixels =
      load_image(scratch_file("image_loader", input, ".png"), kHeight, kWidth, channels, 1.0 / 255.0, 0.0);
  if (!pixels) return 0;
  if (pixels->size() != static_cast<size_t>(kHeight * kWidth * channels))
    property_failed("image_loader", "the image has " + std::to_string(pixels->size()) + " values");
  for (float v : *pixels)
    if (!(v >= 0.0f && v <= 1.0f + 1e-6f)) property_failed("image_loader", "pixel value " + std::to_string(v));
  return 0;
}

}  // namespace tinyopt::fuzz
