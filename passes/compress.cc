// passes/compress.cc: `compress`: stores constant int8 weights of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED in
// TFLite Micro's TFLM_DECODE encodings (ir/tflm_decode.h), so that they take less flash; runs after quantize.
//
// Stages:
//   1. Existing TFLM_DECODE ops of constants are decoded back into plain constants, so every run decides afresh
//      (and `compress{encoding=none}` turns a compressed model back into a plain one).
//   2. Per weight tensor: the LUT encoding (when its channels have at most 2^7 distinct values; the narrowest index
//      width that covers the largest channel table) and the prune encoding (bitmask + kept values); `encoding`
//      picks which are tried. The smaller one is kept when it saves at least `min-saving` bytes of flash over the
//      plain tensor, counting what the encoding adds to the file besides its bytes (kDecodeFileOverhead: an
//      operator, two tensor tables, a buffer entry, the new names); otherwise the tensor stays plain.
//   3. Rewrite with TFLM's op placement (compression/decode_insert.py: one DECODE per consumer, just before it, so
//      a decoded buffer lives for one op only), but storing less than TFLM's compressor: the weight tensor keeps
//      its name, shape and quantization and becomes the (non-constant) DECODE output its consumer already reads;
//      the new UINT8 tensors "tflm_decode_<k>/encoded" and ".../ancillary" carry no quantization and a short name.
//      (TFLM's tool copies the quantization and the often 200-character name onto both new tensors.)
//   4. RAM cap: decoded weights are arena buffers (TFLM plans them as non-persistent tensors) and each DECODE keeps
//      persistent state, so the arena grows. With `ram-cap` > 0 the arena of the result (reports/tflm_arena.h,
//      32-bit) may exceed the plain model's by at most that many bytes: encodings are undone, largest decoded
//      tensor first, until it fits.
// Deterministic: tensors are visited in op order, tables in ascending value order, no randomness.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "ir/op_traits.h"
#include "ir/tflm_decode.h"
#include "passes/graph_rewrite.h"
#include "passes/pass.h"
#include "passes/pass_options.h"
#include "reports/tflm_arena.h"

namespace tinyopt {
namespace {

enum class EncodingChoice { Auto, Lut, Prune, None };

struct CompressOptions {
  EncodingChoice encoding = EncodingChoice::Auto;
  int64_t min_saving = 0;  // bytes of flash an encoding must save (after its file overhead) to be used
  int64_t ram_cap = 0;     // most extra arena bytes the decoded weights may cost (0: no cap)
};

// Flatbuffer bytes an encoded weight adds besides its encoded and ancillary bytes: one Operator table (~40 bytes
// with its input/output vectors), two Tensor tables with shape vectors and empty quantization tables (~60 each), a
// Buffer entry (~16), alignment of the new buffers to 16 (~16 on average) and the two short names (~48).
constexpr int64_t kDecodeFileOverhead = 240;

// The weight tensors eligible for encoding: constant int8 weights of the weighted ops, in op order, once each.
std::vector<TensorId> eligible_weights(const Graph& g) {
  std::vector<TensorId> out;
  std::set<TensorId> seen;
  for (const Op& op : g.ops) {
    const int slot = op_traits(op.kind).weights_input;
    if (slot == kNoInput) continue;
    const TensorId w = op.input(static_cast<size_t>(slot));
    if (w < 0 || !g.tensor(w).is_constant || g.tensor(w).dtype != DType::Int8 || !g.tensor(w).quant) continue;
    if (g.is_graph_output(w) || !seen.insert(w).second) continue;
    out.push_back(w);
  }
  return out;
}

// Stage 1: DECODE ops of constants become constants again.
Expected<int> decode_existing(Graph& g) {
  std::set<int> decodes;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    if (op.kind != OpKind::Decode) continue;
    auto v = known_value(g, op.outputs[0]);
    if (!v) return v.take_error();
    if (!*v) continue;
    Tensor& t = g.tensor(op.outputs[0]);
    t.data = std::move(**v);
    t.is_constant = true;
    decodes.insert(static_cast<int>(i));
  }
  if (decodes.empty()) return 0;
  erase_ops(g, decodes);
  // Several consumers of one TFLM-encoded tensor each had their own DECODE: their decoded copies are now equal
  // constants, which stay separate tensors (correct, if not the smallest; the next encoding treats each alone).
  drop_unreferenced_tensors(g);
  return static_cast<int>(decodes.size());
}

struct Choice {
  TensorId tensor = kNoTensor;
  EncodedTensor encoding;
  int64_t plain_bytes = 0;
};

class CompressPass : public Pass {
 public:
  explicit CompressPass(CompressOptions o) : o_(o) {}

