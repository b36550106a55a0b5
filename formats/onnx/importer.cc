// formats/onnx/importer.cc: the driver of one conversion (importer.h): initializers, graph inputs, the node
// loop (constant folding or a converter per op), graph outputs, and the check that lists unsupported nodes.
#include "formats/onnx/importer.h"

#include <algorithm>

#include "formats/onnx/constant_folding.h"

namespace tinyopt::onnx_format {
namespace {

using Converter = Expected<void> (Importer::*)(size_t);

struct ConverterEntry {
  std::string_view op;
  Converter fn;
};

// Ops converted to Graph ops when an input is an activation, alphabetical.
const ConverterEntry kConverters[] = {
    {"Add", &Importer::convert_elementwise},
    {"AveragePool", &Importer::convert_pool},
    {"BatchNormalization", &Importer::convert_batchnorm},
    {"Cast", &Importer::convert_alias},
    {"Clip", &Importer::convert_clip},
    {"Concat", &Importer::convert_concat},
    {"Conv", &Importer::convert_conv},
    {"Div", &Importer::convert_elementwise},
    {"Dropout", &Importer::convert_alias},
    {"Flatten", &Importer::convert_reshape_family},
    {"Gemm", &Importer::convert_gemm},
    {"GlobalAveragePool", &Importer::convert_global_average_pool},
    {"HardSigmoid", &Importer::convert_hard_sigmoid},
    {"HardSwish", &Importer::convert_activation},
    {"Identity", &Importer::convert_alias},
    {"LeakyRelu", &Importer::convert_activation},
    {"MatMul", &Importer::convert_matmul},
    {"MaxPool", &Importer::convert_pool},
    {"Mul", &Importer::convert_elementwise},
    {"Pad", &Importer::convert_pad},
    {"Relu", &Importer::convert_activation},
    {"Reshape", &Importer::convert_reshape_family},
    {"Sigmoid", &Importer::convert_activation},
    {"Softmax", &Importer::convert_softmax},
    {"Squeeze", &Importer::convert_reshape_family},
    {"Sub", &Importer::convert_elementwise},
    {"Tanh", &Importer::convert_activation},
    {"Transpose", &Importer::convert_transpose},
    {"Unsqueeze", &Importer::convert_reshape_family},
};

const ConverterEntry* find_converter(std::string_view op) {
  for (const ConverterEntry& e : kConverters) if (e.op == op) return &e;
  return nullptr;
}

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

}  // namespace

const onnx::AttributeProto* find_attr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute()) if (a.name() == name) return &a;
  return nullptr;
}
int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->i() : fallback;
}
float attr_float(const onnx::NodeProto& n, const std::string& name, float fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->f() : fallback;
}
std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& fallback) {
  const auto* a = find_attr(n, name);
  return a ? a->s() : fallback;
}
std::optional<std::vector<int64_t>> attr_ints(const onnx::NodeProto& n, const std::string& name) {
  const auto* a = find_attr(n, name);
  if (!a) return std::nullopt;
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

Expected<std::vector<int64_t>> resolve_reshape(const onnx::NodeProto& n, const std::vector<int64_t>& in,
                                               const std::vector<int64_t>& target, const Location& where) {
  const bool allowzero = attr_int(n, "allowzero", 0) != 0;
  std::vector<int64_t> out = target;
  int64_t known = 1, in_count = 1;
  for (int64_t d : in) in_count *= d;
  int infer = -1;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 0 && !allowzero) {
      if (d >= in.size()) return fail(Errc::BadInput, where, "node '{}': Reshape copies dimension {} the input lacks", n.name(), d);
      out[d] = in[d];
    }
    if (out[d] == -1) {
      if (infer >= 0) return fail(Errc::BadInput, where, "node '{}': Reshape target has two -1", n.name());
      infer = static_cast<int>(d);
      continue;
    }
    if (out[d] < 0 || (out[d] > 0 && known > kMaxConstantElements / out[d]))
      return fail(Errc::BadInput, where, "node '{}': bad Reshape target [{}]", n.name(), fmt::join(target, ","));
    known *= out[d];
  }
  if (infer >= 0) {
    if (known == 0 || in_count % known != 0)
      return fail(Errc::BadInput, where, "node '{}': Reshape target [{}] does not fit {} elements", n.name(), fmt::join(target, ","), in_count);
    out[static_cast<size_t>(infer)] = in_count / known;
  } else if (known != in_count) {
    return fail(Errc::BadInput, where, "node '{}': Reshape target [{}] has {} elements, the input {}", n.name(),
                fmt::join(target, ","), known, in_count);
  }
  return out;
}

