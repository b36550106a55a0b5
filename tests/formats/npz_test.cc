// tests/formats/npz_test.cc: the .npz reader (formats/npy/npz.h) on archives numpy wrote (the npz fuzz target's
// committed seeds: np.savez, np.savez_compressed, and a zip64 end record) and on the fuzzer's findings.
#include <doctest/doctest.h>

#include <filesystem>

#include "formats/npy/npz.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {


NpyArray array(const char* file, const char* key) {
  Expected<NpzDirectory> dir = read_npz_directory(test::fuzz_input("npz", "corpus", file));
  REQUIRE_MESSAGE(dir.has_value(), (dir ? "" : dir.error().to_string()));
  Expected<NpyArray> a = read_npz_array(*dir, key);
  REQUIRE_MESSAGE(a.has_value(), (a ? "" : a.error().to_string()));
  return std::move(*a);
}

}  // namespace

TEST_CASE("npz: numpy's stored and deflated archives of Fashion-MNIST images read the same arrays") {
  const NpyArray stored_x = array("fmnist2_stored.npz", "x"), packed_x = array("fmnist2_compressed.npz", "x");
  CHECK(stored_x.dtype == DType::UInt8);
  CHECK(stored_x.shape == Shape{2, 28, 28, 1});
  CHECK(packed_x.shape == stored_x.shape);
  CHECK(packed_x.data == stored_x.data);
  const NpyArray y = array("fmnist2_compressed.npz", "y");
  CHECK(y.data == std::vector<uint8_t>{9, 2});  // the first two labels of t10k: ankle boot, pullover
  CHECK(array("fmnist1_float_x_only.npz", "x").shape == Shape{1, 14, 14, 1});
  // The same archive with its end record moved to zip64 records (sizes 0xFFFF / 0xFFFFFFFF in the classic one).
  const NpyArray plain = array("positional_int16.npz", "arr_0"), zip64 = array("positional_int16_zip64_end.npz", "arr_0");
  CHECK(plain.dtype == DType::Int16);
  CHECK(zip64.shape == plain.shape);
  CHECK(zip64.data == plain.data);
}

TEST_CASE("npz: a deflate member claiming 4 GiB in a 653-byte archive is an error, not a 4 GiB allocation") {
  const std::filesystem::path file = test::fuzz_input("npz", "regressions", "deflate_member_claiming_4gib.npz");
  Expected<NpzDirectory> dir = read_npz_directory(file);
  REQUIRE(dir.has_value());
  REQUIRE(dir->members.size() == 1);
  CHECK(dir->members[0].size > (uint64_t{3} << 30));
  Expected<std::vector<uint8_t>> member = read_npz_member(*dir, dir->members[0]);
  REQUIRE_FALSE(member.has_value());
  CHECK(member.error().code == Errc::BadInput);
  CHECK(member.error().to_string().starts_with(file.string() + ": member 'x.npy': inflates to "));
}

}  // namespace tinyopt
