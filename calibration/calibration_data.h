// calibration/calibration_data.h: the calibration set of a float model: its single float32 input's samples from
// any dataset source (formats/dataset/dataset.h), conformed to the input's shape, pixel data scaled (1/255 unless
// the options say otherwise), and checked: not empty, every value finite. The check reads every sample once, so
// that bad data fails before any pass runs.
#pragma once

#include <filesystem>
#include <string>

#include "formats/dataset/dataset.h"
#include "ir/graph.h"

namespace tinyopt {

// Opens calibration samples for input 0 of `model` (a model with several inputs, or a non-float input, is an
// error naming the model). `options.inputs` is filled from the model; scale, offset and max_samples are used.
Expected<Dataset> open_calibration_data(const std::filesystem::path& path, const Graph& model, DatasetOptions options = {});
// The same for an explicit input shape; `tensor` names the input in errors.
Expected<Dataset> open_calibration_data(const std::filesystem::path& path, const Shape& input_shape,
                                        const std::string& tensor, DatasetOptions options = {});

// Errors: an empty set (naming the file, and the array's shape when one array holds no samples), or a NaN/Inf
// value (naming the file, the item and the sample's index in it).
Expected<void> check_calibration_data(const Dataset& data, const std::string& tensor);

}  // namespace tinyopt
