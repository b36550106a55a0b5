// calibration/calibration_data.cc: opening and checking calibration sets (calibration_data.h).
#include "calibration/calibration_data.h"

#include <cmath>

namespace tinyopt {

Expected<void> check_calibration_data(const Dataset& data, const std::string& tensor) {
  if (data.empty()) {
    const std::vector<DatasetPart> parts = data.num_inputs() ? data.parts() : std::vector<DatasetPart>{};
    if (parts.size() == 1 && !parts[0].array_shape.empty())
      return fail(Errc::BadInput, {.file = parts[0].file, .tensor = tensor}, "the calibration set is empty (array shape {})",
                  shape_to_string(parts[0].array_shape));
    return fail(Errc::BadInput, {.file = data.source()}, "the calibration set is empty");
  }
  std::vector<float> v(static_cast<size_t>(data.sample_elements()));
  for (size_t s = 0; s < data.size(); ++s) {
    if (Expected<void> ok = data.read(s, v); !ok) return ok;
    for (float x : v)
      if (!std::isfinite(x)) {
        const SampleOrigin at = data.origin(s);
        return fail(Errc::BadInput, {.file = at.file, .tensor = tensor}, "{}calibration sample {} contains {} (NaN/Inf cannot be calibrated)",
                    at.item.empty() ? "" : at.item + ": ", at.index, x);
      }
  }
  return {};
}

Expected<Dataset> open_calibration_data(const std::filesystem::path& path, const Shape& input_shape, const std::string& tensor,
                                        DatasetOptions options) {
  const std::optional<int64_t> per = checked_num_elements(input_shape);
  if (!per || *per <= 0) return fail(Errc::BadInput, {.tensor = tensor}, "model input has no elements: {}", shape_to_string(input_shape));
  options.inputs = {{tensor, input_shape}};
  options.integers = IntegerData::Pixels;
  Expected<Dataset> data = open_dataset(path, options);
  if (!data) return data;
  if (Expected<void> ok = check_calibration_data(*data, tensor); !ok) return ok.take_error();
  return data;
}

Expected<Dataset> open_calibration_data(const std::filesystem::path& path, const Graph& model, DatasetOptions options) {
  if (model.inputs.size() != 1)
    return fail(Errc::Unsupported, {.file = model.source}, "calibration data supports models with one input; this one has {}",
                model.inputs.size());
  const Tensor& in = model.tensor(model.inputs[0]);
  if (in.dtype != DType::Float32)
    return fail(Errc::BadInput, {.file = model.source, .tensor = in.name}, "the model input is {}, not float32: is the model already quantized?",
                dtype_name(in.dtype));
  return open_calibration_data(path, in.shape, in.name, std::move(options));
}

}  // namespace tinyopt
