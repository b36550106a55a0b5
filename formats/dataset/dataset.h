// formats/dataset/dataset.h: one dataset type for every consumer (calibration, training, evaluation, `run`):
// samples of one or more inputs, optional labels, deterministic shuffle / split / shard views.
//
// Sources (open_dataset):
//   - a .npy array whose first axis is the samples;
//   - a .npz archive (np.savez / np.savez_compressed): inputs under key "x", labels under "y" when present;
//   - a folder of .npy files (sorted by name), each one or more samples;
//   - a folder of images, or one image (JPEG through libjpeg-turbo; PNG, BMP, PGM/PPM, GIF, TGA through
//     stb_image), converted to the input's channel count and resized bilinearly to its height x width; a folder
//     holding no images but sub-folders of images is labelled by sub-folder: classes are the sub-folder names
//     in sorted order;
//   - an IDX file, optionally gzip-compressed, with an IDX labels file given as `labels`
//     (open_fashion_mnist for the Debian dataset-fashion-mnist files).
// Samples are read lazily: opening reads headers only (shapes, dtypes, counts, image sizes), checking sizes
// against the files, so that a bad file fails at open; an array file's data is read the first time one of its
// samples is and then kept; images are decoded each time they are read. Labels are read at open.
//
// Values: float arrays are used as they are (float64 rounded to float32); integer arrays per `IntegerData`.
// Pixel sources (uint8 arrays, images, IDX) default to scale 1/255, offset 0: pixels in [0, 1].
// Errors name the file and the item (an archive member, a sample), never a command-line flag: a CLI adds its flag.
//
// Views (shuffled, first, split, shard) share the storage and only reorder or select sample indices; they are
// pure functions of the seed and the sizes, so every run and every thread count sees the same samples.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "formats/npy/npy.h"
#include "ir/diagnostic.h"
#include "ir/shape.h"
#include "ir/tensor.h"

namespace tinyopt {

class Graph;
class SamplePart;  // formats/dataset/sample_part.h

// What a model input expects of its samples; arrays are conformed to it and images resized to it.
struct InputSpec {
  std::string tensor{};  // the input's name, for messages
  Shape shape{};         // the model input's shape, usually with a leading batch of 1: [1, 28, 28, 1]
};

// How integer arrays become floats.
enum class IntegerData {
  Pixels,  // uint8: value * scale + offset, scale 1/255 by default; int8: value * scale + offset, scale 1; wider
           // integer types are refused (they are rarely pixels, and usually a mistake)
  Values,  // every integer type converted as it is (value * scale + offset when scale or offset is given)
};

struct DatasetOptions {
  std::vector<InputSpec> inputs{};  // one per input source; empty: each sample's shape comes from the data
  std::optional<double> scale{};    // integer data: value * scale + offset
  std::optional<double> offset{};   // default 0
  IntegerData integers = IntegerData::Pixels;
  size_t max_samples = 0;         // keep only the first N samples (0: all); later files of a folder are not opened
  int num_classes = 0;            // labels must lie in [0, num_classes) (0: any label >= 0)
};

// Where one sample comes from, for messages.
struct SampleOrigin {
  std::string file;   // the file holding it
  std::string item;   // "member 'x.npy'" for an archive, empty otherwise
  int64_t index = 0;  // the sample's index within that file or member
};

// One file (or archive member, image, in-memory array) of an input and the samples it holds.
struct DatasetPart {
  std::string file, item;
  Shape array_shape;  // as stored (an image's [height, width, channels] as decoded)
  int64_t samples = 0;
};

class Dataset {
 public:
  Dataset() = default;

  size_t size() const { return order_.size(); }
  bool empty() const { return order_.empty(); }
  size_t num_inputs() const;
  // One sample's shape: the InputSpec's shape when one was given, else the data's without the sample axis.
  const Shape& sample_shape(size_t input = 0) const;
  int64_t sample_elements(size_t input = 0) const;
  // Where the samples came from ("x.npy", "a folder", "memory"), for messages.
  const std::string& source() const;
  std::vector<DatasetPart> parts(size_t input = 0) const;

