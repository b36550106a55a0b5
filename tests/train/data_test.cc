// tests/train/data_test.cc: IDX files (plain and gzip, corrupt ones), Fashion-MNIST from the Debian package, .npy
// training datasets (formats/dataset/), and the model builder's error path.
#include <algorithm>
#include <filesystem>
#include <vector>

#include <doctest/doctest.h>
#include <zlib.h>

#include "formats/atomic_file.h"
#include "formats/idx.h"
#include "formats/npy/npy.h"
#include "train/batching.h"
#include "formats/dataset/dataset.h"
#include "train/model_builder.h"

namespace tinyopt {
namespace {

namespace fs = std::filesystem;

fs::path temp_path(const std::string& name) { return fs::temp_directory_path() / ("tinyopt_train_test_" + name); }

// A 2x2x3 ubyte IDX array holding 0..11.
std::vector<uint8_t> idx_bytes() {
  std::vector<uint8_t> b{0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
  for (uint8_t i = 0; i < 12; ++i) b.push_back(i);
  return b;
}

TEST_CASE("IDX: plain and gzip files read the same; corrupt files are errors naming the file") {
  auto a = parse_idx(idx_bytes(), "x");
  REQUIRE(a.has_value());
  CHECK(a->shape == Shape{2, 2, 3});
  CHECK(a->data[11] == 11);

  const fs::path plain = temp_path("a.idx"), gz = temp_path("a.idx.gz");
  const auto bytes = idx_bytes();
  REQUIRE(write_file_atomically(plain, bytes).has_value());
  gzFile f = gzopen(gz.string().c_str(), "wb");
  REQUIRE(f != nullptr);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  auto p = read_idx(plain), z = read_idx(gz);
  REQUIRE(p.has_value());
  REQUIRE(z.has_value());
  CHECK(p->data == z->data);

  auto bad = idx_bytes();
  bad.pop_back();  // one byte short of 2*2*3
  auto e = parse_idx(bad, "short.idx");
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().to_string().find("short.idx") != std::string::npos);
  CHECK_FALSE(parse_idx(std::vector<uint8_t>{1, 2, 8, 1}, "m").has_value());        // bad magic
  CHECK_FALSE(parse_idx(std::vector<uint8_t>{0, 0, 0x0D, 1, 0, 0, 0, 0}, "f").has_value());  // float IDX
  CHECK_FALSE(parse_idx(std::vector<uint8_t>{0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "h").has_value());
  CHECK_FALSE(read_idx(temp_path("missing.idx")).has_value());

  // A truncated gzip stream.
  auto gz_bytes = read_file(gz);
  REQUIRE(gz_bytes.has_value());
  gz_bytes->resize(gz_bytes->size() - 6);
  const fs::path cut = temp_path("cut.idx.gz");
  REQUIRE(write_file_atomically(cut, *gz_bytes).has_value());
  CHECK_FALSE(read_idx(cut).has_value());
  fs::remove(plain), fs::remove(gz), fs::remove(cut);
}

TEST_CASE("Fashion-MNIST from the Debian package: 60,000 + 10,000 images in [0, 1], labels 0..9") {
  if (!fs::exists(fs::path(kFashionMnistDir) / "t10k-images-idx3-ubyte.gz")) {
    MESSAGE("skipped: dataset-fashion-mnist is not installed");
    return;
  }
  auto test = open_fashion_mnist(kFashionMnistDir, "t10k");
  REQUIRE_MESSAGE(test.has_value(), (test ? "" : test.error().to_string()));
  CHECK(test->size() == 10000);
  CHECK(test->sample_shape() == Shape{28, 28, 1});
  float lo = 1.f, hi = 0.f;
  std::vector<float> x(28 * 28);
  for (size_t s = 0; s < test->size(); ++s) {
    REQUIRE(test->read(s, x));
    lo = std::min(lo, *std::min_element(x.begin(), x.end()));
    hi = std::max(hi, *std::max_element(x.begin(), x.end()));
  }
  CHECK(hi == 1.f);
  CHECK(lo == 0.f);
  std::vector<int> counts(10, 0);
  for (size_t s = 0; s < test->size(); ++s) ++counts[static_cast<size_t>(test->label(s))];
  for (int c : counts) CHECK(c == 1000);  // t10k is balanced
  CHECK_FALSE(open_fashion_mnist(kFashionMnistDir, "validation").has_value());
}

TEST_CASE(".npy datasets: inputs with integer labels or float targets; mismatched counts are errors") {
  const fs::path x = temp_path("x.npy"), y = temp_path("y.npy"), t = temp_path("t.npy"), bad = temp_path("bad.npy");
  const std::vector<uint8_t> pixels{0, 255, 128, 64, 1, 2, 3, 4};
  REQUIRE(write_npy(x, make_npy<uint8_t>({2, 2, 2}, pixels)).has_value());
  REQUIRE(write_npy(y, make_npy<int64_t>({2}, std::vector<int64_t>{3, 1})).has_value());
  REQUIRE(write_npy(t, make_npy<float>({2, 2}, std::vector<float>{0.5f, 1.f, 2.f, 3.f})).has_value());
  REQUIRE(write_npy(bad, make_npy<int32_t>({3}, std::vector<int32_t>{0, 1, 2})).has_value());
  // Training data converts integers as they are (no pixel scaling).
  const DatasetOptions as_is{.integers = IntegerData::Values};
  auto d = open_dataset({x}, y, as_is);
  REQUIRE(d.has_value());
  CHECK(d->size() == 2);
  CHECK(d->sample_shape() == Shape{2, 2});
  CHECK(d->sample(0)->at(1) == 255.f);
  CHECK(d->label(0) == 3);
  CHECK(d->label(1) == 1);
  auto r = open_dataset({x}, t, as_is);
  REQUIRE(r.has_value());
  CHECK(r->target_elements() == 2);
  CHECK(r->target(1)[1] == 3.f);
  auto e = open_dataset({x}, bad, as_is);
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().to_string().find("bad.npy") != std::string::npos);
  fs::remove(x), fs::remove(y), fs::remove(t), fs::remove(bad);
}

TEST_CASE("model builder: shapes inferred, errors recorded; batching grows the batch and RESHAPE targets") {
  ModelBuilder b(1);
  TensorId x = b.input("input", {1, 8, 8, 3});
  x = b.conv_2d(x, 4, 3, 3, {.stride_h = 2, .stride_w = 2});
  CHECK(b.graph().tensor(x).shape == Shape{1, 4, 4, 4});
  TensorId f = b.fully_connected(b.reshape(x, {1, 64}), 10);
  auto g = b.finish({b.softmax(f)});
  REQUIRE(g.has_value());
  auto big = with_batch_size(*g, 32);
  REQUIRE(big.has_value());
  CHECK(big->tensor(big->outputs[0]).shape == Shape{32, 10});
  CHECK_FALSE(with_batch_size(*g, 0).has_value());

  ModelBuilder bad(1);
  TensorId y = bad.input("input", {1, 2, 2, 1});
  y = bad.conv_2d(y, 1, 5, 5, {.padding = Padding::Valid});  // a 5x5 window does not fit 2x2
  auto e = bad.finish({y});
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().to_string().find("CONV_2D") != std::string::npos);
}

}  // namespace
}  // namespace tinyopt
