// formats/npy/npy.cc: .npy parsing (preamble, Python-dict header, byte order) and writing.
//
// File layout (numpy's NEP 1 "format.py"): the magic "\x93NUMPY", major and minor version bytes, the header
// length (uint16 little-endian in 1.0, uint32 in 2.0 and 3.0), the header text - a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 28, 28, 1), } padded with spaces and ended by '\n' -
// and then the raw elements.
#include "formats/npy/npy.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>

#include "formats/atomic_file.h"

namespace tinyopt {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr size_t kMaxHeaderBytes = 1 << 20;  // numpy itself refuses headers over 10 KB unless told otherwise

// The parts of the header dict we use.
struct NpyHeader {
  std::string descr;
  std::optional<bool> fortran_order;
  std::optional<Shape> shape;
};

// A cursor over the header text; every parse_* returns false on a syntax error and leaves `error` set.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : s_(text) {}

  bool parse(NpyHeader& h) {
    skip_space();
    if (!eat('{')) return syntax("expected '{'");
    for (;;) {
      skip_space();
      if (eat('}')) return true;
      std::string key;
      if (!parse_string(key)) return syntax("expected a quoted key");
      skip_space();
      if (!eat(':')) return syntax("expected ':' after '" + key + "'");
      skip_space();
      if (key == "descr") {
        if (peek() == '[') return fail_with("structured dtypes (a list as 'descr') are not supported");
        if (!parse_string(h.descr)) return syntax("expected a string for 'descr'");
      } else if (key == "fortran_order") {
        bool b = false;
        if (!parse_bool(b)) return syntax("expected True or False for 'fortran_order'");
        h.fortran_order = b;
      } else if (key == "shape") {
        Shape shape;
        if (!parse_shape(shape)) return false;
        h.shape = std::move(shape);
      } else {
        return fail_with("unknown header key '" + key + "'");
      }
      skip_space();
      if (eat(',')) continue;
      skip_space();
      if (eat('}')) return true;
      return syntax("expected ',' or '}'");
    }
  }

  const std::string& error() const { return error_; }

 private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool syntax(const std::string& what) { return fail_with("bad header at character " + std::to_string(i_) + ": " + what); }
  bool fail_with(const std::string& what) {
    error_ = what;
    return false;
  }
  bool parse_string(std::string& out) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') return false;
    ++i_;
    const size_t end = s_.find(quote, i_);
    if (end == std::string_view::npos) return false;
    out.assign(s_.substr(i_, end - i_));
    i_ = end + 1;
    return true;
  }
  bool parse_bool(bool& out) {
    if (s_.substr(i_, 4) == "True") { out = true; i_ += 4; return true; }
    if (s_.substr(i_, 5) == "False") { out = false; i_ += 5; return true; }
    return false;
  }
  // "()", "(3,)", "(1, 28, 28, 1)"; numpy writes Python ints, possibly with an "L" suffix from Python 2.
  bool parse_shape(Shape& out) {
    if (!eat('(')) return syntax("expected a tuple for 'shape'");
    for (;;) {
      skip_space();
      if (eat(')')) return true;
      if (peek() == '-') return fail_with("negative dimension in 'shape'");
      if (peek() < '0' || peek() > '9') return syntax("expected a dimension in 'shape'");
      int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        v = v * 10 + (peek() - '0');
        if (v > kMaxTensorElements) return fail_with("dimension in 'shape' is too large");
        ++i_;
      }
      eat('L');
      out.push_back(static_cast<int32_t>(v));
      skip_space();
      if (eat(',')) continue;
      skip_space();
      if (eat(')')) return true;
      return syntax("expected ',' or ')' in 'shape'");
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string error_;
};

// Element type and byte order of a descr such as "<f4" or "|u1". `swap` is set for big-endian multi-byte data.
std::optional<DType> dtype_from_descr(const std::string& descr, bool& swap) {
  if (descr.size() < 3) return std::nullopt;
  const char order = descr[0];
  if (order != '<' && order != '>' && order != '|' && order != '=') return std::nullopt;
  const std::string kind = descr.substr(1);
  std::optional<DType> t;
  if (kind == "f2") t = DType::Float16;
  else if (kind == "f4") t = DType::Float32;
  else if (kind == "f8") t = DType::Float64;
  else if (kind == "i1") t = DType::Int8;
  else if (kind == "u1") t = DType::UInt8;
  else if (kind == "i2") t = DType::Int16;
  else if (kind == "i4") t = DType::Int32;
  else if (kind == "i8") t = DType::Int64;
  else if (kind == "b1") t = DType::Bool;
  if (!t) return std::nullopt;
  // '=' is the writer's native order; every platform tinyopt builds for is little-endian.
  swap = order == '>' && dtype_size(*t) > 1;
  return t;
}