  // Sample i of `input` as floats (sample_elements values). Thread-safe. Errors name the file and the sample.
  Expected<void> read(size_t i, std::span<float> out, size_t input = 0) const;
  Expected<std::vector<float>> sample(size_t i, size_t input = 0) const;
  // Sample i of `input` as tensor `t` takes it (t.byte_size() bytes), by formats/npy/npy_batch.h's
  // sample_for_tensor: float data quantized for int8/int16 tensors, an array's own dtype copied unchanged.
  // Datasets from open_dataset hold float samples; from_arrays keeps each array's stored dtype.
  Expected<std::vector<uint8_t>> sample_for_tensor(size_t i, size_t input, const Tensor& t) const;
  SampleOrigin origin(size_t i, size_t input = 0) const;

  // Labels: a class per sample, or float targets (regression), or neither.
  bool has_labels() const;
  int32_t label(size_t i) const;
  bool has_targets() const;
  int64_t target_elements() const;
  std::span<const float> target(size_t i) const;
  // The class names of an image folder labelled by sub-folder (empty otherwise).
  const std::vector<std::string>& class_names() const;

  // Views. `shuffled`: a Fisher-Yates permutation driven by ir/rng.h from a 64-bit seed (the same everywhere).
  // `first`: the first n samples. `split`: the first floor(fraction * size) samples, and the rest.
  // `shard`: the index-th of `count` contiguous parts of (almost) equal size. `slice`: samples [begin, begin + n).
  Dataset shuffled(uint64_t seed) const;
  Dataset first(size_t n) const;
  Dataset slice(size_t begin, size_t n) const;
  std::pair<Dataset, Dataset> split(double fraction) const;
  Dataset shard(size_t index, size_t count) const;

  // An in-memory dataset of float samples (values holds n * num_elements(sample_shape)), with optional labels
  // (n entries) or targets (n * target_elements).
  static Dataset from_floats(Shape sample_shape, std::vector<float> values, std::vector<int32_t> labels = {},
                             std::string source = "memory");
  static Dataset from_floats_with_targets(Shape sample_shape, std::vector<float> values, std::vector<float> targets,
                                          int64_t target_elements, std::string source = "memory");
  // One array per input, each holding `samples[k]` samples of `sample_shapes[k]` in its stored dtype (what
  // `tinyopt run` reads: the caller has counted them with npy_batch.h's count_samples).
  static Dataset from_arrays(std::vector<NpyArray> arrays, std::vector<std::string> files, std::vector<Shape> sample_shapes,
                             int64_t samples);

  struct Storage;  // formats/dataset/sample_part.h

 private:
  Dataset(std::shared_ptr<const Storage> storage, std::vector<int64_t> order)
      : storage_(std::move(storage)), order_(std::move(order)) {}
  friend Expected<Dataset> make_dataset(std::shared_ptr<Storage> storage, size_t max_samples);
  std::shared_ptr<const Storage> storage_;
  std::vector<int64_t> order_;  // view index -> sample index in the storage
};

// Opens `path` (see the header comment for the kinds), with labels from the source itself (npz "y", class
// sub-folders) when it has them.
Expected<Dataset> open_dataset(const std::filesystem::path& path, const DatasetOptions& options = {});
// One source per model input (equal sample counts), and an optional labels file: .npy (an integer vector is one
// class per sample, anything else float targets with the same first axis) or IDX (unsigned bytes, one class
// per sample).
Expected<Dataset> open_dataset(const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& labels,
                               const DatasetOptions& options = {});

// Fashion-MNIST from `dir`: split "train" (60,000 images) or "t10k" (10,000); images [28, 28, 1] in [0, 1]
// (pixel / 255), labels 0..9.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
Expected<Dataset> open_fashion_mnist(const std::filesystem::path& dir, const std::string& split);

// The InputSpec of every input of `model` (name and shape).
std::vector<InputSpec> input_specs(const Graph& model);

}  // namespace tinyopt
