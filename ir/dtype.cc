// ir/dtype.cc: sizes and names of element types.
#include "ir/dtype.h"

#include <array>

namespace tinyopt {
namespace {
struct DTypeInfo { DType type; size_t size; std::string_view name; };
constexpr std::array<DTypeInfo, 9> kDTypes = {{
    {DType::Float32, 4, "float32"}, {DType::Float16, 2, "float16"}, {DType::Float64, 8, "float64"},
    {DType::Int8, 1, "int8"},       {DType::UInt8, 1, "uint8"},     {DType::Int16, 2, "int16"},
    {DType::Int32, 4, "int32"},     {DType::Int64, 8, "int64"},     {DType::Bool, 1, "bool"},
}};
}  // namespace

size_t dtype_size(DType t) { return kDTypes[static_cast<size_t>(t)].size; }
std::string_view dtype_name(DType t) { return kDTypes[static_cast<size_t>(t)].name; }
std::optional<DType> dtype_from_name(std::string_view name) {
  for (const DTypeInfo& d : kDTypes) if (d.name == name) return d.type;
  return std::nullopt;
}

}  // namespace tinyopt
