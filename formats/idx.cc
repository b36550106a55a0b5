// formats/idx.cc: IDX reading with zlib's gz* interface (which reads plain files unchanged as well).
#include "formats/idx.h"

#include <zlib.h>

namespace tinyopt {
namespace {

// Decompressed IDX files larger than this are refused (Fashion-MNIST training images are 47 MB).
constexpr uint64_t kMaxIdxBytes = uint64_t{1} << 31;

// The header's dimensions (magic, element type, rank and dims checked); `bytes` may stop after the header.
Expected<Shape> parse_idx_header(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.size() < 4) return fail(Errc::BadInput, {.file = name}, "IDX file is too short ({} bytes)", bytes.size());
  if (bytes[0] != 0 || bytes[1] != 0)
    return fail(Errc::BadInput, {.file = name}, "not an IDX file (the magic number must start with two zero bytes)");
  if (bytes[2] != 0x08)
    return fail(Errc::Unsupported, {.file = name}, "IDX element type 0x{:02x} is not supported (only unsigned bytes, 0x08)",
                bytes[2]);
  const size_t rank = bytes[3];
  if (rank == 0 || bytes.size() < 4 + 4 * rank)
    return fail(Errc::BadInput, {.file = name}, "IDX header of rank {} does not fit in {} bytes", rank, bytes.size());
  Shape shape;
  for (size_t d = 0; d < rank; ++d) {
    const uint8_t* p = bytes.data() + 4 + 4 * d;
    const uint32_t dim = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
    if (dim > static_cast<uint32_t>(INT32_MAX))
      return fail(Errc::BadInput, {.file = name}, "IDX dimension {} is too large ({})", d, dim);
    shape.push_back(static_cast<int32_t>(dim));
  }
  return shape;
}

}  // namespace

Expected<IdxArray> parse_idx(std::span<const uint8_t> bytes, const std::string& name) {
  Expected<Shape> shape = parse_idx_header(bytes, name);
  if (!shape) return shape.take_error();
  IdxArray a;
  a.shape = std::move(*shape);
  const auto count = checked_num_elements(a.shape);
  const size_t header = 4 + 4 * a.shape.size();
  if (!count || static_cast<uint64_t>(*count) != bytes.size() - header)
    return fail(Errc::BadInput, {.file = name}, "IDX dimensions {} need {} bytes of data but the file has {}",
                shape_to_string(a.shape), count ? *count : -1, bytes.size() - header);
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return a;
}

Expected<IdxArray> read_idx(const std::filesystem::path& path) {
  const std::string name = path.string();
  gzFile f = gzopen(name.c_str(), "rb");
  if (!f) return fail(Errc::BadInput, {.file = name}, "cannot open the file");
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(1 << 20);
  for (;;) {
    const int n = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int err = 0;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      return fail(Errc::BadInput, {.file = name}, "cannot decompress: {}", msg);
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
    if (bytes.size() > kMaxIdxBytes) {
      gzclose(f);
      return fail(Errc::BadInput, {.file = name}, "file decompresses to more than {} bytes", kMaxIdxBytes);
    }
  }
  // gzread returns 0 both at a clean end and on a truncated stream; gzclose reports the latter.
  if (const int rc = gzclose(f); rc != Z_OK)
    return fail(Errc::BadInput, {.file = name}, "truncated or corrupt gzip stream (zlib error {})", rc);
  return parse_idx(bytes, name);
}

Expected<Shape> read_idx_shape(const std::filesystem::path& path) {
  const std::string name = path.string();
  gzFile f = gzopen(name.c_str(), "rb");
  if (!f) return fail(Errc::BadInput, {.file = name}, "cannot open the file");
  std::vector<uint8_t> header(4 + 4 * 255);  // the largest header: rank 255
  const int n = gzread(f, header.data(), static_cast<unsigned>(header.size()));
  gzclose(f);
  if (n < 0) return fail(Errc::BadInput, {.file = name}, "cannot decompress the header");
  header.resize(static_cast<size_t>(n));
  Expected<Shape> shape = parse_idx_header(header, name);
  if (shape && !checked_num_elements(*shape))
    return fail(Errc::BadInput, {.file = name}, "IDX dimensions {} are too large", shape_to_string(*shape));
  return shape;
}

}  // namespace tinyopt
