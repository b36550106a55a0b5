// formats/npy/npz.cc: the zip reading behind npz.h: end-of-central-directory search, central directory entries
// (with zip64 extra fields), local headers, stored and deflate members through zlib's raw inflate.
//
// Record layouts (PKWARE APPNOTE 6.3, little-endian): end of central directory "PK\5\6" (22 bytes + comment),
// zip64 locator "PK\6\7" (20 bytes) just before it pointing at the zip64 end record "PK\6\6"; central directory
// entries "PK\1\2" (46 bytes + name + extra + comment); local headers "PK\3\4" (30 bytes + name + extra).
#include "formats/npy/npz.h"

#include <algorithm>
#include <cstdint>
#include <fstream>

#include <zlib.h>

namespace tinyopt {
namespace {

constexpr uint32_t kEndSignature = 0x06054b50, kZip64EndSignature = 0x06064b50, kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kCentralSignature = 0x02014b50, kLocalSignature = 0x04034b50;
constexpr size_t kEndBytes = 22, kMaxCommentBytes = 65535;

uint64_t le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int k = 0; k < n; ++k) v |= uint64_t{p[k]} << (8 * k);
  return v;
}

// Reads `n` bytes at `offset`; the range has been checked against the file size by the caller.
Expected<std::vector<uint8_t>> read_range(const std::filesystem::path& path, uint64_t offset, uint64_t n) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return fail(Errc::BadInput, {.file = path.string()}, "cannot open the file");
  std::vector<uint8_t> out(static_cast<size_t>(n));
  f.seekg(static_cast<std::streamoff>(offset));
  f.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(n));
  if (static_cast<uint64_t>(f.gcount()) != n)
    return fail(Errc::BadInput, {.file = path.string()}, "cannot read {} bytes at offset {}", n, offset);
  return out;
}

Error corrupt(const NpzDirectory& d, const std::string& what) {
  return fail(Errc::BadInput, {.file = d.path.string()}, "not a valid .npz (zip) archive: {}", what);
}

// Fills 0xFFFFFFFF sizes and offsets of a central directory entry from its zip64 extra field (id 0x0001).
bool apply_zip64_extra(const uint8_t* extra, size_t n, NpzMember& m, bool usize_wide, bool csize_wide, bool offset_wide) {
  for (size_t i = 0; i + 4 <= n;) {
    const uint64_t id = le(extra + i, 2), len = le(extra + i + 2, 2);
    if (i + 4 + len > n) return false;
    if (id == 0x0001) {
      size_t at = i + 4;
      auto take = [&](uint64_t& field) {
        if (at + 8 > i + 4 + len) return false;
        field = le(extra + at, 8);
        at += 8;
        return true;
      };
      if (usize_wide && !take(m.size)) return false;
      if (csize_wide && !take(m.compressed_size)) return false;
      if (offset_wide && !take(m.local_header_offset)) return false;
      return true;
    }
    i += 4 + static_cast<size_t>(len);
  }
  return !(usize_wide || csize_wide || offset_wide);
}

}  // namespace

const NpzMember* NpzDirectory::find(const std::string& key) const {
  for (const NpzMember& m : members)
    if (m.name == key + ".npy" || m.name == key) return &m;
  return nullptr;
}

