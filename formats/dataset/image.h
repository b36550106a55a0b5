// formats/dataset/image.h: image files as dataset samples (JPEG through libjpeg-turbo; PNG, BMP, PGM/PPM, GIF, TGA
// through stb_image).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "formats/dataset/sample_part.h"

namespace tinyopt {

struct ImageInfo {
  int width = 0, height = 0, channels = 0;  // as stored in the file
};

// The image's size from its header, without decoding it; refuses images over 1 GiB decoded.
Expected<ImageInfo> read_image_info(const std::filesystem::path& path);

// Decodes one image file into `channels` channels (1 grayscale, 3 RGB), resized to height x width, as floats
// x * scale + offset, row-major HWC.
Expected<std::vector<float>> load_image(const std::filesystem::path& path, int height, int width, int channels,
                                        double scale, double offset);

// A one-sample dataset part that decodes `path` on every load (its header is checked now).
Expected<std::shared_ptr<const SamplePart>> make_image_part(const std::filesystem::path& path, int height, int width,
                                                            int channels, double scale, double offset);

}  // namespace tinyopt
