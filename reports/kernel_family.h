// reports/kernel_family.h: the kernel libraries a TFLite Micro build can run a model with. The resource report
// needs to know which one a target uses: it changes the cycles (cost_model), the scratch buffers kernels request
// in Prepare and the persistent op data (tflm_arena), and the kernel code pulled into flash.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinyopt {

enum class KernelFamily {
  Reference,      // TFLM's portable reference kernels (plain C++), any core
  CmsisNnScalar,  // CMSIS-NN on a core without the DSP extension (Cortex-M0+/M3): its plain-C paths
  CmsisNnDsp,     // CMSIS-NN with the DSP extension (SIMD on 16-bit pairs): Cortex-M4/M7/M33
  CmsisNnMve,     // CMSIS-NN with Helium (M-profile vector extension): Cortex-M55/M85
  EspNn,          // Espressif ESP-NN with the ESP32-S3 vector instructions
};

// "reference", "cmsis-nn-scalar", "cmsis-nn-dsp", "cmsis-nn-mve", "esp-nn".
std::string_view kernel_family_name(KernelFamily k);
// Accepts the names above; "cmsis-nn" is not accepted here (it depends on the core: see resolve_kernels in
// reports/target.h).
std::optional<KernelFamily> kernel_family_from_name(std::string_view name);
// Every name, for error messages.
std::vector<std::string> kernel_family_names();

}  // namespace tinyopt