Expected<NpzDirectory> read_npz_directory(const std::filesystem::path& path) {
  NpzDirectory d;
  d.path = path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return fail(Errc::BadInput, {.file = path.string()}, "no such file (or not a regular file)");
  d.file_size = std::filesystem::file_size(path, ec);
  if (ec || d.file_size < kEndBytes) return corrupt(d, "too short for an end-of-central-directory record");

  // The end record is the last 22 bytes plus a comment of at most 64 KiB: search that tail backwards.
  const uint64_t tail_bytes = std::min<uint64_t>(d.file_size, kEndBytes + kMaxCommentBytes);
  Expected<std::vector<uint8_t>> tail = read_range(path, d.file_size - tail_bytes, tail_bytes);
  if (!tail) return tail.take_error();
  int64_t end_at = -1;
  for (int64_t i = static_cast<int64_t>(tail->size() - kEndBytes); i >= 0; --i)
    if (le(tail->data() + i, 4) == kEndSignature) { end_at = i; break; }
  if (end_at < 0) return corrupt(d, "no end-of-central-directory record");
  const uint8_t* e = tail->data() + end_at;
  if (le(e + 4, 2) != 0 || le(e + 6, 2) != 0) return corrupt(d, "multi-disk archives are not supported");
  uint64_t entries = le(e + 10, 2), cd_size = le(e + 12, 4), cd_offset = le(e + 16, 4);
  const uint64_t end_offset = d.file_size - tail_bytes + static_cast<uint64_t>(end_at);
  if (entries == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
    if (end_offset < 20) return corrupt(d, "zip64 sizes without a zip64 locator");
    Expected<std::vector<uint8_t>> loc = read_range(path, end_offset - 20, 20);
    if (!loc) return loc.take_error();
    if (le(loc->data(), 4) != kZip64LocatorSignature) return corrupt(d, "zip64 sizes without a zip64 locator");
    const uint64_t z_offset = le(loc->data() + 8, 8);
    if (z_offset > d.file_size || d.file_size - z_offset < 56) return corrupt(d, "zip64 end record outside the file");
    Expected<std::vector<uint8_t>> z = read_range(path, z_offset, 56);
    if (!z) return z.take_error();
    if (le(z->data(), 4) != kZip64EndSignature) return corrupt(d, "bad zip64 end record");
    entries = le(z->data() + 32, 8);
    cd_size = le(z->data() + 40, 8);
    cd_offset = le(z->data() + 48, 8);
  }
  if (cd_offset > d.file_size || cd_size > d.file_size - cd_offset)
    return corrupt(d, "the central directory lies outside the file");
  if (entries > cd_size / 46) return corrupt(d, fmt::format("{} entries cannot fit a {}-byte directory", entries, cd_size));
  Expected<std::vector<uint8_t>> cd = read_range(path, cd_offset, cd_size);
  if (!cd) return cd.take_error();

  size_t at = 0;
  for (uint64_t k = 0; k < entries; ++k) {
    if (at + 46 > cd->size() || le(cd->data() + at, 4) != kCentralSignature)
      return corrupt(d, fmt::format("central directory entry {} is truncated or corrupt", k));
    const uint8_t* c = cd->data() + at;
    const size_t name_len = le(c + 28, 2), extra_len = le(c + 30, 2), comment_len = le(c + 32, 2);
    if (at + 46 + name_len + extra_len + comment_len > cd->size())
      return corrupt(d, fmt::format("central directory entry {} runs past the directory", k));
    NpzMember m;
    m.name.assign(reinterpret_cast<const char*>(c + 46), name_len);
    if (le(c + 8, 2) & 1) return fail(Errc::Unsupported, {.file = path.string()}, "member '{}' is encrypted", m.name);
    m.method = static_cast<uint16_t>(le(c + 10, 2));
    m.crc32 = static_cast<uint32_t>(le(c + 16, 4));
    m.compressed_size = le(c + 20, 4);
    m.size = le(c + 24, 4);
    m.local_header_offset = le(c + 42, 4);
    if (!apply_zip64_extra(c + 46 + name_len, extra_len, m, m.size == 0xFFFFFFFF, m.compressed_size == 0xFFFFFFFF,
                           m.local_header_offset == 0xFFFFFFFF))
      return corrupt(d, fmt::format("member '{}' has a bad zip64 extra field", m.name));
    d.members.push_back(std::move(m));
    at += 46 + name_len + extra_len + comment_len;
  }
  return d;
}

