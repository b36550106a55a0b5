// formats/tflite/reader.cc: TFLite flatbuffer -> Graph (see reader.h for the stages).
//
// Spec facts used here (TFLite schema.fbs): the file identifier is "TFL3" at bytes 4..7; Model.buffers[0] is an
// empty sentinel and a tensor whose buffer holds no data is an activation; a buffer holds its bytes either inline
// (`data`) or, in models over 2 GB, as `size` bytes at `offset` from the start of the file (used when offset > 1);
// an operator's code is max(builtin_code, deprecated_builtin_code) because old writers only set the deprecated
// byte and new ones put PLACEHOLDER_FOR_GREATER_OP_CODES (127) there for codes above 127; an absent optional input
// is -1.
#include "formats/tflite/reader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

#include "formats/atomic_file.h"
#include "formats/tflite/op_mapping.h"
#include "formats/tflite/schema_generated.h"
#include "ir/dequantize.h"

namespace tinyopt {
namespace {

using tflite_format::builtin_name;
using tflite_format::kind_from_builtin;

// TFLite kernels handle at most 6 dimensions; 8 leaves room and still rejects absurd ranks early.
constexpr size_t kMaxRank = 8;

std::optional<DType> dtype_from_tflite(tflite::TensorType t) {
  switch (t) {
    case tflite::TensorType::FLOAT32: return DType::Float32;
    case tflite::TensorType::FLOAT16: return DType::Float16;
    case tflite::TensorType::FLOAT64: return DType::Float64;
    case tflite::TensorType::INT8: return DType::Int8;
    case tflite::TensorType::UINT8: return DType::UInt8;
    case tflite::TensorType::INT16: return DType::Int16;
    case tflite::TensorType::INT32: return DType::Int32;
    case tflite::TensorType::INT64: return DType::Int64;
    case tflite::TensorType::BOOL: return DType::Bool;
    default: return std::nullopt;
  }
}

std::string type_name(tflite::TensorType t) {
  const char* name = tflite::EnumNameTensorType(t);
  return name && *name ? name : "type " + std::to_string(static_cast<int>(t));
}

// The model being read: its bytes (for offset/size buffers) and root table.
struct Source {
  std::span<const uint8_t> bytes;
  const tflite::Model* model = nullptr;
  std::string name;
};

// The bytes of buffer `index`, inline or offset/size form, bounds-checked against the file.
Expected<std::span<const uint8_t>> buffer_bytes(const Source& src, uint32_t index, const Location& where) {
  const auto* buffers = src.model->buffers();
  const uint32_t count = buffers ? buffers->size() : 0;
  if (index >= count)
    return fail(Errc::BadInput, where, "buffer index {} is out of range (model has {} buffers)", index, count);
  const tflite::Buffer* b = buffers->Get(index);
  if (b->data() && b->data()->size() > 0) return std::span<const uint8_t>(b->data()->data(), b->data()->size());
  if (b->offset() > 1) {
    const uint64_t offset = b->offset(), size = b->size(), file = src.bytes.size();
    if (offset > file || size > file - offset)
      return fail(Errc::BadInput, where, "buffer {}: offset {} + size {} is outside the file ({} bytes)", index, offset,
                  size, file);
    return src.bytes.subspan(static_cast<size_t>(offset), static_cast<size_t>(size));
  }
  return std::span<const uint8_t>{};
}

// The zero points a tensor of type `t` may carry: a value of the type itself, since real = scale * (q - zero_point)
// maps the real 0 to zero_point exactly (TFLite quantization spec). Non-integer tensors have no use for one;
// the int32 range keeps anything computed from it finite.
std::pair<int64_t, int64_t> zero_point_range(DType t) {
  switch (t) {
    case DType::Int8: return {INT8_MIN, INT8_MAX};
    case DType::UInt8: return {0, UINT8_MAX};
    case DType::Int16: return {INT16_MIN, INT16_MAX};
    case DType::Int64: return {INT64_MIN, INT64_MAX};
    default: return {INT32_MIN, INT32_MAX};
  }
}

// Reads and checks every quantization parameter (counts, axis, scales, zero points) before anything computes
// with them: a value from the file is never used unchecked.
Expected<std::optional<QuantParams>> read_quant(const tflite::Tensor& t, DType dtype, const Shape& shape,
                                                std::span<const uint8_t> file, const Location& where) {
  const tflite::QuantizationParameters* q = t.quantization();
  if (!q) return std::optional<QuantParams>{};
  if (q->details_type() != tflite::QuantizationDetails::NONE)
    return fail(Errc::Unsupported, where, "custom quantization details are not supported");
  if (!q->scale() || q->scale()->size() == 0) return std::optional<QuantParams>{};  // min/max only: not quantized
  QuantParams p;
  p.scale.assign(q->scale()->begin(), q->scale()->end());
  if (const auto* zp = q->zero_point(); zp && zp->size() > 0) {
    // The flatbuffers 2.0 verifier checks a vector's length field for 4-byte alignment only, so an int64 vector
    // can sit at an offset of 4 mod 8, where reading its elements is a misaligned load. Writers align vectors
    // to their element size; anything else is a damaged file.
    const auto offset = static_cast<size_t>(reinterpret_cast<const uint8_t*>(zp->data()) - file.data());
    if (offset % alignof(int64_t) != 0)
      return fail(Errc::BadInput, where, "quantization zero_point vector at byte {} is not 8-byte aligned", offset);
    p.zero_point.assign(zp->begin(), zp->end());
  } else {
    p.zero_point.assign(p.scale.size(), 0);  // TFLite treats an absent zero point as 0
  }
  p.axis = q->quantized_dimension();
  if (p.zero_point.size() != p.scale.size())
    return fail(Errc::BadInput, where, "quantization has {} scales but {} zero points", p.scale.size(),
                p.zero_point.size());
  if (p.per_channel()) {
    // Older converters (TOCO) copy the weights' quantized_dimension (3 for DEPTHWISE_CONV_2D) onto the rank-1
    // per-channel bias; a rank-1 tensor can only be quantized along dimension 0.
    if (shape.size() == 1 && static_cast<int64_t>(p.scale.size()) == shape[0]) p.axis = 0;
    if (p.axis < 0 || static_cast<size_t>(p.axis) >= shape.size())
      return fail(Errc::BadInput, where, "quantized dimension {} is outside shape {}", p.axis, shape_to_string(shape));
    if (static_cast<int64_t>(p.scale.size()) != shape[static_cast<size_t>(p.axis)])
      return fail(Errc::BadInput, where, "{} per-channel scales but dimension {} of shape {} has size {}",
                  p.scale.size(), p.axis, shape_to_string(shape), shape[static_cast<size_t>(p.axis)]);
  } else if (p.axis < 0 || static_cast<size_t>(p.axis) >= std::max<size_t>(shape.size(), 1)) {
    return fail(Errc::BadInput, where, "quantized dimension {} is outside shape {}", p.axis, shape_to_string(shape));
  }
  for (size_t c = 0; c < p.scale.size(); ++c)
    if (!std::isfinite(p.scale[c]) || !(p.scale[c] > 0.0f))
      return fail(Errc::BadInput, where, "quantization scale {} (channel {}) is not a positive finite number",
                  p.scale[c], c);
  const auto [zp_min, zp_max] = zero_point_range(dtype);
  for (size_t c = 0; c < p.zero_point.size(); ++c)
    if (p.zero_point[c] < zp_min || p.zero_point[c] > zp_max)
      return fail(Errc::BadInput, where, "quantization zero point {} (channel {}) is outside the {} range [{}, {}]",
                  p.zero_point[c], c, dtype_name(dtype), zp_min, zp_max);
  return std::optional<QuantParams>{std::move(p)};
}

// `encoded`: the tensor is a TFLM_DECODE input (encoded or ancillary bytes). TFLM's compressor copies the decoded
// tensor's quantization onto the encoded one, where it describes nothing (a [288] uint8 tensor with 64 scales on
// dimension 3); TFLM ignores it, and so does tinyopt: the decoded tensor carries the parameters.
Expected<Tensor> read_tensor(const Source& src, const tflite::Tensor& t, int index, bool encoded) {
  Tensor out;
  out.name = t.name() ? t.name()->str() : std::string();
  Location where{.file = src.name, .tensor = out.name.empty() ? fmt::format("#{}", index) : out.name};

  std::optional<DType> dtype = dtype_from_tflite(t.type());
  if (!dtype) return fail(Errc::Unsupported, where, "tensor type {} is not supported", type_name(t.type()));
  out.dtype = *dtype;
  if (t.sparsity()) return fail(Errc::Unsupported, where, "sparse tensors are not supported");

  if (const auto* shape = t.shape()) {
    if (shape->size() > kMaxRank)
      return fail(Errc::BadInput, where, "rank {} exceeds the maximum of {}", shape->size(), kMaxRank);
    out.shape.assign(shape->begin(), shape->end());
  }
  for (size_t d = 0; d < out.shape.size(); ++d)
    if (out.shape[d] < 0)
      return fail(Errc::BadInput, where, "dimension {} of shape {} is negative", d, shape_to_string(out.shape));
  std::optional<int64_t> n = checked_num_elements(out.shape);
  if (!n)
    return fail(Errc::BadInput, where, "shape {} has more than {} elements", shape_to_string(out.shape),
                kMaxTensorElements);

  if (!encoded) {
    auto quant = read_quant(t, out.dtype, out.shape, src.bytes, where);
    if (!quant) return quant.take_error();
    out.quant = std::move(*quant);
  }
  out.is_variable = t.is_variable();

  if (t.buffer() != 0) {
    auto bytes = buffer_bytes(src, t.buffer(), where);
    if (!bytes) return bytes.take_error();
    if (!bytes->empty()) {
      const uint64_t needed = static_cast<uint64_t>(*n) * dtype_size(out.dtype);
      if (bytes->size() != needed)
        return fail(Errc::BadInput, where, "buffer {} has {} bytes but shape {} of {} needs {}", t.buffer(),
                    bytes->size(), shape_to_string(out.shape), dtype_name(out.dtype), needed);
      out.data.assign(bytes->begin(), bytes->end());
      out.is_constant = true;
    }
  }
  return out;
}

Expected<TensorId> tensor_index(int32_t raw, int32_t n_tensors, bool optional, const Location& where,
                                std::string_view what) {
  if (raw == -1 && optional) return kNoTensor;
  if (raw < 0 || raw >= n_tensors)
    return fail(Errc::BadInput, where, "{} refers to tensor {}, but the subgraph has {} tensors", what, raw, n_tensors);
  return raw;
}

// Operator codes of the model as builtin codes (custom ops: nullopt, with their name in `custom`).
struct OpCodeInfo {
  int32_t builtin = 0;
  int32_t version = 1;
  std::string custom;
};

std::vector<OpCodeInfo> read_op_codes(const tflite::Model& m) {
  std::vector<OpCodeInfo> codes;
  if (!m.operator_codes()) return codes;
  for (const tflite::OperatorCode* c : *m.operator_codes()) {
    OpCodeInfo info;
    info.builtin = std::max(static_cast<int32_t>(c->builtin_code()), static_cast<int32_t>(c->deprecated_builtin_code()));
    info.version = c->version();
    if (c->custom_code()) info.custom = c->custom_code()->str();
    codes.push_back(std::move(info));
  }
  return codes;
}

// Checks every op's opcode index and lists every op tinyopt does not support, all at once.
Expected<void> check_ops_supported(const Source& src, const tflite::SubGraph& sg, const std::vector<OpCodeInfo>& codes) {
  if (!sg.operators()) return {};
  std::vector<std::string> unsupported;
  for (uint32_t i = 0; i < sg.operators()->size(); ++i) {
    const uint32_t index = sg.operators()->Get(i)->opcode_index();
    if (index >= codes.size())
      return fail(Errc::BadInput, {.file = src.name, .op = static_cast<int>(i)},
                  "opcode index {} is out of range (model has {} operator codes)", index, codes.size());
    const OpCodeInfo& c = codes[index];
    if (c.builtin == static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM)) {
      if (!tflite_format::kind_from_custom(c.custom)) unsupported.push_back(fmt::format("#{} CUSTOM({})", i, c.custom));
    }
    else if (!kind_from_builtin(c.builtin))
      unsupported.push_back(fmt::format("#{} {}", i, builtin_name(c.builtin)));
  }
  if (unsupported.empty()) return {};
  std::string list;
  for (size_t i = 0; i < unsupported.size(); ++i) list += (i ? ", " : "") + unsupported[i];
  return fail(Errc::Unsupported, {.file = src.name}, "{} unsupported op{}: {}", unsupported.size(),
              unsupported.size() == 1 ? "" : "s", list);
}

Expected<void> read_ops(const Source& src, const tflite::SubGraph& sg, const std::vector<OpCodeInfo>& codes, Graph& g) {
  if (!sg.operators()) return {};
  const auto n_tensors = static_cast<int32_t>(g.tensors.size());
  for (uint32_t i = 0; i < sg.operators()->size(); ++i) {
    const tflite::Operator& fb_op = *sg.operators()->Get(i);
    const OpCodeInfo& code = codes[fb_op.opcode_index()];
    Op op;
    op.kind = code.builtin == static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM)
                  ? *tflite_format::kind_from_custom(code.custom)
                  : *kind_from_builtin(code.builtin);
    op.version = code.version;
    Location where{.file = src.name, .op = static_cast<int>(i), .op_kind = std::string(op_kind_name(op.kind))};
    if (fb_op.inputs())
      for (uint32_t k = 0; k < fb_op.inputs()->size(); ++k) {
        auto id = tensor_index(fb_op.inputs()->Get(k), n_tensors, true, where, fmt::format("input {}", k));
        if (!id) return id.take_error();
        op.inputs.push_back(*id);
      }
    if (fb_op.outputs())
      for (uint32_t k = 0; k < fb_op.outputs()->size(); ++k) {
        auto id = tensor_index(fb_op.outputs()->Get(k), n_tensors, false, where, fmt::format("output {}", k));
        if (!id) return id.take_error();
        op.outputs.push_back(*id);
      }
    if (op.outputs.empty()) return fail(Errc::BadInput, where, "op has no outputs");
    if (fb_op.intermediates())
      for (uint32_t k = 0; k < fb_op.intermediates()->size(); ++k) {
        auto id = tensor_index(fb_op.intermediates()->Get(k), n_tensors, false, where, fmt::format("intermediate {}", k));
        if (!id) return id.take_error();
        op.intermediates.push_back(*id);
      }
    auto options = tflite_format::read_op_options(op.kind, fb_op, where);
    if (!options) return options.take_error();
    op.options = std::move(*options);
    if (op.kind == OpKind::Decode) {
      // TFLM_DECODE takes (encoded, ancillary) pairs with one output per pair; tinyopt holds one pair per op, so a
      // multi-pair DECODE becomes consecutive ops (same decoded values; each output is then written by its own op).
      if (op.inputs.size() != 2 * op.outputs.size())
        return fail(Errc::BadInput, where, "TFLM_DECODE has {} inputs for {} outputs (expected 2 per output)",
                    op.inputs.size(), op.outputs.size());
      for (size_t k = 0; k < op.outputs.size(); ++k) {
        Op one = op;
        one.inputs = {op.inputs[2 * k], op.inputs[2 * k + 1]};
        one.outputs = {op.outputs[k]};
        g.add_op(std::move(one));
      }
      continue;
    }
    g.add_op(std::move(op));
  }
  return {};
}

