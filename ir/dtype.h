// ir/dtype.h: element types of tensors, with their byte sizes and printable names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tinyopt {

enum class DType : uint8_t { Float32, Float16, Float64, Int8, UInt8, Int16, Int32, Int64, Bool };

// Bytes per element.
size_t dtype_size(DType t);
// "float32", "int8", ... (the names .npy, inspect and JSON output use).
std::string_view dtype_name(DType t);
std::optional<DType> dtype_from_name(std::string_view name);
inline bool is_float(DType t) { return t == DType::Float32 || t == DType::Float16 || t == DType::Float64; }

// Maps a C++ element type to its DType: dtype_of<int8_t>() == DType::Int8.
template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }
template <> constexpr DType dtype_of<int8_t>() { return DType::Int8; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::UInt8; }
template <> constexpr DType dtype_of<int16_t>() { return DType::Int16; }
template <> constexpr DType dtype_of<int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }

}  // namespace tinyopt
