// train/dataset.h: in-memory training data: float inputs, one sample per row, with integer labels
// (classification) or float targets (regression / MSE), loaded from .npy files or the Fashion-MNIST IDX files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/shape.h"

namespace tinyopt {

struct Dataset {
  Shape sample_shape;            // one sample, without the batch axis: [28, 28, 1]
  int64_t size = 0;              // number of samples
  std::vector<float> inputs;     // size * sample_elements() values
  std::vector<int32_t> labels;   // class per sample, or empty
  std::vector<float> targets;    // size * target_elements values, or empty
  int64_t target_elements = 0;

  int64_t sample_elements() const { return num_elements(sample_shape); }
  std::span<const float> sample(int64_t i) const {
    const auto n = static_cast<size_t>(sample_elements());
    return {inputs.data() + static_cast<size_t>(i) * n, n};
  }
};

// Fashion-MNIST from `dir` (default: the Debian package's /usr/share/datasets/fashion-mnist); `split` is "train"
// (60,000 images) or "t10k" (10,000). Images become [28, 28, 1] floats in [0, 1] (pixel / 255).
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
Expected<Dataset> load_fashion_mnist(const std::filesystem::path& dir, const std::string& split);

// Inputs from a .npy array whose first axis is the sample axis (any numeric dtype, converted to float32), with
// optional labels: an integer array of one class per sample, or a float array of targets with the same first
// axis. Errors name the file and both shapes when the sample counts disagree.
Expected<Dataset> load_npy_dataset(const std::filesystem::path& inputs, const std::filesystem::path& labels = {});

}  // namespace tinyopt
