// formats/dataset/dataset.cc: the Dataset view (access, labels, shuffle / split / shard), the parts it reads
// from, element conversion, and the in-memory constructors. Opening files is open_dataset.cc's.
#include "formats/dataset/dataset.h"

#include <algorithm>
#include <numeric>

#include "formats/dataset/sample_part.h"
#include "formats/npy/npy_batch.h"
#include "ir/graph.h"
#include "ir/rng.h"

namespace tinyopt {
namespace {

template <class T> void convert_elements(const NpyArray& a, int64_t first, std::span<float> out, double scale, double offset,
                                         bool affine) {
  const std::span<const T> v = a.values<T>().subspan(static_cast<size_t>(first), out.size());
  if (affine)
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(v[i] * scale + offset);
  else
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(v[i]);
}

}  // namespace

// ---- element conversion -----------------------------------------------------------------------------------

Expected<void> ElementConversion::check(DType t, const std::string& file, const std::string& tensor) const {
  if (t == DType::Float32 || t == DType::Float64) return {};
  if (integers == IntegerData::Pixels) {
    if (t == DType::UInt8 || t == DType::Int8) return {};
    return fail(Errc::BadInput, {.file = file, .tensor = tensor},
                "array dtype {} is not usable for the model's float32 input (use float32, float64, uint8 or int8)",
                dtype_name(t));
  }
  if (t == DType::Int8 || t == DType::UInt8 || t == DType::Int16 || t == DType::Int32 || t == DType::Int64) return {};
  return fail(Errc::Unsupported, {.file = file, .tensor = tensor}, "array dtype {} cannot be used as float data",
              dtype_name(t));
}

void ElementConversion::convert(const NpyArray& a, int64_t first, std::span<float> out) const {
  const bool pixels = integers == IntegerData::Pixels;
  const double off = offset.value_or(0.0);
  // Values mode converts integers directly unless asked to scale, so that large int64 values round only once.
  const bool affine = pixels || scale || offset;
  switch (a.dtype) {
    case DType::Float32: {
      const auto v = a.values<float>().subspan(static_cast<size_t>(first), out.size());
      std::copy(v.begin(), v.end(), out.begin());
      return;
    }
    case DType::Float64: convert_elements<double>(a, first, out, 1.0, 0.0, false); return;
    case DType::UInt8: convert_elements<uint8_t>(a, first, out, scale.value_or(pixels ? 1.0 / 255.0 : 1.0), off, affine); return;
    case DType::Int8: convert_elements<int8_t>(a, first, out, scale.value_or(1.0), off, affine); return;
    case DType::Int16: convert_elements<int16_t>(a, first, out, scale.value_or(1.0), off, affine); return;
    case DType::Int32: convert_elements<int32_t>(a, first, out, scale.value_or(1.0), off, affine); return;
    case DType::Int64: convert_elements<int64_t>(a, first, out, scale.value_or(1.0), off, affine); return;
    default: std::fill(out.begin(), out.end(), 0.f); return;  // refused by check() at open
  }
}

// ---- parts and columns ------------------------------------------------------------------------------------

ArrayPart::ArrayPart(DatasetPart info, NpyArray loaded)
    : SamplePart(std::move(info)), array_(std::make_shared<const NpyArray>(std::move(loaded))) {
  std::call_once(once_, [] {});
}

Expected<std::shared_ptr<const NpyArray>> ArrayPart::load() const {
  std::call_once(once_, [this] {
    Expected<NpyArray> a = loader_();
    if (!a) { error_ = a.take_error(); return; }
    if (a->shape != info().array_shape)  // the file changed since it was opened
      error_ = fail(Errc::BadInput, {.file = info().file}, "{}array shape {} is not the {} read when the dataset was opened",
                    info().item.empty() ? "" : info().item + ": ", shape_to_string(a->shape), shape_to_string(info().array_shape));
    else
      array_ = std::make_shared<const NpyArray>(std::move(*a));
  });
  if (error_) return *error_;
  return array_;
}

void InputColumn::add(std::shared_ptr<const SamplePart> part) {
  if (starts.empty()) starts.push_back(0);
  starts.push_back(starts.back() + part->info().samples);
  parts.push_back(std::move(part));
}

std::pair<const SamplePart*, int64_t> InputColumn::locate(int64_t s) const {
  const auto it = std::upper_bound(starts.begin(), starts.end(), s);
  const size_t p = static_cast<size_t>(it - starts.begin()) - 1;
  return {parts[p].get(), s - starts[p]};
}

Expected<Dataset> make_dataset(std::shared_ptr<Dataset::Storage> storage, size_t max_samples) {
  const int64_t n = storage->inputs.empty() ? 0 : storage->inputs[0].samples();
  for (size_t k = 1; k < storage->inputs.size(); ++k)
    if (storage->inputs[k].samples() != n)
      return fail(Errc::BadInput, {.file = storage->inputs[k].parts.empty() ? "" : storage->inputs[k].parts[0]->info().file},
                  "holds {} samples but input 0 ({}) holds {}", storage->inputs[k].samples(), storage->source, n);
  std::vector<int64_t> order(static_cast<size_t>(max_samples ? std::min<int64_t>(n, static_cast<int64_t>(max_samples)) : n));
  std::iota(order.begin(), order.end(), int64_t{0});
  return Dataset(std::move(storage), std::move(order));
}

// ---- the view -----------------------------------------------------------------------------------------------

size_t Dataset::num_inputs() const { return storage_ ? storage_->inputs.size() : 0; }
const Shape& Dataset::sample_shape(size_t input) const { return storage_->inputs.at(input).sample_shape; }
int64_t Dataset::sample_elements(size_t input) const { return storage_->inputs.at(input).sample_elements; }
const std::string& Dataset::source() const {
  static const std::string kNone = "an empty dataset";
  return storage_ ? storage_->source : kNone;
}

std::vector<DatasetPart> Dataset::parts(size_t input) const {
  std::vector<DatasetPart> out;
  for (const auto& p : storage_->inputs.at(input).parts) out.push_back(p->info());
  return out;
}

SampleOrigin Dataset::origin(size_t i, size_t input) const {
  const auto [part, index] = storage_->inputs.at(input).locate(order_.at(i));
  return {part->info().file, part->info().item, index};
}

Expected<void> Dataset::read(size_t i, std::span<float> out, size_t input) const {
  const InputColumn& col = storage_->inputs.at(input);
  const auto [part, index] = col.locate(order_.at(i));
  if (out.size() != static_cast<size_t>(col.sample_elements))
    return fail(Errc::Internal, {.file = part->info().file}, "sample {} read into {} floats, not {}", index, out.size(),
                col.sample_elements);
  Expected<std::shared_ptr<const NpyArray>> a = part->load();
  if (!a) return a.take_error();
  storage_->conversion.convert(**a, index * col.sample_elements, out);
  return {};
}

Expected<std::vector<float>> Dataset::sample(size_t i, size_t input) const {
  std::vector<float> v(static_cast<size_t>(sample_elements(input)));
  if (Expected<void> ok = read(i, v, input); !ok) return ok.take_error();
  return v;
}

Expected<std::vector<uint8_t>> Dataset::sample_for_tensor(size_t i, size_t input, const Tensor& t) const {
  const InputColumn& col = storage_->inputs.at(input);
  const auto [part, index] = col.locate(order_.at(i));
  if (storage_->typed) {
    Expected<std::shared_ptr<const NpyArray>> a = part->load();
    if (!a) return a.take_error();
    return tinyopt::sample_for_tensor(**a, index, part->info().file, t);
  }
  NpyArray one{DType::Float32, {static_cast<int32_t>(col.sample_elements)}, {}};
  one.data.resize(static_cast<size_t>(col.sample_elements) * sizeof(float));
  if (Expected<void> ok = read(i, one.mutable_values<float>(), input); !ok) return ok.take_error();
  return tinyopt::sample_for_tensor(one, 0, part->info().file, t);
}

bool Dataset::has_labels() const { return storage_ && !storage_->labels.empty(); }
int32_t Dataset::label(size_t i) const { return storage_->labels.at(static_cast<size_t>(order_.at(i))); }
bool Dataset::has_targets() const { return storage_ && !storage_->targets.empty(); }
int64_t Dataset::target_elements() const { return storage_ ? storage_->target_elements : 0; }
std::span<const float> Dataset::target(size_t i) const {
  const auto n = static_cast<size_t>(storage_->target_elements);
  return std::span<const float>(storage_->targets).subspan(static_cast<size_t>(order_.at(i)) * n, n);
}
const std::vector<std::string>& Dataset::class_names() const {
  static const std::vector<std::string> kNone;
  return storage_ ? storage_->class_names : kNone;
}

Dataset Dataset::shuffled(uint64_t seed) const {
  std::vector<int64_t> order = order_;
  Rng(seed).shuffle(std::span<int64_t>(order));
  return Dataset(storage_, std::move(order));
}

Dataset Dataset::slice(size_t begin, size_t n) const {
  begin = std::min(begin, size());
  n = std::min(n, size() - begin);
  const auto first = order_.begin() + static_cast<std::ptrdiff_t>(begin);
  return Dataset(storage_, std::vector<int64_t>(first, first + static_cast<std::ptrdiff_t>(n)));
}

Dataset Dataset::first(size_t n) const { return slice(0, n); }

std::pair<Dataset, Dataset> Dataset::split(double fraction) const {
  const double f = std::clamp(fraction, 0.0, 1.0);
  const auto cut = static_cast<size_t>(static_cast<double>(size()) * f);
  return {slice(0, cut), slice(cut, size() - cut)};
}

Dataset Dataset::shard(size_t index, size_t count) const {
  if (count == 0 || index >= count) return slice(0, 0);
  const size_t begin = size() * index / count, end = size() * (index + 1) / count;
  return slice(begin, end - begin);
}

// ---- in memory ------------------------------------------------------------------------------------------------

namespace {

std::shared_ptr<Dataset::Storage> memory_storage(Shape sample_shape, std::vector<float> values, std::string source) {
  auto storage = std::make_shared<Dataset::Storage>();
  storage->source = std::move(source);
  const int64_t per = num_elements(sample_shape);
  const int64_t n = per > 0 ? static_cast<int64_t>(values.size()) / per : 0;
  InputColumn col;
  col.sample_shape = std::move(sample_shape);
  col.sample_elements = per;
  NpyArray a{DType::Float32, {static_cast<int32_t>(values.size())}, {}};
  a.data.assign(reinterpret_cast<const uint8_t*>(values.data()), reinterpret_cast<const uint8_t*>(values.data() + values.size()));
  col.add(std::make_shared<ArrayPart>(DatasetPart{storage->source, "", a.shape, n}, std::move(a)));
  storage->inputs.push_back(std::move(col));
  return storage;
}

}  // namespace

Dataset Dataset::from_floats(Shape sample_shape, std::vector<float> values, std::vector<int32_t> labels, std::string source) {
  auto storage = memory_storage(std::move(sample_shape), std::move(values), std::move(source));
  storage->labels = std::move(labels);
  Expected<Dataset> d = make_dataset(std::move(storage), 0);
  return std::move(*d);
}

Dataset Dataset::from_floats_with_targets(Shape sample_shape, std::vector<float> values, std::vector<float> targets,
                                          int64_t target_elements, std::string source) {
  auto storage = memory_storage(std::move(sample_shape), std::move(values), std::move(source));
  storage->targets = std::move(targets);
  storage->target_elements = target_elements;
  Expected<Dataset> d = make_dataset(std::move(storage), 0);
  return std::move(*d);
}

Dataset Dataset::from_arrays(std::vector<NpyArray> arrays, std::vector<std::string> files, std::vector<Shape> sample_shapes,
                             int64_t samples) {
  auto storage = std::make_shared<Storage>();
  storage->typed = true;
  storage->source = files.empty() ? "memory" : files[0];
  for (size_t k = 0; k < arrays.size(); ++k) {
    InputColumn col;
    col.sample_shape = sample_shapes.at(k);
    col.sample_elements = num_elements(col.sample_shape);
    DatasetPart info{files.at(k), "", arrays[k].shape, samples};
    col.add(std::make_shared<ArrayPart>(std::move(info), std::move(arrays[k])));
    storage->inputs.push_back(std::move(col));
  }
  Expected<Dataset> d = make_dataset(std::move(storage), 0);
  return std::move(*d);
}

std::vector<InputSpec> input_specs(const Graph& model) {
  std::vector<InputSpec> specs;
  for (TensorId id : model.inputs) specs.push_back({model.tensor(id).name, model.tensor(id).shape});
  return specs;
}

}  // namespace tinyopt
