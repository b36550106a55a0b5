// runtime/cpu_features.h: which instruction sets this CPU and OS support, and which one the kernels use.
//
// The binary is built for baseline x86-64; the fast int8 kernels (and the float GEMM) have variants compiled for
// wider ISAs in their own functions or files and pick one by the *active ISA*:
//   portable     plain C++ loops (any CPU, and the fallback on non-x86)
//   avx2         AVX2 (+FMA for float): int16 x int8 pmaddwd GEMM
//   avx512vnni   AVX-512 F/BW/VL + VNNI: u8 x s8 vpdpbusd GEMM with the unsigned-offset correction
// The active ISA starts as the widest one supported and verified (best_isa(): avx512vnni is opt-in until it has run
// on a VNNI machine). select_isa_from_environment() applies TINYOPT_ISA
// (portable|avx2|avx512vnni); set_active_isa() is the API for tests. Forcing an ISA the CPU or OS lacks is an
// error naming it. Kernels read the active ISA when they are prepared (PreparedModel::create), so a prepared
// model keeps its variant; int8 results are identical for every variant (same exact int32 accumulators).
#pragma once

#include <string_view>
#include <vector>

#include "ir/diagnostic.h"

// Marks a function compiled for AVX2 (no FMA: float results must not change, see runtime/gemm_float.h) beside a
// baseline copy of the same always_inline body; callers pick one by active_isa(). Empty off x86-64, where
// active_isa() is always portable.
#if defined(__x86_64__)
#define TINYOPT_TARGET_AVX2 __attribute__((target("avx2")))
#else
#define TINYOPT_TARGET_AVX2
#endif

namespace tinyopt {

enum class Isa { Portable, Avx2, Avx512Vnni };

// What cpuid reports, with the OS check (xgetbv: the OS saves the YMM / ZMM state) already applied.
struct CpuFeatures {
  bool avx2 = false, fma = false;                              // AVX2 and FMA3, YMM state enabled
  bool avx512f = false, avx512bw = false, avx512vl = false;    // ZMM and opmask state enabled
  bool avx512vnni = false;
  bool supports(Isa isa) const;
};

const CpuFeatures& cpu_features();  // detected once

std::string_view isa_name(Isa isa);                  // "portable", "avx2", "avx512vnni"
Expected<Isa> parse_isa(std::string_view name);      // error lists the valid names
std::vector<Isa> supported_isas();                   // portable first, widest last
Isa best_isa();                                      // the widest supported, avx512vnni excepted (opt-in)
std::string cpu_feature_summary();                   // "avx2 fma" / "avx2 fma avx512f avx512bw avx512vl avx512vnni"

Isa active_isa();
// Makes `isa` the variant kernels prepared from now on use. Error (naming it) when this CPU lacks it.
Expected<void> set_active_isa(Isa isa);
// Applies TINYOPT_ISA when set (error for an unknown name or an unsupported ISA); returns the active ISA.
Expected<Isa> select_isa_from_environment();

// Sets an ISA for a scope and restores the previous one (tests). The ISA must be supported.
class ScopedIsa {
 public:
  explicit ScopedIsa(Isa isa);
  ~ScopedIsa();
  ScopedIsa(const ScopedIsa&) = delete;
  ScopedIsa& operator=(const ScopedIsa&) = delete;

 private:
  Isa previous_;
};

}  // namespace tinyopt
