// passes/instrumentation.h: hooks the PassManager calls around each pass (MLIR's PassInstrumentation), and the
// instruments tinyopt ships: per-pass summary/timing lines and the IR printer behind --print-ir-after=NAME,
// --print-ir-after-all and --print-ir-after-change.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "passes/pass.h"

namespace tinyopt {

class PassInstrument {
 public:
  virtual ~PassInstrument() = default;
  virtual void before(const Pass&, const Graph&) {}
  virtual void after(const Pass&, const Graph&, const PassResult&, double /*seconds*/) {}
  virtual void after_failed(const Pass&, const Graph&) {}
};

// Prints "pass <name>: <summary> (12.3 ms)" per pass, and every fallback note, to `out` (stderr in the CLI).
class SummaryInstrument : public PassInstrument {
 public:
  explicit SummaryInstrument(std::FILE* out) : out_(out) {}
  void after(const Pass& p, const Graph& g, const PassResult& r, double seconds) override;
  void after_failed(const Pass& p, const Graph& g) override;

 private:
  std::FILE* out_;
};

// Dumps the IR after passes. A dump starts with "// ---- IR after <canonical spec> ----".
class IrPrinterInstrument : public PassInstrument {
 public:
  enum class Mode { Named, All, Changed };
  IrPrinterInstrument(std::FILE* out, Mode mode, std::vector<std::string> names = {})
      : out_(out), mode_(mode), names_(std::move(names)) {}
  void after(const Pass& p, const Graph& g, const PassResult& r, double seconds) override;
  void after_failed(const Pass& p, const Graph& g) override;

 private:
  std::FILE* out_;
  Mode mode_;
  std::vector<std::string> names_;
};

}  // namespace tinyopt