Importer::Importer(const onnx::ModelProto& model, std::string source, OnnxReadOptions options, int64_t opset)
    : model_(model), graph_(model.graph()), source_(std::move(source)), options_(options), opset_(opset) {
  g_.source = source_;
  for (int k = 0; k < graph_.node_size(); ++k)
    for (const std::string& in : graph_.node(k).input()) if (!in.empty()) consumers_[in].push_back(static_cast<size_t>(k));
  for (const auto& o : graph_.output()) graph_outputs_.insert(o.name());
}

Location Importer::where(const onnx::NodeProto& n) const { return {.file = source_, .op_kind = n.op_type()}; }

int Importer::uses(const std::string& name) const {
  auto it = consumers_.find(name);
  return (it == consumers_.end() ? 0 : static_cast<int>(it->second.size())) + (graph_outputs_.count(name) ? 1 : 0);
}

std::optional<size_t> Importer::sole_consumer(const std::string& name) const {
  auto it = consumers_.find(name);
  if (graph_outputs_.count(name) || it == consumers_.end() || it->second.size() != 1) return std::nullopt;
  return it->second[0];
}

Expected<const Value*> Importer::input(const onnx::NodeProto& n, int k) const {
  if (!has_input(n, k)) return node_error(Errc::BadInput, n, "input {} is missing", k);
  auto it = values_.find(n.input(k));
  if (it == values_.end())
    return node_error(Errc::BadInput, n, "input '{}' is not defined by an earlier node, an initializer or a graph input",
                      n.input(k));
  return &it->second;
}

Expected<const HostTensor*> Importer::constant_input(const onnx::NodeProto& n, int k) const {
  auto v = input(n, k);
  if (!v) return v.take_error();
  if (!(*v)->is_constant())
    return node_error(Errc::Unsupported, n, "input '{}' must be a constant (an initializer or foldable at import)",
                      n.input(k));
  return &*(*v)->constant;
}

// Every node either folds (all inputs constant, op evaluable) or has a converter; the rest are collected so that
// one error lists them all. Constness is propagated in node order, as conversion will.
Expected<void> Importer::check_supported() const {
  std::set<std::string> constant;
  for (const auto& t : graph_.initializer()) constant.insert(t.name());
  std::vector<Error> errors;
  for (int k = 0; k < graph_.node_size(); ++k) {
    const onnx::NodeProto& n = graph_.node(k);
    // Every ONNX operator has at least one output, and the converters name their result after output 0.
    if (n.output_size() == 0 || n.output(0).empty())
      return Error{Errc::BadInput, {.file = source_, .op_kind = n.op_type()},
                   fmt::format("node #{} '{}': op {} has no output", k, n.name(), n.op_type())};
    bool all_constant = true;
    for (const std::string& in : n.input()) all_constant = all_constant && (in.empty() || constant.count(in));
    const bool domain_ok = is_default_domain(n.domain());
    if (domain_ok && is_foldable_op(n.op_type()) && (all_constant || n.op_type() == "Shape")) {
      for (const std::string& out : n.output()) constant.insert(out);
      continue;
    }
    if (domain_ok && find_converter(n.op_type())) continue;
    errors.push_back(Error{Errc::Unsupported, {.file = source_, .op_kind = n.op_type()},
                           fmt::format("node #{} '{}': op {}{} is not supported", k, n.name(),
                                       domain_ok ? "" : n.domain() + ".", n.op_type())});
  }
  if (errors.empty()) return {};
  Error e = join_errors(errors);
  if (errors.size() > 1) e.message = fmt::format("{}: {} unsupported ONNX nodes:", source_, errors.size()) + e.message.substr(e.message.find(':') + 1);
  return e;
}

Expected<void> Importer::read_initializers() {
  for (const auto& t : graph_.initializer()) {
    auto h = read_tensor_proto(t, {.file = source_});
    if (!h) return h.take_error();
    Value v;
    v.onnx_shape = h->dims;
    v.constant = std::move(*h);
    values_[t.name()] = std::move(v);
  }
  if (graph_.sparse_initializer_size() > 0)
    return fail(Errc::Unsupported, {.file = source_}, "sparse initializers are not supported");
  return {};
}

