// reports/cost_model.cc: the coefficients of the cycle model, per kernel family, with their sources.
//
// Sources and how each family's numbers were set (see also BENCHMARKS.md, "Cycle model"):
// - cmsis-nn-dsp (Cortex-M4 at 120 MHz with flash wait states, NUCLEO-L4R5ZI): set so that whole-network cycles
//   match MLPerf Tiny v1.0 measurements of the CMSIS-NN kernels on that board (OctoML's microTVM + CMSIS-NN
//   submission: KWS 99.81 ms, IC 389.56 ms, AD 8.61 ms), with the split between op classes taken from how the
//   kernels work: convolutions run im2col + a 2x2 SMLAD matrix kernel (about 3.5 cycles/MAC end to end on these
//   small-channel layers), depthwise convolutions cannot pair MACs across channels and run ~3-4x slower per MAC,
//   and FULLY_CONNECTED reads each weight once from flash (5 wait states at 120 MHz, partly hidden by the ART
//   cache), ~3.8 cycles/MAC. The anchors note (../shared/anchors.md) gives ~4.5 cycles/MAC for KWS with 2022
//   CMSIS-NN on this board, which this split reproduces.
// - cmsis-nn-mve (Cortex-M85 at 480 MHz, EK-RA8D1): set the same way from MLPerf Tiny v1.2 Renesas results
//   (KWS 3.465 ms, IC 8.478 ms, AD 0.531 ms): Helium does 16 int8 MACs per beat pair (~0.31 cycles/MAC on
//   convolutions), depthwise ~8x slower per MAC, FC bound by weight streaming (~0.9 cycles/MAC).
// - cmsis-nn-scalar (Cortex-M0+/M3): CMSIS-NN's plain-C paths, about 2.5x the DSP cycles/MAC (one 32-bit MAC per
//   instruction instead of two 16-bit MACs, and no SIMD loads), from Arm's CMSIS-NN paper (Lai et al. 2018, ~4.6x
//   DSP vs naive C throughput) and the M0+ having no MLA. Not validated against a measurement.
// - reference (TFLM portable C kernels at -O2 on an M4-class core): about 3x cmsis-nn-dsp on convolutions and
//   depthwise, 2x on FC, from the v0.5 MLPerf Tiny reference (TFLM 2.3.1) and the OctoML plain-C row.
//   Not validated per op.
// - esp-nn (ESP32-S3 LX7 with its 128-bit SIMD): ESP-NN's published speed-ups over the ANSI-C path on ESP32-S3
//   (roughly 5-10x for convolutions, 3-5x for depthwise); not validated against a measurement here.
// Fixed per-op cycles cover TFLM's per-op invoke bookkeeping and the kernel prologue (a few thousand cycles).
// - TFLM_DECODE: the same portable C++ in every family (TFLM has no CMSIS-NN / ESP-NN decode), costed per decoded
//   element from the loops of decode_state_lut.cc / decode_state_prune.cc on an M4-class core: the unrolled int8
//   LUT paths for 2, 3 and 4 bits (non-alternate axis) do one table load + store per element (~3 cycles); every
//   other LUT case goes through the generic loop with a switch and a bit-field fetch per element (~14); prune tests
//   one mask bit and copies a value or the zero point (~7). Estimates from instruction counts, not measured.
#include "reports/cost_model.h"

#include <cmath>

#include <fmt/format.h>

#include "ir/tflm_decode.h"
#include "reports/model_stats.h"

