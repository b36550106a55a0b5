// formats/dataset/sample_part.h: what a Dataset is made of (internal to formats/dataset/).
//
// A SamplePart is one file, archive member, image or in-memory array of one input: it knows how many samples
// it holds and loads its elements on demand. ArrayPart loads once and keeps the array (npy, npz, IDX, memory);
// image parts decode on every load. Dataset::Storage holds the parts of every input, the labels and how integer
// elements become floats; Dataset itself is a view (an order of sample indices) over a shared Storage.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "formats/dataset/dataset.h"

namespace tinyopt {

// How stored elements become floats (DatasetOptions' scale / offset / integers).
struct ElementConversion {
  IntegerData integers = IntegerData::Pixels;
  std::optional<double> scale, offset;

  // Whether arrays of `t` can be converted; the error names `file`, `tensor` and what would work.
  Expected<void> check(DType t, const std::string& file, const std::string& tensor) const;
  // Elements [first, first + out.size()) of `a` as floats.
  void convert(const NpyArray& a, int64_t first, std::span<float> out) const;
};

class SamplePart {
 public:
  SamplePart(DatasetPart info) : info_(std::move(info)) {}
  virtual ~SamplePart() = default;
  const DatasetPart& info() const { return info_; }
  // Every element of the part, row-major, samples first. May read or decode files; thread-safe.
  virtual Expected<std::shared_ptr<const NpyArray>> load() const = 0;

 private:
  DatasetPart info_;
};

// An array loaded by `loader` the first time it is needed, then kept (also a failure: it is reported each time).
class ArrayPart : public SamplePart {
 public:
  using Loader = std::function<Expected<NpyArray>()>;
  ArrayPart(DatasetPart info, Loader loader) : SamplePart(std::move(info)), loader_(std::move(loader)) {}
  ArrayPart(DatasetPart info, NpyArray loaded);
  Expected<std::shared_ptr<const NpyArray>> load() const override;

 private:
  Loader loader_;
  mutable std::once_flag once_;
  mutable std::shared_ptr<const NpyArray> array_;
  mutable std::optional<Error> error_;
};

// One input of a dataset: its parts and where each starts in the input's sample numbering.
struct InputColumn {
  Shape sample_shape;
  int64_t sample_elements = 0;
  std::vector<std::shared_ptr<const SamplePart>> parts;
  std::vector<int64_t> starts;  // starts[p] = first sample of part p; starts.back() = the input's sample count

  int64_t samples() const { return starts.empty() ? 0 : starts.back(); }
  void add(std::shared_ptr<const SamplePart> part);
  // The part holding sample s, and s's index within it.
  std::pair<const SamplePart*, int64_t> locate(int64_t s) const;
};

struct Dataset::Storage {
  std::string source;
  std::vector<InputColumn> inputs;
  ElementConversion conversion;
  bool typed = false;                    // from_arrays: samples keep their stored dtype (no float conversion)
  std::vector<int32_t> labels;           // one per sample, or empty
  std::vector<float> targets;            // target_elements per sample, or empty
  int64_t target_elements = 0;
  std::vector<std::string> class_names;  // image folders labelled by sub-folder
};

// The dataset over every sample of `storage` (checked: equal counts across inputs and labels), cut to the first
// `max_samples` when that is set.
Expected<Dataset> make_dataset(std::shared_ptr<Dataset::Storage> storage, size_t max_samples);

}  // namespace tinyopt
