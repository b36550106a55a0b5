// formats/npy/npz.h: NumPy .npz archives: a zip file of .npy members, as np.savez (stored) and np.savez_compressed
// (deflate) write them; the member for key "x" is "x.npy".
//
// Reading goes through the zip central directory (the end-of-central-directory record, zip64 records when numpy's
// force_zip64 or a large archive needs them), then a member's local header for where its data starts. Members are
// stored (method 0) or deflate-compressed (method 8, inflated through zlib); anything else, encryption, or a
// multi-disk archive is a clear error. Every size and offset is checked against the file before anything is
// allocated for it, a member's inflated size must equal what the directory says and its CRC-32 must match, and a
// member may not expand past kMaxNpzMemberBytes. Writing .npz files is left to numpy (and to the tests' fixtures).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/npy/npy.h"

namespace tinyopt {

inline constexpr uint64_t kMaxNpzMemberBytes = (uint64_t{1} << 32) - 2;  // what zlib's 32-bit counters allow

struct NpzMember {
  std::string name;              // "x.npy"
  uint16_t method = 0;           // 0 stored, 8 deflate
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;  // bytes in the archive
  uint64_t size = 0;             // bytes once inflated
  uint64_t local_header_offset = 0;
};

struct NpzDirectory {
  std::filesystem::path path;
  uint64_t file_size = 0;
  std::vector<NpzMember> members;  // in directory order

  // The member "<key>.npy" (or exactly `key`), or nullptr.
  const NpzMember* find(const std::string& key) const;
};

// Reads and checks the archive's central directory. Errors name the file.
Expected<NpzDirectory> read_npz_directory(const std::filesystem::path& path);
// The member's bytes, inflated and CRC-checked. With `prefix_bytes` set, only the first prefix_bytes bytes are
// produced (no CRC check): enough for a .npy header without inflating the whole member. Errors name the file and
// the member.
Expected<std::vector<uint8_t>> read_npz_member(const NpzDirectory& dir, const NpzMember& member,
                                               uint64_t prefix_bytes = UINT64_MAX);
// The array stored under `key` ("x" reads "x.npy"); a missing key is an error listing the archive's members.
Expected<NpyArray> read_npz_array(const NpzDirectory& dir, const std::string& key);

}  // namespace tinyopt
