// tests/runtime/isa_variants.h: the kernel variants a test runs: every ISA this CPU supports
// (runtime/cpu_features.h), plus the uint8-row layout of the avx512vnni GEMM with portable arithmetic
// (set_unsigned_gemm_emulation), so the VNNI variant's offset correction is checked even on CPUs without VNNI.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/cpu_features.h"
#include "runtime/quantized_gemm.h"

namespace tinyopt::test {

struct IsaVariant {
  Isa isa = Isa::Portable;
  bool unsigned_emulation = false;
  std::string name;
};

// The ISAs tests force: every supported one; avx512vnni only with TINYOPT_TEST_AVX512VNNI=1 until the variant
// has been verified on a VNNI machine (it is opt-in in the product too: best_isa()).
inline std::vector<Isa> tested_isas() {
  std::vector<Isa> out;
  const char* vnni = std::getenv("TINYOPT_TEST_AVX512VNNI");
  for (Isa isa : supported_isas())
    if (isa != Isa::Avx512Vnni || (vnni && std::string(vnni) == "1")) out.push_back(isa);
  return out;
}

inline std::vector<IsaVariant> isa_variants() {
  std::vector<IsaVariant> out;
  for (Isa isa : tested_isas()) out.push_back({isa, false, std::string(isa_name(isa))});
  out.push_back({Isa::Portable, true, "portable with the avx512vnni uint8 layout"});
  return out;
}

// Makes a variant active for a scope (kernels prepared inside use it).
class ScopedIsaVariant {
 public:
  explicit ScopedIsaVariant(const IsaVariant& v) : isa_(v.isa) { set_unsigned_gemm_emulation(v.unsigned_emulation); }
  ~ScopedIsaVariant() { set_unsigned_gemm_emulation(false); }
  ScopedIsaVariant(const ScopedIsaVariant&) = delete;
  ScopedIsaVariant& operator=(const ScopedIsaVariant&) = delete;

 private:
  ScopedIsa isa_;
};

}  // namespace tinyopt::test
