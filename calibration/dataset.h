// calibration/dataset.h: calibration samples for a model's (single) input, loaded from
//   - a .npy array whose first axis is the samples: float32/float64 used as is, uint8 (or int8) normalised
//     as value * scale + offset;
//   - a folder of .npy files (sorted by name), each one or more samples;
//   - a folder of images or one image (PNG, JPEG, BMP, PGM/PPM, GIF, TGA through stb_image): converted to the
//     input's channel count (1 grayscale, 3 RGB), resized bilinearly to its height x width, normalised;
//   - an IDX file, optionally gzip-compressed (the Fashion-MNIST files of /usr/share/datasets/fashion-mnist).
// Pixel sources (uint8 arrays, images, IDX) default to scale 1/255, offset 0: pixels in [0, 1].
// Every sample must hold the input's elements; a mismatch is an error naming the file, both shapes and the tensor.
// NaN or Inf in the data is an error naming the file and the sample.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tinyopt {

struct CalibrationSet {
  Shape sample_shape;                       // the model input's shape, batch 1
  std::vector<std::vector<float>> samples;  // each num_elements(sample_shape) floats
  std::string source;                       // where they came from, for messages

  size_t size() const { return samples.size(); }
};

struct CalibrationDataOptions {
  std::optional<double> scale;   // x * scale + offset for integer data; default 1/255 for pixels, 1 otherwise
  std::optional<double> offset;  // default 0
  size_t max_samples = 0;        // 0: all; otherwise the first N
};

// Loads samples for input 0 of `model` (a model with several inputs is an error).
Expected<CalibrationSet> load_calibration_data(const std::filesystem::path& path, const Graph& model,
                                               const CalibrationDataOptions& options = {});
// The same for an explicit input shape; `tensor` names the input in errors.
Expected<CalibrationSet> load_calibration_data(const std::filesystem::path& path, const Shape& input_shape,
                                               const std::string& tensor, const CalibrationDataOptions& options = {});

// Decodes one image file into `channels` channels, resized to height x width, as floats x * scale + offset.
Expected<std::vector<float>> load_image(const std::filesystem::path& path, int height, int width, int channels,
                                        double scale, double offset);

}  // namespace tinyopt
