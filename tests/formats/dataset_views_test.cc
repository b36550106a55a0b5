// tests/formats/dataset_views_test.cc: shuffle / split / shard are deterministic (a fixed permutation per seed, the
// same on every run and platform), and bad dataset files are errors that name the file and the item.
#include <algorithm>
#include <filesystem>
#include <numeric>
#include <vector>

#include <doctest/doctest.h>

#include "formats/atomic_file.h"
#include "formats/dataset/dataset.h"
#include "formats/npy/npy.h"
#include "tests/formats/zip_fixture.h"

namespace tinyopt {
namespace {

namespace fs = std::filesystem;
using test::make_zip;

// Ten one-value samples 0..9 labelled 0..9, so a sample's value tells which one it is.
Dataset ten() {
  std::vector<float> v(10);
  std::iota(v.begin(), v.end(), 0.f);
  return Dataset::from_floats({1}, v, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
}

std::vector<int> ids(const Dataset& d) {
  std::vector<int> out;
  for (size_t i = 0; i < d.size(); ++i) {
    out.push_back(static_cast<int>(d.sample(i)->at(0)));
    CHECK(d.label(i) == out.back());  // labels follow their samples through every view
  }
  return out;
}

TEST_CASE("shuffle is a fixed permutation of the seed; split and shard cover every sample once") {
  const Dataset d = ten();
  const std::vector<int> a = ids(d.shuffled(42)), b = ids(d.shuffled(42));
  CHECK(a == b);
  // The permutation for seed 42 (ir/rng.h: SplitMix64 + Fisher-Yates), pinned so that a change of generator shows.
  CHECK(a == std::vector<int>{0, 9, 5, 8, 6, 4, 7, 2, 1, 3});
  CHECK(ids(d.shuffled(43)) != a);
  std::vector<int> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == ids(d));

  const auto [train, test] = d.shuffled(42).split(0.8);
  CHECK(train.size() == 8);
  CHECK(test.size() == 2);
  CHECK(ids(test) == std::vector<int>{1, 3});

  std::vector<int> joined;
  for (size_t s = 0; s < 3; ++s) {
    const std::vector<int> part = ids(d.shard(s, 3));
    CHECK(part.size() >= 3);
    joined.insert(joined.end(), part.begin(), part.end());
  }
  CHECK(joined == ids(d));
  CHECK(ids(d.shard(1, 3)) == std::vector<int>{3, 4, 5});
  CHECK(d.shard(3, 3).empty());
  CHECK(ids(d.slice(8, 5)) == std::vector<int>{8, 9});
  CHECK(ids(d.first(2)) == std::vector<int>{0, 1});
}

TEST_CASE("dataset errors name the file and the item") {
  const fs::path dir = fs::temp_directory_path() / "tinyopt_dataset_errors";
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto message = [](const Expected<Dataset>& d) { return d ? std::string("(no error)") : d.error().to_string(); };

  // A shape that does not fit the model input names the file, the tensor and both shapes.
  REQUIRE(write_npy(dir / "wide.npy", make_npy<float>({2, 15}, std::vector<float>(30, 0.f))));
  const std::string shape = message(open_dataset(dir / "wide.npy", {.inputs = {{"input", {1, 5, 3}}}}));
  CHECK(shape.find("wide.npy: tensor 'input': array shape [2,15] does not match the model's input [1,5,3]") != std::string::npos);

  // A truncated .npy fails at open, before any sample is read.
  const std::vector<uint8_t> full = serialize_npy(make_npy<float>({4, 4}, std::vector<float>(16, 1.f)));
  REQUIRE(write_file_atomically(dir / "cut.npy", std::span<const uint8_t>(full.data(), full.size() - 8)));
  CHECK(message(open_dataset(dir / "cut.npy")).find("cut.npy: shape [4,4] of float32 needs 64 data bytes but the file holds 56") !=
        std::string::npos);

  // npz: a truncated archive, a member whose CRC does not match, and a missing key name the archive and member.
  const std::vector<uint8_t> zip = make_zip({{"x.npy", full}}, true);
  REQUIRE(write_file_atomically(dir / "cut.npz", std::span<const uint8_t>(zip.data(), zip.size() - 30)));
  CHECK(message(open_dataset(dir / "cut.npz")).find("cut.npz") != std::string::npos);
  std::vector<uint8_t> stored = make_zip({{"x.npy", full}}, false);
  stored[30 + 5 + 128 + 3] ^= 0xff;  // one data byte of the stored member (local header, name, npy header)
  REQUIRE(write_file_atomically(dir / "crc.npz", stored));
  // (A member this small is read whole to find its header, so the CRC is checked at open.)
  CHECK(message(open_dataset(dir / "crc.npz")).find("crc.npz: member 'x.npy': CRC-32 mismatch") != std::string::npos);
  REQUIRE(write_file_atomically(dir / "nox.npz", make_zip({{"inputs.npy", full}}, false)));
  CHECK(message(open_dataset(dir / "nox.npz")).find("nox.npz: no member 'x.npy' (the archive holds: inputs.npy)") != std::string::npos);

  // Labels that do not match the samples name the labels file; a missing source is named too.
  REQUIRE(write_npy(dir / "y.npy", make_npy<int32_t>({3}, std::vector<int32_t>{0, 1, 2})));
  CHECK(message(open_dataset({dir / "wide.npy"}, dir / "y.npy")).find("y.npy: labels [3] do not have one entry per sample") !=
        std::string::npos);
  CHECK(message(open_dataset(dir / "none.npy")).find("none.npy: no such file or folder") != std::string::npos);
  // Pixel data refuses wide integers, naming the file and the dtype.
  REQUIRE(write_npy(dir / "i32.npy", make_npy<int32_t>({3}, std::vector<int32_t>{0, 1, 2})));
  CHECK(message(open_dataset(dir / "i32.npy")).find("i32.npy: array dtype int32 is not usable") != std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tinyopt
