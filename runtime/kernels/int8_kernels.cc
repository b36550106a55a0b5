// runtime/kernels/int8_kernels.cc: the explicit list of integer kernels (int8, and int16 "16x8"), TFLite Micro
// reference semantics. Keyed by (op kind, dtype of the op's first input), see runtime/kernel.h.
#include "runtime/kernel.h"

namespace tinyopt {

void register_int8_kernels(KernelRegistry& r) {
  (void)r;  // filled in as the integer kernels land
}

}  // namespace tinyopt
