// formats/onnx/host_tensor.cc: TensorProto -> HostTensor, with every size checked against the file.
//
// ONNX facts used (onnx.proto3, TensorProto): raw_data holds the values little-endian, packed; otherwise FLOAT
// uses float_data, DOUBLE double_data, INT64 int64_data, and INT32/INT16/INT8/UINT8/BOOL (and UINT16) int32_data;
// data_location = EXTERNAL (1) means the bytes are in another file named by external_data.
#include "formats/onnx/host_tensor.h"

#include <cstring>

#include "onnx/onnx_pb.h"

namespace tinyopt::onnx_format {
namespace {

// Bytes per element in raw_data, or 0 for a type this reader does not hold.
size_t raw_element_size(int32_t t) {
  switch (t) {
    case onnx::TensorProto::FLOAT: return 4;
    case onnx::TensorProto::DOUBLE: return 8;
    case onnx::TensorProto::INT64: return 8;
    case onnx::TensorProto::INT32: return 4;
    case onnx::TensorProto::INT16: return 2;
    case onnx::TensorProto::UINT16: return 2;
    case onnx::TensorProto::INT8: return 1;
    case onnx::TensorProto::UINT8: return 1;
    case onnx::TensorProto::BOOL: return 1;
    default: return 0;
  }
}

template <class T> T load(const std::string& raw, size_t k) {
  T v;
  std::memcpy(&v, raw.data() + k * sizeof(T), sizeof(T));
  return v;
}

}  // namespace

std::string onnx_dtype_name(int32_t data_type) {
  if (onnx::TensorProto::DataType_IsValid(data_type))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(data_type));
  return "type " + std::to_string(data_type);
}

std::vector<float> HostTensor::floats() const {
  if (is_float) return f;
  return std::vector<float>(i.begin(), i.end());
}

std::vector<int64_t> HostTensor::ints() const {
  if (!is_float) return i;
  std::vector<int64_t> out;
  out.reserve(f.size());
  for (float v : f) out.push_back(static_cast<int64_t>(v));
  return out;
}

Expected<int64_t> checked_count(const std::vector<int64_t>& dims, const Location& where, const std::string& what,
                                int64_t limit) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return fail(Errc::BadInput, where, "{} has a negative dimension ({})", what, d);
    if (d != 0 && n > limit / d) return fail(Errc::BadInput, where, "{} has more than {} elements", what, limit);
    n *= d;
  }
  return n;
}

Expected<HostTensor> read_tensor_proto(const onnx::TensorProto& t, const Location& where) {
  const std::string what = "tensor '" + t.name() + "'";
  if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0)
    return fail(Errc::Unsupported, where,
                "{} is stored as external data (outside the .onnx file); tinyopt reads self-contained models only: "
                "re-export without external data (onnx.save(model, path, save_as_external_data=False))", what);
  if (t.has_segment()) return fail(Errc::Unsupported, where, "{} is segmented, which is not supported", what);
  const int32_t type = t.data_type();
  const size_t esize = raw_element_size(type);
  if (esize == 0)
    return fail(Errc::Unsupported, where, "{} has data type {}, which is not supported", what, onnx_dtype_name(type));
  HostTensor h;
  h.dims.assign(t.dims().begin(), t.dims().end());
  if (h.dims.size() > 8) return fail(Errc::BadInput, where, "{} has rank {} (at most 8 supported)", what, h.dims.size());
  auto count = checked_count(h.dims, where, what);
  if (!count) return count.take_error();
  const auto n = static_cast<size_t>(*count);
  h.is_float = type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::DOUBLE;

  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    if (raw.size() != n * esize)
      return fail(Errc::BadInput, where, "{}: raw_data has {} bytes but dims {} x {} need {}", what, raw.size(),
                  fmt::join(h.dims, "x"), onnx_dtype_name(type), n * esize);
    if (h.is_float) h.f.resize(n); else h.i.resize(n);
    for (size_t k = 0; k < n; ++k) {
      switch (type) {
        case onnx::TensorProto::FLOAT: h.f[k] = load<float>(raw, k); break;
        case onnx::TensorProto::DOUBLE: h.f[k] = static_cast<float>(load<double>(raw, k)); break;
        case onnx::TensorProto::INT64: h.i[k] = load<int64_t>(raw, k); break;
        case onnx::TensorProto::INT32: h.i[k] = load<int32_t>(raw, k); break;
        case onnx::TensorProto::INT16: h.i[k] = load<int16_t>(raw, k); break;
        case onnx::TensorProto::UINT16: h.i[k] = load<uint16_t>(raw, k); break;
        case onnx::TensorProto::INT8: h.i[k] = load<int8_t>(raw, k); break;
        default: h.i[k] = load<uint8_t>(raw, k); break;  // UINT8, BOOL
      }
    }
    return h;
  }
  // Typed fields: the one that matches the type must hold exactly one value per element.
  auto check = [&](int have, const char* field) -> Expected<void> {
    if (static_cast<size_t>(have) != n)
      return fail(Errc::BadInput, where, "{}: {} has {} values but dims {} need {}", what, field, have,
                  fmt::join(h.dims, "x"), n);
    return {};
  };
  switch (type) {
    case onnx::TensorProto::FLOAT:
      if (auto ok = check(t.float_data_size(), "float_data"); !ok) return ok.take_error();
      h.f.assign(t.float_data().begin(), t.float_data().end());
      break;
    case onnx::TensorProto::DOUBLE:
      if (auto ok = check(t.double_data_size(), "double_data"); !ok) return ok.take_error();
      for (double v : t.double_data()) h.f.push_back(static_cast<float>(v));
      break;
    case onnx::TensorProto::INT64:
      if (auto ok = check(t.int64_data_size(), "int64_data"); !ok) return ok.take_error();
      h.i.assign(t.int64_data().begin(), t.int64_data().end());
      break;
    default:
      if (auto ok = check(t.int32_data_size(), "int32_data"); !ok) return ok.take_error();
      h.i.assign(t.int32_data().begin(), t.int32_data().end());
      break;
  }
  return h;
}

}  // namespace tinyopt::onnx_format
