// formats/npy/npy.h: NumPy .npy arrays: reading, writing and checking them against a model's tensors.
//
// Reading accepts format versions 1.0, 2.0 and 3.0, every numeric dtype tinyopt has (int8, uint8, int16, int32,
// int64, float16, float32, float64, bool), little-, big-endian and native byte order (big-endian data is swapped
// to little-endian on load), C order only: a Fortran-order array is a clear error, as are structured dtypes.
// The header is parsed as the small Python-dict literal numpy writes; its shape is checked against the bytes
// that follow before anything is allocated for it. Writing produces version 1.0 (2.0 for a header over 64 KiB),
// little-endian, C order, with the header padded to 64 bytes as numpy does, through write_file_atomically.
//
// Splitting an array into per-sample inputs and stacking outputs is left to formats/npy/npy_batch.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/dtype.h"
#include "ir/shape.h"

namespace tinyopt {

// One array: element type, shape (empty for a 0-d scalar) and its bytes, little-endian, row-major.
struct NpyArray {
  DType dtype = DType::Float32;
  Shape shape;
  std::vector<uint8_t> data;  // num_elements() * dtype_size(dtype) bytes

  int64_t num_elements() const { return tinyopt::num_elements(shape); }
  // The elements; the caller must have checked `dtype`. Vector storage comes from operator new, so it is
  // aligned for every element type.
  template <class T> std::span<const T> values() const {
    return {reinterpret_cast<const T*>(data.data()), data.size() / sizeof(T)};
  }
  template <class T> std::span<T> mutable_values() {
    return {reinterpret_cast<T*>(data.data()), data.size() / sizeof(T)};
  }
};

// Makes an array of `shape` holding a copy of `values` (sizes must agree).
template <class T> NpyArray make_npy(Shape shape, std::span<const T> values) {
  NpyArray a{dtype_of<T>(), std::move(shape), {}};
  a.data.assign(reinterpret_cast<const uint8_t*>(values.data()),
                reinterpret_cast<const uint8_t*>(values.data()) + values.size_bytes());
  return a;
}

// Parses the bytes of a .npy file. `name` is used in error messages (usually the file name).
Expected<NpyArray> parse_npy(std::span<const uint8_t> bytes, const std::string& name);

// What the preamble and header of a .npy file say, without its data: for reading a dataset's shapes before
// its samples (formats/dataset/).
struct NpyLayout {
  DType dtype = DType::Float32;
  Shape shape;
  uint64_t data_offset = 0;  // bytes before the first element
  uint64_t data_bytes = 0;   // num_elements(shape) * dtype_size(dtype)
  bool big_endian = false;   // multi-byte elements stored big-endian (parse_npy swaps them)
};
// Parses the preamble and header from the first bytes of a file (the data may be missing).
Expected<NpyLayout> parse_npy_header(std::span<const uint8_t> prefix, const std::string& name);
// The error parse_npy gives when a file of `total_bytes` does not hold exactly the header's data.
Expected<void> check_npy_data_size(const NpyLayout& layout, uint64_t total_bytes, const std::string& name);
// Reads only the preamble and header of a .npy file and checks the file's size against them (a truncated file
// is an error here, before any data is read).
Expected<NpyLayout> read_npy_header(const std::filesystem::path& path);
Expected<NpyArray> read_npy(const std::filesystem::path& path);

// The bytes of a .npy file holding `a` (version 1.0 unless the header needs 2.0).
std::vector<uint8_t> serialize_npy(const NpyArray& a);
// Writes `a` to `path` atomically: a failed write leaves no partial file.
Expected<void> write_npy(const std::filesystem::path& path, const NpyArray& a);

// The descr string numpy writes for a dtype: "<f4", "|i1", "|b1", ...
std::string npy_descr(DType t);

// Checks an array against what a model tensor expects. Errors are BadInput, located at `file` and `tensor`, and
// name both sides: "x.npy: tensor 'input': array shape [2,3] does not match the model's [1,28,28,1]".
Expected<void> check_npy_shape(const NpyArray& a, const std::string& file, const std::string& tensor,
                               const Shape& expected);
Expected<void> check_npy_dtype(const NpyArray& a, const std::string& file, const std::string& tensor,
                               DType expected);

}  // namespace tinyopt
