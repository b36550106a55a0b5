// tests/fuzz/idx_fuzzer.cc: the IDX reader: parse_idx on the bytes as they are and, when they start with the gzip
// magic, read_idx on them as a file, through zlib's gzip decoder. An accepted file must hold exactly its
// dimensions' bytes.
//
// Seeds: small IDX files cut from the Fashion-MNIST test set, plain and gzip-compressed, and a truncated gzip
// stream (scripts/fuzz.sh makes them from /usr/share/datasets/fashion-mnist).
#include "formats/idx.h"
#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {
namespace {

void check_accepted(const Expected<IdxArray>& a) {
  if (a && a->data.size() != static_cast<size_t>(num_elements(a->shape)))
    property_failed("idx", "IDX array of shape " + shape_to_string(a->shape) + " holds " +
                               std::to_string(a->data.size()) + " bytes");
}

}  // namespace

int idx_fuzzer(std::span<const uint8_t> input) {
  check_accepted(parse_idx(input, "fuzz.idx"));
  // Through a file only for gzip streams: read_idx reads plain files unchanged, and each file costs milliseconds.
  if (input.size() >= 2 && input[0] == 0x1f && input[1] == 0x8b)
    check_accepted(read_idx(scratch_file("idx", input, "-idx3-ubyte.gz")));
  return 0;
}

}  // namespace tinyopt::fuzz