Expected<void> Importer::read_inputs() {
  for (const auto& in : graph_.input()) {
    if (values_.count(in.name())) continue;  // IR < 4 lists initializers as inputs too
    const Location at{.file = source_, .tensor = in.name()};
    if (!in.type().has_tensor_type()) return fail(Errc::Unsupported, at, "graph input is not a tensor");
    const auto& tt = in.type().tensor_type();
    if (tt.elem_type() != onnx::TensorProto::FLOAT)
      return fail(Errc::Unsupported, at, "graph input has type {}; only FLOAT inputs are supported",
                  onnx_dtype_name(tt.elem_type()));
    if (!tt.has_shape()) return fail(Errc::BadInput, at, "graph input has no shape");
    std::vector<int64_t> dims;
    for (int d = 0; d < tt.shape().dim_size(); ++d) {
      const auto& dim = tt.shape().dim(d);
      if (dim.has_dim_value() && dim.dim_value() > 0) { dims.push_back(dim.dim_value()); continue; }
      const std::string what = dim.has_dim_param() ? "'" + dim.dim_param() + "'" : "unknown";
      if (d == 0) { dims.push_back(1); continue; }  // the batch: tinyopt runs one sample at a time
      return fail(Errc::BadInput, at,
                  "graph input dimension {} is dynamic ({}); only the batch dimension (0) may be: export with a "
                  "fixed input size", d, what);
    }
    const Layout layout = dims.size() == 4 ? Layout::Nhwc : Layout::Plain;
    const bool transpose_in = layout == Layout::Nhwc && options_.keep_nchw_input;
    auto shape = stored_shape(dims, transpose_in ? Layout::Plain : layout, at);
    if (!shape) return shape.take_error();
    Tensor input;
    input.name = in.name(), input.dtype = DType::Float32, input.shape = *shape;
    const TensorId id = g_.add_tensor(std::move(input));
    g_.inputs.push_back(id);
    const std::string shape_text = fmt::format("[{}]", fmt::join(dims, ","));
    if (!transpose_in) {
      define_activation(in.name(), id, layout);
      if (layout == Layout::Nhwc)
        input_note_ += fmt::format("input '{}' NCHW {} is NHWC [{}] here; ", in.name(), shape_text, fmt::join(*shape, ","));
      continue;
    }
    onnx::NodeProto pseudo;
    pseudo.set_name(in.name() + "/to_nhwc");
    pseudo.set_op_type("Transpose");
    const TensorId perm = add_constant_i32(in.name() + "/nchw_to_nhwc", {4}, {0, 2, 3, 1});
    auto t = emit(pseudo, OpKind::Transpose, std::monostate{}, {id, perm}, in.name() + "_nhwc");
    if (!t) return t.take_error();
    define_activation(in.name(), *t, Layout::Nhwc);
    input_note_ += fmt::format("input '{}' kept NCHW {} (--keep-nchw-input), a TRANSPOSE makes it NHWC; ", in.name(), shape_text);
  }
  if (g_.inputs.empty()) return fail(Errc::BadInput, {.file = source_}, "the graph has no inputs");
  return {};
}

Expected<void> Importer::fold(const onnx::NodeProto& n) {
  std::vector<const HostTensor*> inputs;
  std::vector<std::vector<int64_t>> shapes;
  for (int k = 0; k < n.input_size(); ++k) {
    if (n.input(k).empty()) { inputs.push_back(nullptr); shapes.emplace_back(); continue; }
    auto v = input(n, k);
    if (!v) return v.take_error();
    inputs.push_back((*v)->is_constant() ? &*(*v)->constant : nullptr);
    shapes.push_back((*v)->onnx_shape);
  }
  auto outs = evaluate_constant_node(n, inputs, shapes, opset_, where(n));
  if (!outs) return outs.take_error();
  for (const HostTensor& t : *outs) folded_elements_ += t.size();
  if (folded_elements_ > kMaxFoldedTotal)
    return fail(Errc::BadInput, where(n), "node '{}': constant folding would hold more than {} elements in all",
                n.name(), kMaxFoldedTotal);
  for (int k = 0; k < n.output_size() && static_cast<size_t>(k) < outs->size(); ++k) {
    Value v;
    v.onnx_shape = (*outs)[static_cast<size_t>(k)].dims;
    v.constant = std::move((*outs)[static_cast<size_t>(k)]);
    define(n.output(k), std::move(v));
  }
  return {};
}