void byte_swap(std::vector<uint8_t>& data, size_t element_size) {
  for (size_t i = 0; i + element_size <= data.size(); i += element_size)
    std::reverse(data.begin() + static_cast<std::ptrdiff_t>(i),
                 data.begin() + static_cast<std::ptrdiff_t>(i + element_size));
}

uint32_t read_le(std::span<const uint8_t> b, size_t at, size_t n) {
  uint32_t v = 0;
  for (size_t k = 0; k < n; ++k) v |= uint32_t{b[at + k]} << (8 * k);
  return v;
}

}  // namespace

std::string npy_descr(DType t) {
  switch (t) {
    case DType::Float32: return "<f4";
    case DType::Float16: return "<f2";
    case DType::Float64: return "<f8";
    case DType::Int8: return "|i1";
    case DType::UInt8: return "|u1";
    case DType::Int16: return "<i2";
    case DType::Int32: return "<i4";
    case DType::Int64: return "<i8";
    case DType::Bool: return "|b1";
  }
  return "|u1";
}

Expected<NpyLayout> parse_npy_header(std::span<const uint8_t> bytes, const std::string& name) {
  const Location at{.file = name};
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
    return fail(Errc::BadInput, at, "not a .npy file (no \\x93NUMPY magic)");
  const int major = bytes[6], minor = bytes[7];
  if (major < 1 || major > 3 || minor != 0)
    return fail(Errc::BadInput, at, "unsupported .npy format version {}.{} (1.0, 2.0 and 3.0 are read)", major, minor);
  const size_t len_bytes = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + len_bytes) return fail(Errc::BadInput, at, "truncated .npy preamble");
  const size_t header_len = read_le(bytes, 8, len_bytes);
  const size_t data_start = 8 + len_bytes + header_len;
  if (header_len > kMaxHeaderBytes || data_start > bytes.size())
    return fail(Errc::BadInput, at, "header length {} runs past the end of the file ({} bytes)", header_len,
                bytes.size());
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()) + 8 + len_bytes, header_len);

  NpyHeader h;
  HeaderParser parser(text);
  if (!parser.parse(h)) return fail(Errc::BadInput, at, "{}", parser.error());
  if (h.descr.empty() || !h.fortran_order || !h.shape)
    return fail(Errc::BadInput, at, "header lacks one of 'descr', 'fortran_order', 'shape'");
  bool swap = false;
  const std::optional<DType> dtype = dtype_from_descr(h.descr, swap);
  if (!dtype)
    return fail(Errc::BadInput, at,
                "unsupported dtype '{}' (int8, uint8, int16, int32, int64, float16, float32, float64, bool are read)",
                h.descr);
  if (*h.fortran_order && h.shape->size() > 1)
    return fail(Errc::BadInput, at, "Fortran-order arrays are not supported; save it with np.ascontiguousarray");
  const std::optional<int64_t> count = checked_num_elements(*h.shape);
  if (!count) return fail(Errc::BadInput, at, "shape {} is too large", shape_to_string(*h.shape));
  return NpyLayout{*dtype, std::move(*h.shape), data_start, static_cast<uint64_t>(*count) * dtype_size(*dtype), swap};
}

Expected<void> check_npy_data_size(const NpyLayout& layout, uint64_t total_bytes, const std::string& name) {
  const uint64_t have = total_bytes - layout.data_offset;
  if (have != layout.data_bytes)
    return fail(Errc::BadInput, {.file = name}, "shape {} of {} needs {} data bytes but the file holds {}",
                shape_to_string(layout.shape), dtype_name(layout.dtype), layout.data_bytes, have);
  return {};
}

Expected<NpyArray> parse_npy(std::span<const uint8_t> bytes, const std::string& name) {
  Expected<NpyLayout> layout = parse_npy_header(bytes, name);
  if (!layout) return layout.take_error();
  if (Expected<void> ok = check_npy_data_size(*layout, bytes.size(), name); !ok) return ok.take_error();
  NpyArray a{layout->dtype, std::move(layout->shape), {}};
  a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(layout->data_offset), bytes.end());
  if (layout->big_endian) byte_swap(a.data, dtype_size(a.dtype));
  if (a.dtype == DType::Bool)
    for (uint8_t& b : a.data) b = b != 0;  // keep bools canonical: other values are UB as C++ bool
  return a;
}

