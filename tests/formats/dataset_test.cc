// tests/formats/dataset_test.cc: every dataset source kind (formats/dataset/dataset.h) on small fixtures written by
// the test: .npy (with and without a model input to conform to), .npz (stored and deflated), a folder of .npy,
// a folder of images with class sub-folders, IDX images + labels (gzip), and that samples are read lazily.
#include <filesystem>
#include <vector>

#include <doctest/doctest.h>
#include <zlib.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include "formats/atomic_file.h"
#include "formats/dataset/dataset.h"
#include "formats/npy/npy.h"
#include "tests/formats/zip_fixture.h"

namespace tinyopt {
namespace {

namespace fs = std::filesystem;
using test::make_zip;

// A fresh, empty folder under the temp directory.
fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("tinyopt_dataset_test_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::vector<float> iota_floats(size_t n, float start = 0.f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + static_cast<float>(i);
  return v;
}

void write_gz(const fs::path& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.string().c_str(), "wb");
  REQUIRE(f != nullptr);
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

TEST_CASE("dataset from .npy: samples along the first axis, or conformed to a model input; uint8 pixels scaled") {
  const fs::path dir = fresh_dir("npy");
  REQUIRE(write_npy(dir / "x.npy", make_npy<float>({3, 2, 2}, iota_floats(12))));
  Expected<Dataset> d = open_dataset(dir / "x.npy");
  REQUIRE_MESSAGE(d, (d ? "" : d.error().to_string()));
  CHECK(d->size() == 3);
  CHECK(d->num_inputs() == 1);
  CHECK(d->sample_shape() == Shape{2, 2});
  CHECK(*d->sample(2) == std::vector<float>{8, 9, 10, 11});
  CHECK_FALSE(d->has_labels());

  // With the model input [1,2,2,1], an array [3,2,2] does not fit but [3,2,2,1] and one sample [2,2,1] do.
  const DatasetOptions model{.inputs = {{"input", {1, 2, 2, 1}}}};
  CHECK_FALSE(open_dataset(dir / "x.npy", model));
  REQUIRE(write_npy(dir / "x4.npy", make_npy<float>({3, 2, 2, 1}, iota_floats(12))));
  REQUIRE(write_npy(dir / "one.npy", make_npy<float>({2, 2, 1}, iota_floats(4))));
  Expected<Dataset> m = open_dataset(dir / "x4.npy", model);
  REQUIRE(m);
  CHECK(m->size() == 3);
  CHECK(m->sample_shape() == Shape{1, 2, 2, 1});
  CHECK(open_dataset(dir / "one.npy", model)->size() == 1);

  // uint8 data is pixels: value / 255 by default, value * scale + offset when given.
  REQUIRE(write_npy(dir / "u8.npy", make_npy<uint8_t>({2, 2}, std::vector<uint8_t>{0, 255, 51, 102})));
  CHECK(*open_dataset(dir / "u8.npy")->sample(0) == std::vector<float>{0.f, 1.f});
  const DatasetOptions scaled{.scale = 2.0, .offset = -1.0};
  CHECK(*open_dataset(dir / "u8.npy", scaled)->sample(1) == std::vector<float>{101.f, 203.f});
  fs::remove_all(dir);
}

TEST_CASE("dataset from .npz: keys x and y, stored (np.savez) and deflated (np.savez_compressed) members") {
  const fs::path dir = fresh_dir("npz");
  const std::vector<uint8_t> x = serialize_npy(make_npy<float>({4, 3}, iota_floats(12, 0.5f)));
  const std::vector<uint8_t> y = serialize_npy(make_npy<int64_t>({4}, std::vector<int64_t>{2, 0, 1, 2}));
  for (bool deflate : {false, true}) {
    CAPTURE(deflate);
    const fs::path path = dir / (deflate ? "compressed.npz" : "stored.npz");
    REQUIRE(write_file_atomically(path, make_zip({{"x.npy", x}, {"y.npy", y}}, deflate)));
    Expected<Dataset> d = open_dataset(path);
    REQUIRE_MESSAGE(d, (d ? "" : d.error().to_string()));
    CHECK(d->size() == 4);
    CHECK(d->sample_shape() == Shape{3});
    CHECK(*d->sample(1) == std::vector<float>{3.5f, 4.5f, 5.5f});
    REQUIRE(d->has_labels());
    CHECK(d->label(0) == 2);
    CHECK(d->label(3) == 2);
    CHECK(d->origin(1).item == "member 'x.npy'");
  }
  // Only x: no labels.
  REQUIRE(write_file_atomically(dir / "x_only.npz", make_zip({{"x.npy", x}}, true)));
  CHECK_FALSE(open_dataset(dir / "x_only.npz")->has_labels());
  fs::remove_all(dir);
}

TEST_CASE("dataset from a folder of .npy files: sorted by name, each file one or more samples") {
  const fs::path dir = fresh_dir("npy_folder");
  REQUIRE(write_npy(dir / "b.npy", make_npy<float>({1, 2}, iota_floats(2, 10.f))));
  REQUIRE(write_npy(dir / "a.npy", make_npy<float>({2, 2}, iota_floats(4))));
  Expected<Dataset> d = open_dataset(dir);
  REQUIRE(d);
  CHECK(d->size() == 3);
  CHECK(*d->sample(2) == std::vector<float>{10, 11});
  CHECK(d->origin(1).file == (dir / "a.npy").string());
  CHECK(d->origin(1).index == 1);
  CHECK(d->origin(2).file == (dir / "b.npy").string());
  CHECK(d->parts().size() == 2);
  // max_samples: the first N samples; b.npy is not needed.
  CHECK(open_dataset(dir, {.max_samples = 2})->size() == 2);
  fs::remove_all(dir);
}

TEST_CASE("dataset from image folders: class sub-folders become labels; images resized to the model input") {
  const fs::path dir = fresh_dir("images");
  fs::create_directories(dir / "cat");
  fs::create_directories(dir / "dog");
  // 4x4 grey images: cat images all 0 or 255, dog images 102 (0.4 after / 255).
  std::vector<uint8_t> black(16, 0), white(16, 255), grey(16, 102);
  REQUIRE(stbi_write_png((dir / "cat" / "1.png").c_str(), 4, 4, 1, black.data(), 4));
  REQUIRE(stbi_write_bmp((dir / "cat" / "2.bmp").c_str(), 4, 4, 1, white.data()));
  REQUIRE(stbi_write_png((dir / "dog" / "a.png").c_str(), 4, 4, 1, grey.data(), 4));
  const DatasetOptions model{.inputs = {{"image", {1, 2, 2, 1}}}};
  Expected<Dataset> d = open_dataset(dir, model);
  REQUIRE_MESSAGE(d, (d ? "" : d.error().to_string()));
  CHECK(d->size() == 3);
  CHECK(d->class_names() == std::vector<std::string>{"cat", "dog"});
  REQUIRE(d->has_labels());
  CHECK(d->label(0) == 0);
  CHECK(d->label(1) == 0);
  CHECK(d->label(2) == 1);
  CHECK(d->sample_shape() == Shape{1, 2, 2, 1});
  CHECK(*d->sample(1) == std::vector<float>(4, 1.f));                    // 4x4 -> 2x2, still white
  CHECK(d->sample(2)->at(0) == doctest::Approx(0.4f));
  CHECK(d->origin(2).file == (dir / "dog" / "a.png").string());

  // A flat folder of images has no labels; without a model input the first image sets the size.
  Expected<Dataset> flat = open_dataset(dir / "cat");
  REQUIRE(flat);
  CHECK_FALSE(flat->has_labels());
  CHECK(flat->sample_shape() == Shape{4, 4, 1});
  fs::remove_all(dir);
}

TEST_CASE("dataset from IDX images + IDX labels (gzip), as the Fashion-MNIST files are") {
  const fs::path dir = fresh_dir("idx");
  std::vector<uint8_t> images{0, 0, 0x08, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2};  // [3, 2, 2]
  for (uint8_t i = 0; i < 12; ++i) images.push_back(static_cast<uint8_t>(i * 20));
  std::vector<uint8_t> labels{0, 0, 0x08, 1, 0, 0, 0, 3, 7, 0, 9};
  write_gz(dir / "x-images-idx3-ubyte.gz", images);
  write_gz(dir / "x-labels-idx1-ubyte.gz", labels);
  Expected<Dataset> d = open_dataset({dir / "x-images-idx3-ubyte.gz"}, dir / "x-labels-idx1-ubyte.gz");
  REQUIRE_MESSAGE(d, (d ? "" : d.error().to_string()));
  CHECK(d->size() == 3);
  CHECK(d->sample_shape() == Shape{2, 2, 1});  // NHWC samples with one channel
  CHECK(d->sample(1)->at(0) == static_cast<float>(80 * (1.0 / 255.0)));
  CHECK(d->label(0) == 7);
  CHECK(d->label(2) == 9);
  // Labels outside the classes: an error naming the labels file.
  Expected<Dataset> bad = open_dataset({dir / "x-images-idx3-ubyte.gz"}, dir / "x-labels-idx1-ubyte.gz", {.num_classes = 8});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().to_string().find("x-labels-idx1-ubyte.gz") != std::string::npos);
  CHECK(bad.error().message.find("label 9 is not a class in 0..7") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("samples are read lazily: opening reads headers, data is read on first use and then kept") {
  const fs::path dir = fresh_dir("lazy");
  REQUIRE(write_npy(dir / "x.npy", make_npy<float>({2, 2}, iota_floats(4))));
  Expected<Dataset> d = open_dataset(dir / "x.npy");
  REQUIRE(d);
  // Same header, new values, before any sample was read: the dataset sees the new values...
  REQUIRE(write_npy(dir / "x.npy", make_npy<float>({2, 2}, iota_floats(4, 100.f))));
  CHECK(*d->sample(0) == std::vector<float>{100, 101});
  // ...and keeps them once read.
  REQUIRE(write_npy(dir / "x.npy", make_npy<float>({2, 2}, iota_floats(4, -5.f))));
  CHECK(*d->sample(1) == std::vector<float>{102, 103});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tinyopt
