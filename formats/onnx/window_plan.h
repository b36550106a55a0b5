// formats/onnx/window_plan.h: how an ONNX Conv / MaxPool / AveragePool's padding becomes TFLite's: SAME or
// VALID when they describe the same windows, else an explicit PAD before a VALID op (where zeros are right).
//
// ONNX (Operators.md, Conv/MaxPool/AveragePool): pads = [top, left, bottom, right] for 2-D, or auto_pad
// SAME_UPPER (odd padding at the end) / SAME_LOWER (at the start) / VALID; output = floor((in + pads - eff) /
// stride) + 1, with ceil instead of floor when ceil_mode = 1 (a window must still start inside the input or
// its leading pad). TFLite SAME: out = ceil(in / stride), the odd padding element at the end
// (ir/window_geometry.h). Two paddings give the same windows when the output size and the leading pad agree:
// window o starts at o * stride - pad_before in both, and positions past the input are ignored (pools) or zero
// (convs) in both. AVERAGE_POOL_2D with SAME divides by the number of valid positions, which is ONNX's
// count_include_pad = 0; counting the pads needs them as real zeros: an explicit PAD. Windows SAME cannot
// express with pads not counted (PyTorch's padding=1, count_include_pad=False on an even size) are an explicit
// PAD, a VALID average over k*k, and a MUL by k*k / (valid positions) per output position (convert_pool).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "ir/diagnostic.h"
#include "ir/op_options.h"
#include "onnx/onnx_pb.h"

namespace tinyopt::onnx_format {

struct WindowSpec {
  int32_t in_h = 0, in_w = 0, kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  bool ceil_mode = false;
  bool zeros_allowed = true;   // an explicit zero PAD computes the same result (Conv, AveragePool counting pads)
  bool pads_counted = false;   // AveragePool count_include_pad = 1: any padding must be an explicit PAD
};

struct WindowPlan {
  Padding padding = Padding::Valid;
  bool explicit_pad = false;
  std::array<int32_t, 4> pads{};  // top, bottom, left, right of the explicit PAD
};

// The plan for node `n` (its pads / auto_pad attributes), or an error naming the node when TFLite cannot
// express its windows.
Expected<WindowPlan> plan_window(const onnx::NodeProto& n, const WindowSpec& s, const Location& where);

}  // namespace tinyopt::onnx_format
