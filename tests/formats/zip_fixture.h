// tests/formats/zip_fixture.h: writes small .npz (zip) archives for the dataset tests, as np.savez (stored members)
// and np.savez_compressed (raw deflate members) lay them out: local header + data per member, then the central
// directory and the end record. No zip64, no data descriptors: enough for fixtures of a few KB.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <zlib.h>

namespace tinyopt::test {

inline void put_le(std::vector<uint8_t>& out, uint64_t v, int bytes) {
  for (int k = 0; k < bytes; ++k) out.push_back(static_cast<uint8_t>(v >> (8 * k)));
}

// Members (name, bytes); `compress` deflates each with raw deflate (method 8), else they are stored (method 0).
inline std::vector<uint8_t> make_zip(const std::vector<std::pair<std::string, std::vector<uint8_t>>>& members, bool compress) {
  std::vector<uint8_t> out, directory;
  for (const auto& member : members) {
    const auto& name = member.first;  // not a structured binding: the lambda below captures it (clang 14)
    const auto& data = member.second;
    std::vector<uint8_t> packed = data;
    if (compress) {
      z_stream z{};
      deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
      packed.resize(deflateBound(&z, static_cast<uLong>(data.size())));
      z.next_in = const_cast<Bytef*>(data.data());
      z.avail_in = static_cast<uInt>(data.size());
      z.next_out = packed.data();
      z.avail_out = static_cast<uInt>(packed.size());
      ::deflate(&z, Z_FINISH);
      packed.resize(z.total_out);
      deflateEnd(&z);
    }
    const uint32_t crc = static_cast<uint32_t>(crc32(0L, data.data(), static_cast<uInt>(data.size())));
    const uint64_t offset = out.size();
    auto common = [&](std::vector<uint8_t>& v) {  // version needed .. extra length, shared by both headers
      put_le(v, 20, 2), put_le(v, 0, 2), put_le(v, compress ? 8 : 0, 2), put_le(v, 0, 2), put_le(v, 0x21, 2);
      put_le(v, crc, 4), put_le(v, packed.size(), 4), put_le(v, data.size(), 4), put_le(v, name.size(), 2), put_le(v, 0, 2);
    };
    put_le(out, 0x04034b50, 4);
    common(out);
    out.insert(out.end(), name.begin(), name.end());
    out.insert(out.end(), packed.begin(), packed.end());
    put_le(directory, 0x02014b50, 4);
    put_le(directory, 20, 2);  // version made by
    common(directory);
    put_le(directory, 0, 2), put_le(directory, 0, 2), put_le(directory, 0, 2), put_le(directory, 0, 4);  // comment, disk, attrs
    put_le(directory, offset, 4);
    directory.insert(directory.end(), name.begin(), name.end());
  }
  const uint64_t cd_offset = out.size();
  out.insert(out.end(), directory.begin(), directory.end());
  put_le(out, 0x06054b50, 4), put_le(out, 0, 2), put_le(out, 0, 2);
  put_le(out, members.size(), 2), put_le(out, members.size(), 2);
  put_le(out, directory.size(), 4), put_le(out, cd_offset, 4), put_le(out, 0, 2);
  return out;
}

}  // namespace tinyopt::test