Expected<NpyArray> read_npy(const std::filesystem::path& path) {
  Expected<std::vector<uint8_t>> bytes = read_file(path);
  if (!bytes) return bytes.take_error();
  return parse_npy(*bytes, path.string());
}

Expected<NpyLayout> read_npy_header(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return fail(Errc::BadInput, {.file = name}, "no such file (or not a regular file)");
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return fail(Errc::BadInput, {.file = name}, "cannot read the file size");
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(Errc::BadInput, {.file = name}, "cannot open the file");
  // The preamble says how long the header is; read that much (bounded by kMaxHeaderBytes and the file).
  std::vector<uint8_t> head(static_cast<size_t>(std::min<uint64_t>(size, 12)));
  f.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  if (head.size() >= 10 && std::memcmp(head.data(), kMagic.data(), kMagic.size()) == 0) {
    const size_t len_bytes = head[6] == 1 ? 2 : 4;
    if (head.size() >= 8 + len_bytes) {
      const uint64_t want = std::min<uint64_t>(size, 8 + len_bytes + std::min<size_t>(read_le(head, 8, len_bytes), kMaxHeaderBytes + 1));
      const size_t have = head.size();
      head.resize(static_cast<size_t>(want));
      f.read(reinterpret_cast<char*>(head.data() + have), static_cast<std::streamsize>(want - have));
    }
  }
  Expected<NpyLayout> layout = parse_npy_header(head, name);
  if (!layout) return layout;
  if (Expected<void> ok = check_npy_data_size(*layout, size, name); !ok) return ok.take_error();
  return layout;
}

std::vector<uint8_t> serialize_npy(const NpyArray& a) {
  std::string shape = "(";
  for (size_t i = 0; i < a.shape.size(); ++i) {
    if (i) shape += ", ";
    shape += std::to_string(a.shape[i]);
  }
  if (a.shape.size() == 1) shape += ",";
  shape += ")";
  std::string header = "{'descr': '" + npy_descr(a.dtype) + "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad with spaces so that the data starts on a 64-byte boundary, the header ending in '\n' (numpy's layout).
  const bool v2 = header.size() + 1 + 10 > 65535;
  const size_t preamble = v2 ? 12 : 10;
  const size_t total = (preamble + header.size() + 1 + 63) / 64 * 64;
  header.append(total - preamble - header.size() - 1, ' ');
  header += '\n';

  std::vector<uint8_t> out(kMagic.begin(), kMagic.end());
  out.push_back(v2 ? 2 : 1);
  out.push_back(0);
  const size_t n = header.size();
  for (size_t k = 0; k < (v2 ? 4u : 2u); ++k) out.push_back(static_cast<uint8_t>(n >> (8 * k)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), a.data.begin(), a.data.end());
  return out;
}

Expected<void> write_npy(const std::filesystem::path& path, const NpyArray& a) {
  const std::optional<int64_t> count = checked_num_elements(a.shape);
  if (!count || static_cast<uint64_t>(*count) * dtype_size(a.dtype) != a.data.size())
    return fail(Errc::Internal, {.file = path.string()}, "array of shape {} {} holds {} bytes",
                shape_to_string(a.shape), dtype_name(a.dtype), a.data.size());
  const std::vector<uint8_t> bytes = serialize_npy(a);
  return write_file_atomically(path, bytes);
}

Expected<void> check_npy_shape(const NpyArray& a, const std::string& file, const std::string& tensor,
                               const Shape& expected) {
  if (a.shape == expected) return {};
  return fail(Errc::BadInput, {.file = file, .tensor = tensor}, "array shape {} does not match the model's {}",
              shape_to_string(a.shape), shape_to_string(expected));
}

Expected<void> check_npy_dtype(const NpyArray& a, const std::string& file, const std::string& tensor,
                               DType expected) {
  if (a.dtype == expected) return {};
  return fail(Errc::BadInput, {.file = file, .tensor = tensor}, "array dtype {} does not match the model's {}",
              dtype_name(a.dtype), dtype_name(expected));
}

}  // namespace tinyopt
