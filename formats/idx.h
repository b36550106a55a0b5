// formats/idx.h: IDX files, the array format of the (Fashion-)MNIST data sets, optionally gzip-compressed.
//
// Layout (big-endian): two zero bytes, a type byte (0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32,
// 0x0E float64), a rank byte, `rank` uint32 dimensions, then the elements row-major. tinyopt reads the unsigned-byte
// type only, which is what image and label files use. A gzip-compressed file (the Debian dataset-fashion-mnist
// package ships `*-ubyte.gz`) is decompressed through zlib transparently; a plain file reads as is.
// Turning the bytes into samples (pixel / 255, NHWC) is left to formats/dataset/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "ir/diagnostic.h"
#include "ir/shape.h"

namespace tinyopt {

struct IdxArray {
  Shape shape;                // e.g. [60000, 28, 28] for images, [60000] for labels
  std::vector<uint8_t> data;  // num_elements(shape) bytes
};

// Parses the (already decompressed) bytes of an IDX file; `name` is used in error messages.
Expected<IdxArray> parse_idx(std::span<const uint8_t> bytes, const std::string& name);
// Reads a .idx or gzip-compressed .idx.gz / -ubyte.gz file. Errors name the file: missing, corrupt gzip stream,
// wrong magic, unsupported element type, or a size that disagrees with the dimensions.
Expected<IdxArray> read_idx(const std::filesystem::path& path);
// The dimensions in the header of a (possibly gzip-compressed) IDX file, without reading its data. The same
// header errors as read_idx; a data size that disagrees is found when the data is read.
Expected<Shape> read_idx_shape(const std::filesystem::path& path);

}  // namespace tinyopt
