// ir/tensor.h: a tensor of a graph: name, element type, shape, optional quantization and, for constants,
// the bytes of its value (little-endian, row-major). Only Graph owns tensor bytes; everything else views them.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/dtype.h"
#include "ir/quant_params.h"
#include "ir/shape.h"

namespace tinyopt {

struct Tensor {
  std::string name;
  DType dtype = DType::Float32;
  Shape shape;
  std::optional<QuantParams> quant;  // set for quantized tensors (and for int32 biases of quantized ops)
  std::vector<uint8_t> data;         // constant value; empty for activations (and for constants of 0 elements)
  bool is_constant = false;          // true when `data` holds the tensor's value
  bool is_variable = false;          // TFLite variable tensor (state); kept for round trips

  int64_t num_elements() const { return tinyopt::num_elements(shape); }
  size_t byte_size() const { return static_cast<size_t>(num_elements()) * dtype_size(dtype); }

  // Views of the constant data as elements. The caller must have checked dtype; Graph storage is
  // allocated by operator new, so it is aligned for every element type.
  template <class T> std::span<const T> values() const {
    return {reinterpret_cast<const T*>(data.data()), data.size() / sizeof(T)};
  }
  template <class T> std::span<T> mutable_values() {
    return {reinterpret_cast<T*>(data.data()), data.size() / sizeof(T)};
  }
  // Replaces the constant value by `v` (and sets dtype to match T).
  template <class T> void set_values(std::span<const T> v) {
    dtype = dtype_of<T>();
    data.resize(v.size() * sizeof(T));
    if (!v.empty()) std::memcpy(data.data(), v.data(), data.size());
    is_constant = true;
  }
};

}  // namespace tinyopt
