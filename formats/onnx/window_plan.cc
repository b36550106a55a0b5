// formats/onnx/window_plan.cc: see window_plan.h for the rules.
#include "formats/onnx/window_plan.h"

#include <algorithm>

#include "formats/onnx/importer.h"
#include "ir/window_geometry.h"

namespace tinyopt::onnx_format {
namespace {

struct Dim {
  int64_t in, kernel, stride, dilation, before, after;
};

int64_t effective(const Dim& d) { return (d.kernel - 1) * d.dilation + 1; }

// ONNX's output size of one dimension.
int64_t onnx_out(const Dim& d, bool ceil_mode) {
  const int64_t span = d.in + d.before + d.after - effective(d);
  if (span < 0) return 0;
  int64_t out = (ceil_mode ? (span + d.stride - 1) / d.stride : span / d.stride) + 1;
  if (ceil_mode && (out - 1) * d.stride >= d.in + d.before) --out;
  return out;
}

bool matches(Padding p, const Dim& d, int64_t out) {
  const WindowDim w = window_dim(p, static_cast<int32_t>(d.in), static_cast<int32_t>(d.kernel),
                                 static_cast<int32_t>(d.stride), static_cast<int32_t>(d.dilation));
  return w.out == out && w.pad_before == d.before;
}

}  // namespace

Expected<WindowPlan> plan_window(const onnx::NodeProto& n, const WindowSpec& s, const Location& where) {
  auto error = [&](const std::string& why) {
    return Error{Errc::Unsupported, where, fmt::format("node '{}': {}", n.name(), why)};
  };
  Dim h{s.in_h, s.kernel_h, s.stride_h, s.dilation_h, 0, 0}, w{s.in_w, s.kernel_w, s.stride_w, s.dilation_w, 0, 0};
  for (const Dim* d : {&h, &w})
    if (d->kernel < 1 || d->stride < 1 || d->dilation < 1 || d->kernel > 1 << 16 || d->stride > 1 << 16 || d->dilation > 1 << 16)
      return Error{Errc::BadInput, where, fmt::format("node '{}': kernel, stride and dilation must be in 1..65536", n.name())};
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (Dim* d : {&h, &w}) {
      const int64_t out = (d->in + d->stride - 1) / d->stride;
      const int64_t total = std::max<int64_t>((out - 1) * d->stride + effective(*d) - d->in, 0);
      d->before = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      d->after = total - d->before;
    }
  } else if (auto_pad == "NOTSET") {
    if (auto pads = attr_ints(n, "pads")) {
      if (pads->size() != 4) return error(fmt::format("pads has {} entries (2-D windows need 4)", pads->size()));
      for (int64_t p : *pads)
        if (p < 0 || p > 1 << 16) return Error{Errc::BadInput, where, fmt::format("node '{}': pad {} is out of range", n.name(), p)};
      h.before = (*pads)[0], w.before = (*pads)[1], h.after = (*pads)[2], w.after = (*pads)[3];
    }
  } else if (auto_pad != "VALID") {
    return Error{Errc::BadInput, where, fmt::format("node '{}': unknown auto_pad '{}'", n.name(), auto_pad)};
  }
  const int64_t out_h = onnx_out(h, s.ceil_mode), out_w = onnx_out(w, s.ceil_mode);
  if (out_h < 1 || out_w < 1) return Error{Errc::BadInput, where, fmt::format("node '{}': the window does not fit the input", n.name())};
  const bool padded = h.before || h.after || w.before || w.after;
  WindowPlan plan;
  if (!(s.pads_counted && padded)) {
    if (matches(Padding::Valid, h, out_h) && matches(Padding::Valid, w, out_w)) return plan;
    if (matches(Padding::Same, h, out_h) && matches(Padding::Same, w, out_w)) {
      plan.padding = Padding::Same;
      return plan;
    }
  }
  if (!s.zeros_allowed)
    return error(fmt::format("padding (top {}, left {}, bottom {}, right {}{}) is neither TFLite's SAME nor VALID, and "
                             "padding with zeros would change the result", h.before, w.before, h.after, w.after,
                             s.ceil_mode ? ", ceil_mode" : ""));
  // Explicit zeros: the padded input with VALID windows must give ONNX's output size.
  Dim hp = h, wp = w;
  hp.in += h.before + h.after, wp.in += w.before + w.after;
  hp.before = hp.after = wp.before = wp.after = 0;
  if (onnx_out(hp, false) != out_h || onnx_out(wp, false) != out_w)
    return error("ceil_mode windows that run past the padding cannot be expressed in TFLite");
  plan.explicit_pad = true;
  plan.pads = {static_cast<int32_t>(h.before), static_cast<int32_t>(h.after), static_cast<int32_t>(w.before),
               static_cast<int32_t>(w.after)};
  return plan;
}

}  // namespace tinyopt::onnx_format
