// tests/fuzz/npz_fuzzer.cc: the .npz (zip) reader behind `.npz` datasets (formats/npy/npz.h): the end-of-central-
// directory search, zip64 records, central directory entries, local headers, stored and deflate members. Then
// what open_dataset does with an archive: a member's first bytes (enough for its .npy header) and the arrays under
// "x" and "y". The reader takes a path, so each input goes through a scratch file. Properties of an accepted
// input: a member's prefix is what was asked (or the whole member, when shorter) and is the start of the whole
// member; a whole member has the directory's size; an array parsed from a member holds its shape's bytes.
//
// Seeds: tests/fuzz/corpus/npz/ (committed): np.savez and np.savez_compressed archives of Fashion-MNIST test
// images and labels, and a zip64 end record written by hand (corpus/README.md).
#include <algorithm>

#include "formats/npy/npz.h"
#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {
namespace {

constexpr uint64_t kPrefixBytes = 64;  // a .npy magic, version and the start of its header
constexpr size_t kMembersTried = 4;

}  // namespace

int npz_fuzzer(std::span<const uint8_t> input) {
  Expected<NpzDirectory> dir = read_npz_directory(scratch_file("npz", input, ".npz"));
  if (!dir) return 0;
  for (size_t k = 0; k < std::min(dir->members.size(), kMembersTried); ++k) {
    const NpzMember& m = dir->members[k];
    Expected<std::vector<uint8_t>> prefix = read_npz_member(*dir, m, kPrefixBytes);
    Expected<std::vector<uint8_t>> whole = read_npz_member(*dir, m);
    if (prefix && prefix->size() != std::min(m.size, kPrefixBytes))
      property_failed("npz", "member '" + m.name + "': a prefix of " + std::to_string(prefix->size()) + " bytes");
    if (!whole) continue;
    if (whole->size() != m.size)
      property_failed("npz", "member '" + m.name + "' reads " + std::to_string(whole->size()) + " bytes, not " +
                                 std::to_string(m.size));
    if (!prefix || !std::equal(prefix->begin(), prefix->end(), whole->begin()))
      property_failed("npz", "member '" + m.name + "': its prefix is not the start of the whole member");
  }
  for (const char* key : {"x", "y"}) {
    Expected<NpyArray> a = read_npz_array(*dir, key);
    if (a && a->data.size() != static_cast<size_t>(a->num_elements()) * dtype_size(a->dtype))
      property_failed("npz", std::string("array '") + key + "' of shape " + shape_to_string(a->shape) + " holds " +
                                 std::to_string(a->data.size()) + " bytes");
  }
  return 0;
}

}  // namespace tinyopt::fuzz