// Tensors read by a TFLM_DECODE op (its encoded and ancillary inputs), whose quantization is not read.
std::vector<bool> decode_inputs(const tflite::SubGraph& sg, const std::vector<OpCodeInfo>& codes, size_t n_tensors) {
  std::vector<bool> marked(n_tensors, false);
  if (!sg.operators()) return marked;
  for (const tflite::Operator* op : *sg.operators()) {
    const OpCodeInfo& c = codes[op->opcode_index()];  // checked by check_ops_supported
    if (c.builtin != static_cast<int32_t>(tflite::BuiltinOperator::CUSTOM) ||
        tflite_format::kind_from_custom(c.custom) != OpKind::Decode || !op->inputs())
      continue;
    for (int32_t id : *op->inputs())
      if (id >= 0 && static_cast<size_t>(id) < n_tensors) marked[static_cast<size_t>(id)] = true;
  }
  return marked;
}

Expected<std::vector<TensorId>> read_io(const Source& src, const flatbuffers::Vector<int32_t>* ids, int32_t n_tensors,
                                        std::string_view what) {
  std::vector<TensorId> out;
  if (!ids) return out;
  for (uint32_t k = 0; k < ids->size(); ++k) {
    auto id = tensor_index(ids->Get(k), n_tensors, false, {.file = src.name}, fmt::format("{} {}", what, k));
    if (!id) return id.take_error();
    out.push_back(*id);
  }
  return out;
}