namespace tinyopt {
namespace {

// Cycles for one op class in one family.
struct Coefficients {
  double per_mac = 0;      // cycles per multiply-accumulate
  double per_element = 0;  // cycles per output element (requantization, activation, element-wise work)
  double fixed = 0;        // cycles per op call
};

enum class OpClass { Conv, Depthwise, FullyConnected, Pool, Elementwise, Softmax, Copy, Decode, Other };

// TFLM_DECODE cycles per decoded element and per call (see the file comment); the same for every family.
constexpr double kDecodeLutFastPerElement = 3.0;
constexpr double kDecodeLutGenericPerElement = 14.0;
constexpr double kDecodePrunePerElement = 7.0;
constexpr double kDecodeFixed = 600.0;

struct FamilyTable {
  Coefficients conv, depthwise, fully_connected, pool, elementwise, softmax, copy;
};

// The tables. Rows: conv, depthwise, fully connected, pool (per input element), element-wise (per output element:
// ADD/SUB/MUL, activations, quantize), softmax (per element, exp LUT/fixed point), copy (reshape-like).
const FamilyTable& table_for(KernelFamily f) {
  static const FamilyTable kReference{
      {10.0, 6.0, 3000}, {12.0, 6.0, 3000}, {7.0, 6.0, 2500}, {5.0, 0, 2500}, {12.0, 0, 2500},
      {60.0, 0, 3000}, {1.0, 0, 1500}};
  static const FamilyTable kCmsisScalar{
      {8.5, 6.0, 3000}, {10.0, 6.0, 3000}, {7.0, 6.0, 2500}, {4.0, 0, 2500}, {10.0, 0, 2500},
      {40.0, 0, 3000}, {1.0, 0, 1500}};
  static const FamilyTable kCmsisDsp{
      {3.5, 2.0, 2000}, {12.0, 2.0, 2000}, {3.8, 2.0, 2000}, {2.0, 0, 2000}, {6.0, 0, 2000},
      {25.0, 0, 2000}, {0.5, 0, 1000}};
  static const FamilyTable kCmsisMve{
      {0.31, 0.5, 1500}, {2.5, 0.5, 1500}, {0.9, 0.5, 1500}, {0.5, 0, 1500}, {1.5, 0, 1500},
      {8.0, 0, 1500}, {0.25, 0, 800}};
  static const FamilyTable kEspNn{
      {1.6, 2.0, 2500}, {4.0, 2.0, 2500}, {2.0, 2.0, 2500}, {2.0, 0, 2500}, {5.0, 0, 2500},
      {30.0, 0, 2500}, {0.5, 0, 1200}};
  switch (f) {
    case KernelFamily::Reference: return kReference;
    case KernelFamily::CmsisNnScalar: return kCmsisScalar;
    case KernelFamily::CmsisNnDsp: return kCmsisDsp;
    case KernelFamily::CmsisNnMve: return kCmsisMve;
    case KernelFamily::EspNn: return kEspNn;
  }
  return kReference;
}

OpClass classify(OpKind k) {
  switch (k) {
    case OpKind::Conv2D: return OpClass::Conv;
    case OpKind::DepthwiseConv2D: return OpClass::Depthwise;
    case OpKind::FullyConnected: return OpClass::FullyConnected;
    case OpKind::AveragePool2D: case OpKind::MaxPool2D: case OpKind::Mean: return OpClass::Pool;
    case OpKind::Add: case OpKind::Sub: case OpKind::Mul: case OpKind::Relu: case OpKind::Relu6:
    case OpKind::LeakyRelu: case OpKind::Logistic: case OpKind::Tanh: case OpKind::HardSwish:
    case OpKind::Quantize: case OpKind::Dequantize: return OpClass::Elementwise;
    case OpKind::Softmax: return OpClass::Softmax;
    case OpKind::Reshape: case OpKind::Squeeze: case OpKind::Pad: case OpKind::Concatenation: return OpClass::Copy;
    case OpKind::Transpose: case OpKind::StridedSlice: return OpClass::Other;
    // TRANSPOSE_CONV is a convolution's MAC loop run as a scatter; SVDF and the LSTM are matrix-vector products
    // per step (plus element-wise gate math, folded into the per-output-element term): costed on the conv and
    // fully-connected coefficients of the family. None of the three was measured on a target.
    case OpKind::TransposeConv: return OpClass::Conv;
    case OpKind::Svdf: case OpKind::SequenceLstm: return OpClass::FullyConnected;
    case OpKind::Decode: return OpClass::Decode;
  }
  return OpClass::Other;
}

const char* class_name(OpClass c) {
  switch (c) {
    case OpClass::Conv: return "conv";
    case OpClass::Depthwise: return "depthwise conv";
    case OpClass::FullyConnected: return "fully connected";
    case OpClass::Pool: return "pool/reduce";
    case OpClass::Elementwise: return "element-wise";
    case OpClass::Softmax: return "softmax";
    case OpClass::Copy: return "copy";
    case OpClass::Decode: return "decode";
    case OpClass::Other: return "other";
  }
  return "other";
}

int64_t elements(const Graph& g, TensorId id) {
  if (id < 0 || static_cast<size_t>(id) >= g.tensors.size()) return 0;
  return g.tensor(id).num_elements();
}

// Generic rule for ops without an entry: a gather-style copy loop, 20 cycles per input and output element, plus
// 3000 cycles per call. Deliberately pessimistic.
constexpr double kFallbackPerElement = 20.0;
constexpr double kFallbackFixed = 3000.0;

// Which TFLM decode loop runs (decode_state_lut.cc DecompressToBuffer's dispatch), and its per-element cost.
CycleCost decode_cycles(const Graph& g, const Op& op, int64_t out_elems, double core_scale) {
  CycleCost c;
  const TensorId anc = op.input(1), out = op.outputs.empty() ? kNoTensor : op.outputs[0];
  double per_element = kDecodeLutGenericPerElement;
  std::string path = "LUT, generic loop";
  if (anc >= 0 && out >= 0 && static_cast<size_t>(anc) < g.tensors.size() && static_cast<size_t>(out) < g.tensors.size()) {
    auto h = parse_decode_header(g.tensor(anc).data, {});
    auto l = decode_layout(g.tensor(out), {});
    if (h && h->type == DecodeType::Prune) {
      per_element = kDecodePrunePerElement;
      path = "prune";
    } else if (h && l && g.tensor(out).dtype == DType::Int8 && !l->alternate_axis && h->bits >= 2 && h->bits <= 4) {
      per_element = kDecodeLutFastPerElement;
      path = fmt::format("LUT {}-bit int8, unrolled loop", h->bits);
    } else if (h) {
      path = fmt::format("LUT {}-bit, generic loop", h->bits);
    }
  }
  c.cycles = static_cast<int64_t>(std::llround((per_element * static_cast<double>(out_elems) + kDecodeFixed) * core_scale));
  c.estimated_by = "model";
  c.assumptions = fmt::format("TFLM_DECODE ({}): {} cyc/decoded element + {} per op, x {:.2f} core (portable C++, "
                              "every kernel family)", path, per_element, kDecodeFixed, core_scale);
  return c;
}

}  // namespace

CycleCost estimate_op_cycles(const Graph& g, int op_index, KernelFamily family, double core_scale) {
  const Op& op = g.ops.at(static_cast<size_t>(op_index));
  CycleCost c;
  c.macs = op_macs(g, op_index);
  const int64_t out_elems = op.outputs.empty() ? 0 : elements(g, op.outputs[0]);
  const int64_t in_elems = elements(g, op.input(0));
  const OpClass cls = classify(op.kind);
  if (cls == OpClass::Decode) return decode_cycles(g, op, out_elems, core_scale);
  // CMSIS-NN and ESP-NN have integer kernels only: TFLM's optimized CONV_2D, FULLY_CONNECTED, ... call the
  // reference kernel for float32 tensors. Such an op is costed with the reference family and flagged, because
  // the coefficients were set on integer kernels.
  const bool float_op = !op.outputs.empty() && op.outputs[0] >= 0 &&
                        static_cast<size_t>(op.outputs[0]) < g.tensors.size() &&
                        g.tensor(op.outputs[0]).dtype == DType::Float32;
  const KernelFamily requested = family;
  if (float_op) family = KernelFamily::Reference;
  const FamilyTable& t = table_for(family);
  const Coefficients* k = nullptr;
  int64_t work = 0;  // what per_mac multiplies: MACs, or elements for MAC-free ops
  switch (cls) {
    case OpClass::Conv: k = &t.conv; work = c.macs; break;
    case OpClass::Depthwise: k = &t.depthwise; work = c.macs; break;
    case OpClass::FullyConnected: k = &t.fully_connected; work = c.macs; break;
    case OpClass::Pool: k = &t.pool; work = in_elems; break;
    case OpClass::Elementwise: k = &t.elementwise; work = out_elems; break;
    case OpClass::Softmax: k = &t.softmax; work = out_elems; break;
    case OpClass::Copy: k = &t.copy; work = out_elems; break;
    case OpClass::Decode: case OpClass::Other: break;
  }
  const std::string family_name(kernel_family_name(family));
  if (!k) {
    const double cycles = (kFallbackPerElement * static_cast<double>(in_elems + out_elems) + kFallbackFixed) *
                          core_scale;
    c.cycles = static_cast<int64_t>(std::llround(cycles));
    c.estimated_by = "fallback";
    c.assumptions = fmt::format("no {} entry for {}: fallback {} cyc/element (in+out) + {} per op, x {:.2f} core",
                                family_name, op_kind_name(op.kind), kFallbackPerElement, kFallbackFixed,
                                core_scale);
    return c;
  }
  const double cycles = (k->per_mac * static_cast<double>(work) + k->per_element * static_cast<double>(out_elems) +
                         k->fixed) * core_scale;
  c.cycles = static_cast<int64_t>(std::llround(cycles));
  c.estimated_by = float_op ? "fallback" : "model";
  c.reference_float = float_op;
  const bool macs_based = cls == OpClass::Conv || cls == OpClass::Depthwise || cls == OpClass::FullyConnected;
  c.assumptions = fmt::format("{} {}: {} cyc/{} + {} cyc/output + {} per op, x {:.2f} core", family_name,
                              class_name(cls), k->per_mac, macs_based ? "MAC" : "element", k->per_element, k->fixed,
                              core_scale);
  if (float_op)
    c.assumptions += fmt::format(" (float32: TFLM runs the reference float kernel{}; integer-kernel coefficients, "
                                 "not validated for float)",
                                 requested == KernelFamily::Reference
                                     ? std::string()
                                     : fmt::format(", {} has none", kernel_family_name(requested)));
  return c;
}

}  // namespace tinyopt
