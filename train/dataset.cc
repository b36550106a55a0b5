// train/dataset.cc: loading datasets from IDX and .npy files.
#include "train/dataset.h"

#include "formats/idx.h"
#include "formats/npy/npy.h"

namespace tinyopt {
namespace {

// Converts any numeric npy array to float32 values.
Expected<std::vector<float>> to_floats(const NpyArray& a, const std::string& file) {
  std::vector<float> out(static_cast<size_t>(a.num_elements()));
  auto convert = [&](auto tag) {
    using T = decltype(tag);
    auto v = a.values<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(v[i]);
  };
  switch (a.dtype) {
    case DType::Float32: convert(float{}); break;
    case DType::Float64: convert(double{}); break;
    case DType::Int8: convert(int8_t{}); break;
    case DType::UInt8: convert(uint8_t{}); break;
    case DType::Int16: convert(int16_t{}); break;
    case DType::Int32: convert(int32_t{}); break;
    case DType::Int64: convert(int64_t{}); break;
    default: return fail(Errc::Unsupported, {.file = file}, "dtype {} cannot be used as training data", dtype_name(a.dtype));
  }
  return out;
}

}  // namespace

Expected<Dataset> load_fashion_mnist(const std::filesystem::path& dir, const std::string& split) {
  if (split != "train" && split != "t10k")
    return fail(Errc::BadInput, {.option = "split"}, "Fashion-MNIST split '{}' must be 'train' or 't10k'", split);
  const auto images_path = dir / (split + "-images-idx3-ubyte.gz");
  const auto labels_path = dir / (split + "-labels-idx1-ubyte.gz");
  auto images = read_idx(images_path);
  if (!images) return images.take_error();
  auto labels = read_idx(labels_path);
  if (!labels) return labels.take_error();
  if (images->shape.size() != 3 || labels->shape.size() != 1 || images->shape[0] != labels->shape[0])
    return fail(Errc::BadInput, {.file = images_path.string()}, "images {} and labels {} do not match",
                shape_to_string(images->shape), shape_to_string(labels->shape));
  Dataset d;
  d.sample_shape = {images->shape[1], images->shape[2], 1};
  d.size = images->shape[0];
  d.inputs.resize(images->data.size());
  for (size_t i = 0; i < images->data.size(); ++i) d.inputs[i] = static_cast<float>(images->data[i]) / 255.0f;
  d.labels.reserve(labels->data.size());
  for (uint8_t l : labels->data) {
    if (l > 9) return fail(Errc::BadInput, {.file = labels_path.string()}, "label {} is not a class in 0..9", l);
    d.labels.push_back(l);
  }
  return d;
}

Expected<Dataset> load_npy_dataset(const std::filesystem::path& inputs, const std::filesystem::path& labels) {
  auto x = read_npy(inputs);
  if (!x) return x.take_error();
  if (x->shape.empty())
    return fail(Errc::BadInput, {.file = inputs.string()}, "inputs need a sample axis (got a 0-d array)");
  Dataset d;
  d.size = x->shape[0];
  d.sample_shape.assign(x->shape.begin() + 1, x->shape.end());
  auto xf = to_floats(*x, inputs.string());
  if (!xf) return xf.take_error();
  d.inputs = std::move(*xf);
  if (labels.empty()) return d;
  auto y = read_npy(labels);
  if (!y) return y.take_error();
  if (y->shape.empty() || y->shape[0] != d.size)
    return fail(Errc::BadInput, {.file = labels.string()}, "labels {} do not have one entry per sample of inputs {}",
                shape_to_string(y->shape), shape_to_string(x->shape));
  auto yf = to_floats(*y, labels.string());
  if (!yf) return yf.take_error();
  if (!is_float(y->dtype) && y->dtype != DType::Bool && y->shape.size() == 1) {
    for (float v : *yf) {
      if (v < 0) return fail(Errc::BadInput, {.file = labels.string()}, "label {} is negative", v);
      d.labels.push_back(static_cast<int32_t>(v));
    }
  } else {
    d.targets = std::move(*yf);
    d.target_elements = d.size > 0 ? static_cast<int64_t>(d.targets.size()) / d.size : 0;
  }
  return d;
}

}  // namespace tinyopt
