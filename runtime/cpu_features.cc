// runtime/cpu_features.cc: cpuid + xgetbv detection and the active-ISA variable (see cpu_features.h).
// Bits (Intel SDM vol. 2A, CPUID): leaf 1 ECX bit 12 FMA, 27 OSXSAVE, 28 AVX; leaf 7 subleaf 0 EBX bit 5 AVX2,
// 16 AVX512F, 30 AVX512BW, 31 AVX512VL, ECX bit 11 AVX512_VNNI. The OS must also enable the register state in
// XCR0 (xgetbv 0): bits 1-2 (XMM, YMM) for AVX/AVX2/FMA, and bits 5-7 (opmask, ZMM0-15 upper, ZMM16-31) for AVX-512;
// an instruction whose state is not enabled faults even when cpuid lists it.
#include "runtime/cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define TINYOPT_X86 1
#endif

namespace tinyopt {
namespace {

constexpr Isa kAllIsas[] = {Isa::Portable, Isa::Avx2, Isa::Avx512Vnni};

CpuFeatures detect() {
  CpuFeatures f;
#ifdef TINYOPT_X86
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
  if (!osxsave || !avx) return f;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const bool os_ymm = (xcr0_lo & 0x6) == 0x6;
  const bool os_zmm = (xcr0_lo & 0xE6) == 0xE6;
  if (!os_ymm) return f;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  f.avx2 = (b >> 5) & 1;
  f.fma = fma;
  if (os_zmm) {
    f.avx512f = (b >> 16) & 1;
    f.avx512bw = (b >> 30) & 1;
    f.avx512vl = (b >> 31) & 1;
    f.avx512vnni = (c >> 11) & 1;
  }
#endif
  return f;
}

std::atomic<Isa>& active() {
  static std::atomic<Isa> isa{best_isa()};
  return isa;
}

}  // namespace

bool CpuFeatures::supports(Isa isa) const {
  switch (isa) {
    case Isa::Portable: return true;
    case Isa::Avx2: return avx2 && fma;
    case Isa::Avx512Vnni: return avx2 && fma && avx512f && avx512bw && avx512vl && avx512vnni;
  }
  return false;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::Portable: return "portable";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512Vnni: return "avx512vnni";
  }
  return "?";
}

Expected<Isa> parse_isa(std::string_view name) {
  for (Isa isa : kAllIsas)
    if (name == isa_name(isa)) return isa;
  return fail(Errc::BadInput, {.option = "TINYOPT_ISA"}, "unknown ISA '{}' (valid: portable, avx2, avx512vnni)", name);
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : kAllIsas)
    if (cpu_features().supports(isa)) out.push_back(isa);
  return out;
}

// The avx512vnni variant has not yet run on a VNNI machine (the development machines lack AVX-512): it is used
// only when TINYOPT_ISA asks for it, until it has been verified there.
Isa best_isa() {
  std::vector<Isa> isas = supported_isas();
  while (isas.size() > 1 && isas.back() == Isa::Avx512Vnni) isas.pop_back();
  return isas.back();
}

std::string cpu_feature_summary() {
  const CpuFeatures& f = cpu_features();
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(f.avx2, "avx2");
  add(f.fma, "fma");
  add(f.avx512f, "avx512f");
  add(f.avx512bw, "avx512bw");
  add(f.avx512vl, "avx512vl");
  add(f.avx512vnni, "avx512vnni");
  return s.empty() ? "baseline" : s;
}

Isa active_isa() { return active().load(std::memory_order_relaxed); }

Expected<void> set_active_isa(Isa isa) {
  if (!cpu_features().supports(isa))
    return fail(Errc::BadInput, {.option = "TINYOPT_ISA"}, "this CPU does not support ISA '{}' (it has: {}; usable: {})",
                isa_name(isa), cpu_feature_summary(), [] {
                  std::string s;
                  for (Isa i : supported_isas()) {
                    if (!s.empty()) s += ", ";
                    s += isa_name(i);
                  }
                  return s;
                }());
  active().store(isa, std::memory_order_relaxed);
  return {};
}

Expected<Isa> select_isa_from_environment() {
  const char* env = std::getenv("TINYOPT_ISA");
  if (env == nullptr || *env == '\0') return active_isa();
  Expected<Isa> isa = parse_isa(env);
  if (!isa) return isa.take_error();
  if (Expected<void> ok = set_active_isa(*isa); !ok) return ok.take_error();
  return *isa;
}

ScopedIsa::ScopedIsa(Isa isa) : previous_(active_isa()) {
  // Tests only construct this for supported ISAs (they loop over supported_isas()).
  if (Expected<void> ok = set_active_isa(isa); !ok) std::abort();
}

ScopedIsa::~ScopedIsa() { active().store(previous_, std::memory_order_relaxed); }

}  // namespace tinyopt