Expected<void> read_metadata(const Source& src, Graph& g) {
  if (src.model->description()) g.description = src.model->description()->str();
  if (!src.model->metadata()) return {};
  for (const tflite::Metadata* m : *src.model->metadata()) {
    MetadataEntry entry;
    entry.name = m->name() ? m->name()->str() : std::string();
    auto bytes = buffer_bytes(src, m->buffer(), {.file = src.name});
    if (!bytes) {
      Error e = bytes.take_error();
      e.message = fmt::format("metadata '{}': {}", entry.name, e.message);
      return e;
    }
    entry.data.assign(bytes->begin(), bytes->end());
    g.metadata.push_back(std::move(entry));
  }
  return {};
}

std::string printable(std::span<const uint8_t> id) {
  std::string s;
  for (uint8_t c : id) s += std::isprint(c) ? fmt::format("{}", static_cast<char>(c)) : fmt::format("\\x{:02x}", c);
  return s;
}

}  // namespace

Expected<Graph> read_tflite(std::span<const uint8_t> bytes, std::string source_name) {
  // flatbuffers reads scalars in place and checks their alignment relative to the start of the buffer, so the
  // buffer itself must be aligned for the widest scalar (8 bytes); a span that is not is read from a copy.
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(int64_t) != 0) {
    const std::vector<uint8_t> aligned(bytes.begin(), bytes.end());
    return read_tflite(aligned, std::move(source_name));
  }
  Source src{.bytes = bytes, .name = std::move(source_name)};
  const Location file{.file = src.name};
  // A flatbuffer starts with the root offset (4 bytes) and the file identifier (4 bytes).
  if (bytes.size() < 8)
    return fail(Errc::BadInput, file, "file is truncated or not a TFLite model ({} bytes)", bytes.size());
  if (!flatbuffers::BufferHasIdentifier(bytes.data(), tflite::ModelIdentifier()))
    return fail(Errc::BadInput, file, "not a TFLite model: file identifier is '{}', expected 'TFL3'",
                printable(bytes.subspan(4, 4)));
  // Offset/size buffers may lie past the flatbuffer, so the whole file can exceed the verifier's 2 GB limit;
  // the flatbuffer itself is always within the first 2 GB.
  const size_t verify_size = std::min<size_t>(bytes.size(), FLATBUFFERS_MAX_BUFFER_SIZE - 1);
  flatbuffers::Verifier::Options checks;
  checks.check_alignment = true;  // the default, stated: scalars and vector lengths at aligned offsets
  flatbuffers::Verifier verifier(bytes.data(), verify_size, checks);
  if (!tflite::VerifyModelBuffer(verifier))
    return fail(Errc::BadInput, file, "corrupt or truncated flatbuffer (the flatbuffers verifier rejected it)");
  src.model = tflite::GetModel(bytes.data());
  const tflite::Model& m = *src.model;

  if (m.version() != 3)
    return fail(Errc::Unsupported, file, "schema version {} is not supported (expected 3)", m.version());
  const uint32_t n_subgraphs = m.subgraphs() ? m.subgraphs()->size() : 0;
  if (n_subgraphs == 0) return fail(Errc::BadInput, file, "model has no subgraphs");
  if (n_subgraphs > 1)
    return fail(Errc::Unsupported, file,
                "model has {} subgraphs; only single-subgraph models are supported (control flow such as IF, WHILE "
                "or CALL_ONCE is not)", n_subgraphs);
  const tflite::SubGraph& sg = *m.subgraphs()->Get(0);

  const std::vector<OpCodeInfo> codes = read_op_codes(m);
  if (auto ok = check_ops_supported(src, sg, codes); !ok) return ok.take_error();

  Graph g;
  g.source = src.name;
  if (sg.tensors()) {
    if (sg.tensors()->size() > static_cast<uint32_t>(INT32_MAX))
      return fail(Errc::BadInput, file, "too many tensors ({})", sg.tensors()->size());
    g.tensors.reserve(sg.tensors()->size());
    const std::vector<bool> encoded = decode_inputs(sg, codes, sg.tensors()->size());
    for (uint32_t i = 0; i < sg.tensors()->size(); ++i) {
      auto t = read_tensor(src, *sg.tensors()->Get(i), static_cast<int>(i), encoded[i]);
      if (!t) return t.take_error();
      g.add_tensor(std::move(*t));
    }
  }
  if (auto ok = read_ops(src, sg, codes, g); !ok) return ok.take_error();
  const auto n_tensors = static_cast<int32_t>(g.tensors.size());
  auto inputs = read_io(src, sg.inputs(), n_tensors, "graph input");
  if (!inputs) return inputs.take_error();
  g.inputs = std::move(*inputs);
  auto outputs = read_io(src, sg.outputs(), n_tensors, "graph output");
  if (!outputs) return outputs.take_error();
  g.outputs = std::move(*outputs);
  if (auto ok = read_metadata(src, g); !ok) return ok.take_error();

  g.hybrid_weights_dequantized = dequantize_hybrid_weights(g);  // ir/dequantize.h: hybrid models read as float
  if (auto ok = g.validate(); !ok) return ok.take_error();
  return g;
}

Expected<Graph> read_tflite_file(const std::filesystem::path& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.take_error();
  return read_tflite(*bytes, path.string());
}

}  // namespace tinyopt
