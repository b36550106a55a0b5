// formats/onnx/constant_folding.h: evaluating, at import, the ONNX nodes whose inputs are all constants: the
// shape arithmetic exporters write around Reshape and Pad (x.view(x.size(0), -1) becomes Shape -> Gather ->
// Unsqueeze -> Concat -> Reshape; F.pad becomes ConstantOfShape, Concat, Reshape, Slice, Transpose, Cast), and
// Constant / Cast / arithmetic on initializers.
//
// Semantics are ONNX's (Operators.md) for opsets 11-17, on the two HostTensor kinds (float, int64). Every
// result is bounded by kMaxConstantElements.
#pragma once

#include <string_view>
#include <vector>

#include "formats/onnx/host_tensor.h"
#include "onnx/onnx_pb.h"

namespace tinyopt::onnx_format {

// True when `op_type` is one this file evaluates (Shape needs only its input's shape, not its values).
bool is_foldable_op(std::string_view op_type);

// Evaluates node `n`. `inputs[k]` is input k's value (nullptr when absent); `input_shapes[k]` its ONNX shape,
// which is all that Shape reads (its input may be an activation).
Expected<std::vector<HostTensor>> evaluate_constant_node(const onnx::NodeProto& n,
                                                         const std::vector<const HostTensor*>& inputs,
                                                         const std::vector<std::vector<int64_t>>& input_shapes,
                                                         int64_t opset, const Location& where);

}  // namespace tinyopt::onnx_format
