// calibration/dataset.cc: finding, reading and checking calibration samples (see dataset.h).
#include "calibration/dataset.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "formats/idx.h"
#include "formats/npy/npy.h"

namespace tinyopt {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kImageExtensions = {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".gif", ".tga"};

std::string lower_extension(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

bool is_idx(const fs::path& p) {
  std::string name = p.filename().string();
  return name.find("-ubyte") != std::string::npos || lower_extension(p) == ".idx" ||
         (lower_extension(p) == ".gz" && name.find("idx") != std::string::npos);
}

struct Loader {
  const Shape& input_shape;
  const std::string& tensor;
  const CalibrationDataOptions& opt;
  CalibrationSet set;
  int64_t per_sample = 0;

  bool full() const { return opt.max_samples && set.samples.size() >= opt.max_samples; }

  Expected<void> check_finite(const fs::path& file, size_t first_sample) {
    for (size_t s = first_sample; s < set.samples.size(); ++s)
      for (float v : set.samples[s])
        if (!std::isfinite(v))
          return fail(Errc::BadInput, {.file = file.string(), .tensor = tensor},
                      "calibration sample {} contains {} (NaN/Inf cannot be calibrated)", s - first_sample, v);
    return {};
  }

  // Splits `values` (already float) of array shape `shape` into samples.
  Expected<void> add_array(const fs::path& file, const Shape& shape, const std::vector<float>& values) {
    // Accepted: [N, ...input without its batch 1], [N, ...input], or exactly one sample's shape.
    Shape inner(input_shape.begin() + (input_shape.size() > 1 && input_shape[0] == 1 ? 1 : 0), input_shape.end());
    int64_t n = 0;
    auto tail_equals = [&](const Shape& t) {
      return shape.size() == t.size() + 1 && std::equal(t.begin(), t.end(), shape.begin() + 1);
    };
    if (shape == input_shape || shape == inner) n = 1;
    else if (tail_equals(inner) || tail_equals(input_shape)) {
      n = shape[0];
      if (n == 0)
        return fail(Errc::BadInput, {.file = file.string(), .tensor = tensor}, "the calibration set is empty (array shape {})",
                    shape_to_string(shape));
    }
    else if (!shape.empty() && shape.size() >= 2 && num_elements(Shape(shape.begin() + 1, shape.end())) == per_sample &&
             shape.size() - 1 == inner.size())
      n = -1;  // same element count, different layout: reported below
    if (n <= 0)
      return fail(Errc::BadInput, {.file = file.string(), .tensor = tensor},
                  "array shape {} does not match the model's input {} (expected [N,{}] with N samples)",
                  shape_to_string(shape), shape_to_string(input_shape),
                  shape_to_string(inner).substr(1, shape_to_string(inner).size() - 2));
    size_t first = set.samples.size();
    for (int64_t s = 0; s < n && !full(); ++s)
      set.samples.emplace_back(values.begin() + s * per_sample, values.begin() + (s + 1) * per_sample);
    return check_finite(file, first);
  }

  Expected<void> add_npy(const fs::path& file) {
    Expected<NpyArray> a = read_npy(file);
    if (!a) return a.take_error();
    std::vector<float> v(static_cast<size_t>(a->num_elements()));
    double scale = opt.scale.value_or(1.0), offset = opt.offset.value_or(0.0);
    switch (a->dtype) {
      case DType::Float32: { auto x = a->values<float>(); v.assign(x.begin(), x.end()); break; }
      case DType::Float64: { auto x = a->values<double>(); for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(x[i]); break; }
      case DType::UInt8: {
        scale = opt.scale.value_or(1.0 / 255.0);
        auto x = a->values<uint8_t>();
        for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(x[i] * scale + offset);
        break;
      }
      case DType::Int8: {
        auto x = a->values<int8_t>();
        for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(x[i] * scale + offset);
        break;
      }
      default:
        return fail(Errc::BadInput, {.file = file.string(), .tensor = tensor},
                    "array dtype {} is not usable for the model's float32 input (use float32, float64, uint8 or int8)",
                    dtype_name(a->dtype));
    }
    return add_array(file, a->shape, v);
  }

  Expected<void> add_idx(const fs::path& file) {
    Expected<IdxArray> a = read_idx(file);
    if (!a) return a.take_error();
    double scale = opt.scale.value_or(1.0 / 255.0), offset = opt.offset.value_or(0.0);
    size_t n = a->data.size();
    if (opt.max_samples && !a->shape.empty() && a->shape[0] > 0)
      n = std::min(n, static_cast<size_t>(opt.max_samples - set.samples.size()) * (n / static_cast<size_t>(a->shape[0])));
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(a->data[i] * scale + offset);
    Shape shape = a->shape;
    if (!shape.empty() && shape.size() >= 1 && shape[0] > 0) {
      int64_t per = num_elements(shape) / shape[0];
      if (per > 0) shape[0] = static_cast<int32_t>(static_cast<int64_t>(n) / per);
    }
    // IDX images are [N, H, W]; a model input [1, H, W, 1] takes them as [N, H, W, 1].
    if (shape.size() + 1 == input_shape.size() && input_shape.back() == 1) shape.push_back(1);
    return add_array(file, shape, v);
  }

  Expected<void> add_image(const fs::path& file) {
    if (input_shape.size() != 4)
      return fail(Errc::BadInput, {.file = file.string(), .tensor = tensor},
                  "images need an NHWC model input, but the input is {}", shape_to_string(input_shape));
    Expected<std::vector<float>> img = load_image(file, input_shape[1], input_shape[2], input_shape[3],
                                                  opt.scale.value_or(1.0 / 255.0), opt.offset.value_or(0.0));
    if (!img) return img.take_error();
    set.samples.push_back(std::move(*img));
    return {};
  }
};

}  // namespace

Expected<CalibrationSet> load_calibration_data(const fs::path& path, const Shape& input_shape, const std::string& tensor,
                                               const CalibrationDataOptions& options) {
  Loader l{input_shape, tensor, options, {}, 0};
  l.set.sample_shape = input_shape;
  l.set.source = path.string();
  std::optional<int64_t> per = checked_num_elements(input_shape);
  if (!per || *per <= 0) return fail(Errc::BadInput, {.tensor = tensor}, "model input has no elements: {}", shape_to_string(input_shape));
  l.per_sample = *per;
  std::error_code ec;
  if (!fs::exists(path, ec)) return fail(Errc::BadInput, {.file = path.string(), .option = "--calib"}, "no such file or folder");
  Expected<void> ok;
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> npys, images;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (!e.is_regular_file()) continue;
      std::string ext = lower_extension(e.path());
      if (ext == ".npy") npys.push_back(e.path());
      else if (kImageExtensions.count(ext)) images.push_back(e.path());
    }
    std::sort(npys.begin(), npys.end());
    std::sort(images.begin(), images.end());
    for (const fs::path& f : npys) { if (l.full()) break; ok = l.add_npy(f); if (!ok) return ok.take_error(); }
    if (npys.empty())
      for (const fs::path& f : images) { if (l.full()) break; ok = l.add_image(f); if (!ok) return ok.take_error(); }
  } else if (lower_extension(path) == ".npy") {
    ok = l.add_npy(path);
  } else if (kImageExtensions.count(lower_extension(path))) {
    ok = l.add_image(path);
  } else if (is_idx(path)) {
    ok = l.add_idx(path);
  } else {
    return fail(Errc::BadInput, {.file = path.string(), .option = "--calib"},
                "unknown calibration data format (expected .npy, a folder of .npy or images, an image, or an IDX file)");
  }
  if (!ok) return ok.take_error();
  if (l.set.samples.empty())
    return fail(Errc::BadInput, {.file = path.string(), .option = "--calib"}, "the calibration set is empty");
  return std::move(l.set);
}

Expected<CalibrationSet> load_calibration_data(const fs::path& path, const Graph& model, const CalibrationDataOptions& options) {
  if (model.inputs.size() != 1)
    return fail(Errc::Unsupported, {.file = model.source}, "calibration data supports models with one input; this one has {}",
                model.inputs.size());
  const Tensor& in = model.tensor(model.inputs[0]);
  if (in.dtype != DType::Float32)
    return fail(Errc::BadInput, {.file = model.source, .tensor = in.name}, "the model input is {}, not float32: is the model already quantized?",
                dtype_name(in.dtype));
  return load_calibration_data(path, in.shape, in.name, options);
}

}  // namespace tinyopt