bool Importer::read_by_unskipped(const std::string& name) const {
  if (graph_outputs_.count(name)) return true;
  auto it = consumers_.find(name);
  if (it == consumers_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [&](size_t k) { return !skipped_.count(k); });
}

bool Importer::foldable(const onnx::NodeProto& n) const {
  if (!is_foldable_op(n.op_type())) return false;
  if (n.op_type() == "Shape") return true;
  for (const std::string& in : n.input()) {
    if (in.empty()) continue;
    auto it = values_.find(in);
    if (it == values_.end() || !it->second.is_constant()) return false;
  }
  return true;
}

Expected<void> Importer::convert_nodes() {
  for (size_t k = 0; k < static_cast<size_t>(graph_.node_size()); ++k) {
    if (skipped_.count(k)) continue;
    const onnx::NodeProto& n = node(k);
    if (foldable(n)) {
      if (auto ok = fold(n); !ok) return ok;
      continue;
    }
    const ConverterEntry* c = find_converter(n.op_type());
    if (!c) return node_error(Errc::Unsupported, n, "op {} is not supported with these inputs", n.op_type());
    if (auto ok = (this->*(c->fn))(k); !ok) return ok;
    for (const std::string& out : n.output())
      if (!out.empty() && !values_.count(out) && read_by_unskipped(out))
        return node_error(Errc::Unsupported, n, "output '{}' is used but not supported", out);
  }
  return {};
}

Expected<void> Importer::read_outputs() {
  std::set<TensorId> taken(g_.inputs.begin(), g_.inputs.end());
  for (const auto& o : graph_.output()) {
    const Location at{.file = source_, .tensor = o.name()};
    auto it = values_.find(o.name());
    if (it == values_.end()) return fail(Errc::BadInput, at, "graph output is not produced by any node");
    if (it->second.is_constant()) return fail(Errc::Unsupported, at, "graph output is a constant");
    onnx::NodeProto pseudo;
    pseudo.set_name(o.name());
    pseudo.set_op_type("output");
    auto v = materialize(pseudo, it->second);
    if (!v) return v.take_error();
    TensorId id = v->id;
    if (taken.count(id)) {  // an output that is an input or another output: give it its own tensor
      const Shape& s = g_.tensor(id).shape;
      const TensorId shape = add_constant_i32(o.name() + "/shape", {static_cast<int32_t>(s.size())}, {s.begin(), s.end()});
      auto copy = emit(pseudo, OpKind::Reshape, ReshapeOptions{.new_shape = s}, {id, shape}, o.name());
      if (!copy) return copy.take_error();
      id = *copy;
    }
    taken.insert(id);
    g_.tensor(id).name = o.name();
    g_.outputs.push_back(id);
    if (v->layout == Layout::Nhwc) input_note_ += fmt::format("output '{}' is NHWC; ", o.name());
  }
  if (g_.outputs.empty()) return fail(Errc::BadInput, {.file = source_}, "the graph has no outputs");
  return {};
}

Expected<Graph> Importer::run() {
  if (auto ok = check_supported(); !ok) return ok.take_error();
  if (auto ok = read_initializers(); !ok) return ok.take_error();
  if (auto ok = read_inputs(); !ok) return ok.take_error();
  if (auto ok = convert_nodes(); !ok) return ok.take_error();
  if (auto ok = read_outputs(); !ok) return ok.take_error();
  // Ops whose outputs nothing reads (a Dropout mask, a folded branch) are left out by construction; tensors that
  // no op uses (constants replaced by folding) are harmless but are not created in the first place.
  std::string producer = model_.producer_name().empty() ? "unknown producer" : model_.producer_name();
  if (!model_.producer_version().empty()) producer += " " + model_.producer_version();
  g_.description = fmt::format("converted from ONNX ({}, opset {}) by tinyopt: {}", producer, opset_,
                               input_note_.empty() ? "no layout change" : input_note_.substr(0, input_note_.size() - 2));
  if (auto ok = g_.validate(); !ok) return ok.take_error();
  return std::move(g_);
}

}  // namespace tinyopt::onnx_format