  Expected<PassResult> run(Graph& g, PassContext& ctx) override {
    auto decoded = decode_existing(g);
    if (!decoded) return decoded.take_error();
    PassResult r;
    const std::vector<TensorId> weights = eligible_weights(g);
    std::vector<Choice> chosen;
    int64_t before = 0;
    for (TensorId id : weights) {
      const Tensor& t = g.tensor(id);
      Location where{.file = g.source, .tensor = t.name};
      before += static_cast<int64_t>(t.data.size());
      if (o_.encoding == EncodingChoice::None) continue;
      std::optional<EncodedTensor> best;
      if (o_.encoding != EncodingChoice::Prune) {
        auto lut = encode_lut(t, where);
        if (!lut) return lut.take_error();
        if (*lut) best = std::move(**lut);
      }
      if (o_.encoding != EncodingChoice::Lut) {
        auto prune = encode_prune(t, where);
        if (!prune) return prune.take_error();
        if (!best || prune->bytes() < best->bytes()) best = std::move(*prune);
      }
      if (!best) {
        r.notes.push_back(fmt::format("tensor '{}': left plain (a channel has more than 128 distinct values)", t.name));
        continue;
      }
      const int64_t cost = static_cast<int64_t>(best->bytes()) + kDecodeFileOverhead;
      const int64_t saving = static_cast<int64_t>(t.data.size()) - cost;
      if (saving < std::max<int64_t>(o_.min_saving, 1)) {
        r.notes.push_back(fmt::format("tensor '{}': left plain ({} {} bytes + ~{} of file overhead vs {} plain)", t.name,
                                      decode_type_name(best->type), best->bytes(), cost - static_cast<int64_t>(best->bytes()),
                                      t.data.size()));
        continue;
      }
      chosen.push_back({id, std::move(*best), static_cast<int64_t>(t.data.size())});
    }

    // Stage 4 needs the plain model's arena; stage 3 rewrites a copy until the cap holds.
    Graph result = g;
    if (o_.ram_cap > 0 && !chosen.empty()) {
      auto plain = estimate_tflm_arena(g);
      if (!plain) return plain.take_error();
      std::vector<size_t> order(chosen.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return chosen[a].plain_bytes > chosen[b].plain_bytes; });
      std::set<size_t> dropped;
      for (size_t k = 0;; ++k) {
        result = g;
        rewrite(result, chosen, dropped);
        auto arena = estimate_tflm_arena(result);
        if (!arena) return arena.take_error();
        const int64_t growth = static_cast<int64_t>(arena->total_bytes) - static_cast<int64_t>(plain->total_bytes);
        if (growth <= o_.ram_cap || k == order.size()) {
          ctx.debug(fmt::format("compress: arena grows by {} bytes (cap {})", growth, o_.ram_cap));
          break;
        }
        dropped.insert(order[k]);
        r.notes.push_back(fmt::format("tensor '{}': left plain to keep the arena growth under ram-cap={} bytes",
                                      g.tensor(chosen[order[k]].tensor).name, o_.ram_cap));
      }
      std::vector<Choice> kept;
      for (size_t i = 0; i < chosen.size(); ++i) if (!dropped.count(i)) kept.push_back(std::move(chosen[i]));
      chosen = std::move(kept);
    } else {
      rewrite(result, chosen, {});
    }
    g = std::move(result);