Expected<std::vector<uint8_t>> read_npz_member(const NpzDirectory& d, const NpzMember& m, uint64_t prefix_bytes) {
  const std::string file = d.path.string();
  auto bad = [&](const std::string& what) {
    return fail(Errc::BadInput, {.file = file}, "member '{}': {}", m.name, what);
  };
  if (m.method != 0 && m.method != 8)
    return fail(Errc::Unsupported, {.file = file}, "member '{}': compression method {} is not supported (stored or deflate)",
                m.name, m.method);
  if (m.size > kMaxNpzMemberBytes) return bad(fmt::format("{} bytes once inflated, over the {}-byte limit", m.size, kMaxNpzMemberBytes));
  if (m.method == 0 && m.compressed_size != m.size) return bad("a stored member whose two sizes differ");
  if (m.local_header_offset > d.file_size || d.file_size - m.local_header_offset < 30) return bad("local header outside the file");
  Expected<std::vector<uint8_t>> local = read_range(d.path, m.local_header_offset, 30);
  if (!local) return local.take_error();
  if (le(local->data(), 4) != kLocalSignature) return bad("bad local header signature");
  const uint64_t data_offset = m.local_header_offset + 30 + le(local->data() + 26, 2) + le(local->data() + 28, 2);
  if (data_offset > d.file_size || m.compressed_size > d.file_size - data_offset)
    return bad(fmt::format("{} compressed bytes run past the end of the file (truncated archive?)", m.compressed_size));

  const uint64_t want = std::min(m.size, prefix_bytes);
  const bool whole = want == m.size;
  if (m.method == 0) {
    Expected<std::vector<uint8_t>> bytes = read_range(d.path, data_offset, want);
    if (!bytes) return bytes.take_error();
    if (whole && crc32_z(0L, bytes->data(), bytes->size()) != m.crc32) return bad("CRC-32 mismatch");
    return bytes;
  }
  // zlib counts in 32-bit uInt; kMaxNpzMemberBytes keeps the inflated side below that, the file bounds the packed one.
  if (m.compressed_size >= UINT32_MAX) return bad("compressed member over 4 GiB");
  Expected<std::vector<uint8_t>> packed = read_range(d.path, data_offset, m.compressed_size);
  if (!packed) return packed.take_error();
  // One byte more than declared for a whole member, so that a stream longer than its declared size is caught.
  // The output grows as the stream inflates, not to the declared size at once: a 200-byte archive may claim a
  // 4 GiB member (a fuzz finding: tests/fuzz/regressions/npz/), and only a stream that really inflates that far
  // gets the memory.
  const uint64_t limit = want + (whole ? 1 : 0);
  std::vector<uint8_t> out(static_cast<size_t>(std::min<uint64_t>(limit, std::max<uint64_t>(packed->size() * 4, 1 << 16))));
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return fail(Errc::Internal, {.file = file}, "zlib inflateInit2 failed");
  z.next_in = packed->data();
  z.avail_in = static_cast<uInt>(packed->size());
  int rc = Z_OK;
  uint64_t produced = 0;
  for (;;) {
    if (produced == out.size()) {
      if (out.size() == limit) break;
      out.resize(static_cast<size_t>(std::min<uint64_t>(limit, 2 * out.size())));
    }
    z.next_out = out.data() + produced;
    z.avail_out = static_cast<uInt>(out.size() - produced);
    rc = inflate(&z, Z_NO_FLUSH);
    produced = out.size() - z.avail_out;
    if (rc != Z_OK) break;  // the end (Z_STREAM_END), corrupt data, or no progress left (input exhausted)
  }
  inflateEnd(&z);
  if (produced < want)
    return bad(fmt::format("inflates to {} bytes, the directory says {} (truncated or corrupt deflate stream)", produced, m.size));
  if (whole && (rc != Z_STREAM_END || produced != m.size))
    return bad(produced > m.size ? "inflates to more bytes than the directory says" : "corrupt deflate stream");
  out.resize(static_cast<size_t>(want));
  if (whole && crc32_z(0L, out.data(), out.size()) != m.crc32) return bad("CRC-32 mismatch");
  return out;
}

Expected<NpyArray> read_npz_array(const NpzDirectory& d, const std::string& key) {
  const NpzMember* m = d.find(key);
  if (!m) {
    std::string names;
    for (const NpzMember& x : d.members) names += (names.empty() ? "" : ", ") + x.name;
    return fail(Errc::BadInput, {.file = d.path.string()}, "no member '{}.npy' (the archive holds: {})", key,
                names.empty() ? "nothing" : names);
  }
  Expected<std::vector<uint8_t>> bytes = read_npz_member(d, *m);
  if (!bytes) return bytes.take_error();
  Expected<NpyArray> a = parse_npy(*bytes, d.path.string());
  if (!a) {
    Error e = a.take_error();
    e.message = fmt::format("member '{}': {}", m->name, e.message);
    return e;
  }
  return a;
}

}  // namespace tinyopt
