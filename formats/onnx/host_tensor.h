// formats/onnx/host_tensor.h: a constant of an ONNX graph as the importer holds it, in ONNX's own layout
// (row-major over ONNX's dimension order): initializers, Constant nodes and the results of constant folding.
//
// Two element kinds are enough for what TinyML exports carry: real numbers (float32, float64 read as float) and
// integers (int8..int64, uint8, bool), which shape arithmetic (Shape, Gather, Concat, ...) needs as int64.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/diagnostic.h"

namespace onnx {
class TensorProto;
}

namespace tinyopt::onnx_format {

// Folded constants, and every tensor read from the file, are bounded by this many elements (the ONNX file
// itself must hold an initializer's bytes; a folded ConstantOfShape or Concat could otherwise ask for anything).
inline constexpr int64_t kMaxConstantElements = int64_t{1} << 26;
// A folded result holds at most this many elements, and one import folds at most kMaxFoldedTotal elements in all:
// 4 Mi values (16 MB as float) is more than any microcontroller's flash, and a few bytes of ConstantOfShape or
// Concat must not make the importer allocate and fill hundreds of megabytes (a fuzzer's 17 KB file asked for an
// 8 Mi-entry pads tensor, which took over 10 s under ASan).
inline constexpr int64_t kMaxFoldedElements = int64_t{1} << 22;
inline constexpr int64_t kMaxFoldedTotal = int64_t{1} << 24;

struct HostTensor {
  bool is_float = true;          // float values in `f`, else integers in `i`
  std::vector<int64_t> dims;     // ONNX dimension order; empty for a scalar
  std::vector<float> f;
  std::vector<int64_t> i;

  int64_t size() const { return is_float ? static_cast<int64_t>(f.size()) : static_cast<int64_t>(i.size()); }
  double at(size_t k) const { return is_float ? static_cast<double>(f[k]) : static_cast<double>(i[k]); }
  // The values as floats / as integers (a float tensor's values truncated), whatever the kind.
  std::vector<float> floats() const;
  std::vector<int64_t> ints() const;
};

// Element count of `dims`, or an error when a dimension is negative or the product exceeds the bound.
Expected<int64_t> checked_count(const std::vector<int64_t>& dims, const Location& where, const std::string& what,
                                int64_t limit = kMaxConstantElements);

// Reads a TensorProto: the data type must be one the kinds above hold; the data comes from raw_data (its byte
// length must equal elements x element size) or from the typed field of the type (its count must equal the
// element count). Tensors stored outside the file (data_location EXTERNAL) are refused.
Expected<HostTensor> read_tensor_proto(const onnx::TensorProto& t, const Location& where);

// "FLOAT", "INT64", ... for ONNX TensorProto.DataType values, for messages.
std::string onnx_dtype_name(int32_t data_type);

}  // namespace tinyopt::onnx_format