    int64_t after = before, lut = 0, prune = 0;
    for (const Choice& c : chosen) {
      after += static_cast<int64_t>(c.encoding.bytes()) - c.plain_bytes;
      (c.encoding.type == DecodeType::Lut ? lut : prune) += 1;
    }
    r.changed = !chosen.empty() || *decoded > 0;
    r.summary = fmt::format("encoded {} of {} weight tensors (LUT {}, prune {}); weight bytes {} -> {}", chosen.size(),
                            weights.size(), lut, prune, before, after);
    r.counters = {{"decoded_existing", *decoded}, {"encoded_lut", lut}, {"encoded_prune", prune},
                  {"plain", static_cast<int64_t>(weights.size() - chosen.size())},
                  {"weight_bytes_before", before}, {"weight_bytes_after", after}};
    return r;
  }

 private:
  // Stage 3 on `g` for the choices not in `skip`.
  static void rewrite(Graph& g, const std::vector<Choice>& chosen, const std::set<size_t>& skip) {
    int next = 0;
    for (const Op& op : g.ops) next += op.kind == OpKind::Decode ? 1 : 0;
    for (size_t k = 0; k < chosen.size(); ++k) {
      if (skip.count(k)) continue;
      const Choice& c = chosen[k];
      const std::string prefix = fmt::format("tflm_decode_{}/", next++);
      auto uint8_constant = [](std::string name, const std::vector<uint8_t>& bytes) {
        return Tensor{.name = std::move(name), .dtype = DType::UInt8, .shape = {static_cast<int32_t>(bytes.size())},
                      .quant = std::nullopt, .data = bytes, .is_constant = true};
      };
      const TensorId enc = g.add_tensor(uint8_constant(prefix + "encoded", c.encoding.encoded));
      const TensorId anc = g.add_tensor(uint8_constant(prefix + "ancillary", c.encoding.ancillary));
      Tensor& w = g.tensor(c.tensor);
      w.data.clear();
      w.is_constant = false;
      const Tensor decoded_template = w;
      const std::vector<int> consumers = g.consumers(c.tensor);
      int inserted = 0;
      for (int consumer : consumers) {
        const int at = consumer + inserted;
        TensorId out = c.tensor;  // the first consumer reads the original tensor, now decoded
        if (inserted > 0) {
          Tensor copy = decoded_template;
          copy.name += fmt::format("_decoded_{}", inserted);
          out = g.add_tensor(std::move(copy));
          for (TensorId& in : g.ops[static_cast<size_t>(at)].inputs) if (in == c.tensor) in = out;
        }
        Op op;
        op.kind = OpKind::Decode;
        op.inputs = {enc, anc};
        op.outputs = {out};
        g.ops.insert(g.ops.begin() + at, std::move(op));
        ++inserted;
      }
    }
  }

  CompressOptions o_;
};

}  // namespace

PassInfo compress_pass_info() {
  using O = CompressOptions;
  return pass_info<O>(
      "compress", "Store int8 weights in TFLite Micro's TFLM_DECODE encodings (LUT or prune) where that saves flash.",
      {option("encoding", &O::encoding, "which encodings to try per weight tensor (auto: the smaller of LUT and prune)",
              {{"auto", EncodingChoice::Auto}, {"lut", EncodingChoice::Lut}, {"prune", EncodingChoice::Prune},
               {"none", EncodingChoice::None}}),
       option("min-saving", &O::min_saving, "bytes of flash an encoding must save per tensor, after its overhead",
              OptionRange{0, 1e12}),
       option("ram-cap", &O::ram_cap, "most bytes the decoded weights may add to the TFLM arena (0: no cap)",
              OptionRange{0, 1e12})},
      [](O o) { return std::make_unique<CompressPass>(o); });
}

}  // namespace tinyopt
