// passes/quantize.cc: placeholder while the quantizer is written.
#include "passes/pass.h"
namespace tinyopt {
PassInfo quantize_pass_info() {
  return {"quantize", "Full-integer int8 quantization.", {enum_option("weights", "per-channel", {"per-channel", "per-tensor"}, "weight granularity"), enum_option("activations", "int8", {"int8", "int16"}, "activation type")},
          [](const PassSpec&) -> Expected<std::unique_ptr<Pass>> { return fail(Errc::Unsupported, {}, "not yet"); }};
}
}  // namespace tinyopt
