// tests/formats/npy_test.cc: .npy reading/writing, header variants, corrupt files, batch splitting and
// quantization of inputs, and the golden arrays in ../shared.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "formats/atomic_file.h"
#include "formats/npy/npy.h"
#include "formats/npy/npy_batch.h"
#include "tests/shared_data.h"

using namespace tinyopt;

namespace {

// Builds a .npy file by hand: version `major`, header text `dict` (padded and '\n'-terminated), then `data`.
std::vector<uint8_t> npy_bytes(int major, const std::string& dict, const std::vector<uint8_t>& data) {
  std::string header = dict;
  const size_t pre = major == 1 ? 10 : 12;
  while ((pre + header.size() + 1) % 16) header += ' ';
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
  for (size_t k = 0; k < (major == 1 ? 2u : 4u); ++k) out.push_back(static_cast<uint8_t>(header.size() >> (8 * k)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::string error_of(const std::vector<uint8_t>& bytes) {
  Expected<NpyArray> a = parse_npy(bytes, "x.npy");
  REQUIRE_FALSE(a);
  CHECK(a.error().code == Errc::BadInput);
  return a.error().to_string();
}

Tensor tensor(const std::string& name, DType dtype, Shape shape) {
  Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  return t;
}

}  // namespace

TEST_CASE("npy: write then read gives the same array for every dtype") {
  const std::vector<float> f = {1.5f, -2.0f, 0.0f, 3.25f, 7.0f, -8.5f};
  const std::vector<int8_t> i8 = {-128, 127, 0, 5};
  const std::vector<int64_t> i64 = {int64_t{1} << 40, -3};
  for (const NpyArray& a : {make_npy<float>({2, 3}, f), make_npy<int8_t>({4}, i8), make_npy<int64_t>({2, 1}, i64),
                            make_npy<double>({}, std::vector<double>{2.5})}) {
    const std::vector<uint8_t> bytes = serialize_npy(a);
    CHECK((bytes.size() - a.data.size()) % 64 == 0);  // numpy's 64-byte aligned header
    Expected<NpyArray> b = parse_npy(bytes, "mem");
    REQUIRE(b);
    CHECK(b->dtype == a.dtype);
    CHECK(b->shape == a.shape);
    CHECK(b->data == a.data);
  }
}

TEST_CASE("npy: header variants numpy writes") {
  // int16 1-d tuple "(3,)", version 2.0 and 3.0 with uint32 header lengths, double quotes, Python-2 "L" suffix.
  const std::vector<uint8_t> data = {1, 0, 2, 0, 0xff, 0xff};
  for (int major : {1, 2, 3}) {
    Expected<NpyArray> a = parse_npy(npy_bytes(major, "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }", data), "m");
    REQUIRE(a);
    CHECK(a->shape == Shape{3});
    CHECK(a->values<int16_t>()[2] == -1);
  }
  Expected<NpyArray> b = parse_npy(npy_bytes(1, "{\"shape\": (1L, 3L), \"fortran_order\": False, \"descr\": \"=i2\"}", data), "m");
  REQUIRE(b);
  CHECK(b->shape == Shape{1, 3});
  // A 0-d scalar.
  Expected<NpyArray> s = parse_npy(npy_bytes(1, "{'descr': '|u1', 'fortran_order': False, 'shape': (), }", {9}), "m");
  REQUIRE(s);
  CHECK(s->shape.empty());
  CHECK(s->num_elements() == 1);
}

TEST_CASE("npy: big-endian data is swapped to little-endian") {
  // 1.0f is 0x3f800000; big-endian bytes 3f 80 00 00. int32 258 = 0x00000102.
  Expected<NpyArray> f = parse_npy(npy_bytes(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", {0x3f, 0x80, 0, 0}), "m");
  REQUIRE(f);
  CHECK(f->values<float>()[0] == 1.0f);
  Expected<NpyArray> i = parse_npy(npy_bytes(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }", {0, 0, 1, 2}), "m");
  REQUIRE(i);
  CHECK(i->values<int32_t>()[0] == 258);
}

TEST_CASE("npy: bad files give one-line errors naming the file") {
  CHECK(error_of({'h', 'e', 'l', 'l', 'o'}) == "x.npy: not a .npy file (no \\x93NUMPY magic)");
  CHECK(error_of(npy_bytes(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", std::vector<uint8_t>(16))) ==
        "x.npy: Fortran-order arrays are not supported; save it with np.ascontiguousarray");
  CHECK(error_of(npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", std::vector<uint8_t>(15))) ==
        "x.npy: shape [2,2] of float32 needs 16 data bytes but the file holds 15");
  CHECK(error_of(npy_bytes(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", std::vector<uint8_t>(8))).find(
            "unsupported dtype '<c8'") != std::string::npos);
  CHECK(error_of(npy_bytes(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", {})) ==
        "x.npy: structured dtypes (a list as 'descr') are not supported");
  CHECK(error_of(npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", {})) ==
        "x.npy: negative dimension in 'shape'");
  // A huge shape must be rejected before anything is allocated.
  CHECK(error_of(npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", {})) ==
        "x.npy: shape [100000,100000] is too large");
  CHECK(error_of(npy_bytes(1, "{'descr': '<f4', 'shape': (1,), }", {0, 0, 0, 0})) ==
        "x.npy: header lacks one of 'descr', 'fortran_order', 'shape'");
  CHECK(error_of(npy_bytes(4, "{}", {})) == "x.npy: unsupported .npy format version 4.0 (1.0, 2.0 and 3.0 are read)");
  // Header length pointing past the end.
  std::vector<uint8_t> truncated = npy_bytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", {});
  truncated.resize(20);
  CHECK(error_of(truncated).find("runs past the end of the file") != std::string::npos);
  CHECK(error_of(npy_bytes(1, "{'descr': '<f4' 'shape': (1,)}", {})).find("bad header at character") != std::string::npos);
  // Every truncation of a valid file is an error, never a crash.
  const std::vector<uint8_t> good = serialize_npy(make_npy<float>({3}, std::vector<float>{1, 2, 3}));
  for (size_t n = 0; n < good.size(); ++n) CHECK_FALSE(parse_npy(std::span(good.data(), n), "t"));
}

TEST_CASE("npy: missing file and atomic write") {
  Expected<NpyArray> a = read_npy("/nonexistent/dir/x.npy");
  REQUIRE_FALSE(a);
  CHECK(a.error().to_string().find("/nonexistent/dir/x.npy") != std::string::npos);
  CHECK_FALSE(write_npy("/nonexistent/dir/y.npy", make_npy<float>({1}, std::vector<float>{1})));
  const std::filesystem::path p = std::filesystem::temp_directory_path() / "tinyopt_npy_test.npy";
  REQUIRE(write_npy(p, make_npy<int32_t>({2}, std::vector<int32_t>{7, -7})));
  Expected<NpyArray> b = read_npy(p);
  REQUIRE(b);
  CHECK(b->values<int32_t>()[1] == -7);
  std::filesystem::remove(p);
}

TEST_CASE("npy: shape and dtype checks name the file, the tensor and both sides") {
  const NpyArray a = make_npy<float>({2, 3}, std::vector<float>(6));
  CHECK(check_npy_shape(a, "x.npy", "input", {2, 3}));
  Expected<void> s = check_npy_shape(a, "x.npy", "input", {1, 28, 28, 1});
  REQUIRE_FALSE(s);
  CHECK(s.error().to_string() == "x.npy: tensor 'input': array shape [2,3] does not match the model's [1,28,28,1]");
  Expected<void> d = check_npy_dtype(a, "x.npy", "input", DType::Int8);
  REQUIRE_FALSE(d);
  CHECK(d.error().to_string() == "x.npy: tensor 'input': array dtype float32 does not match the model's int8");
}

TEST_CASE("npy batch: the leading batch axis may be absent, present or N") {
  const Tensor t = tensor("input", DType::Float32, {1, 2, 2, 1});
  CHECK(*count_samples(make_npy<float>({2, 2, 1}, std::vector<float>(4)), "x.npy", t) == 1);
  CHECK(*count_samples(make_npy<float>({1, 2, 2, 1}, std::vector<float>(4)), "x.npy", t) == 1);
  CHECK(*count_samples(make_npy<float>({3, 2, 2, 1}, std::vector<float>(12)), "x.npy", t) == 3);
  Expected<int64_t> bad = count_samples(make_npy<float>({2, 3}, std::vector<float>(6)), "x.npy", t);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().to_string() ==
        "x.npy: tensor 'input': array shape [2,3] does not match the model input's [1,2,2,1] (or [2,2,1], or [N,2,2,1])");
  // A tensor without a unit batch: [640] takes [640] or [N,640].
  const Tensor v = tensor("v", DType::Float32, {4});
  CHECK(*count_samples(make_npy<float>({4}, std::vector<float>(4)), "x.npy", v) == 1);
  CHECK(*count_samples(make_npy<float>({2, 4}, std::vector<float>(8)), "x.npy", v) == 2);
}

TEST_CASE("npy batch: a NaN cannot be quantized: an error naming the element and sample, not an undefined cast") {
  // Found by tests/fuzz/npy_fuzzer.cc (UBSan: "-nan is outside the range of representable values of type 'short'").
  Tensor t = tensor("in", DType::Int16, {1, 2});
  t.quant = QuantParams{{1e-4f}, {0}, 0};
  const NpyArray f = make_npy<float>({2, 2}, std::vector<float>{0.5f, 1.0f, 2.0f, std::nanf("")});
  CHECK(sample_for_tensor(f, 0, "x.npy", t).has_value());
  Expected<std::vector<uint8_t>> bad = sample_for_tensor(f, 1, "x.npy", t);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().to_string() == "x.npy: tensor 'in': element 1 of sample 1 is NaN: it cannot be quantized");
  t.dtype = DType::Int8;  // infinities clamp to the type's range, as TFLite's QUANTIZE does
  const NpyArray inf = make_npy<float>({2}, std::vector<float>{INFINITY, -INFINITY});
  CHECK(*sample_for_tensor(inf, 0, "x.npy", t) == std::vector<uint8_t>{0x7f, 0x80});
}

TEST_CASE("npy batch: float data is quantized with the tensor's parameters, int8 data is used as is") {
  Tensor t = tensor("in", DType::Int8, {1, 4});
  t.quant = QuantParams{{0.5f}, {-1}, 0};
  // q = clamp(round(x / 0.5) - 1): 1.0 -> 1, -0.75 -> round(-1.5) = -2 -> -3, 100 -> 199 -> 127, -100 -> -128.
  const NpyArray f = make_npy<float>({2, 4}, std::vector<float>{1.0f, -0.75f, 100.0f, -100.0f, 0, 0, 0, 0});
  Expected<std::vector<uint8_t>> s0 = sample_for_tensor(f, 0, "x.npy", t);
  REQUIRE(s0);
  const auto* q = reinterpret_cast<const int8_t*>(s0->data());
  CHECK(std::vector<int8_t>(q, q + 4) == std::vector<int8_t>{1, -3, 127, -128});
  Expected<std::vector<uint8_t>> s1 = sample_for_tensor(f, 1, "x.npy", t);
  REQUIRE(s1);
  CHECK(static_cast<int8_t>((*s1)[0]) == -1);
  const NpyArray i8 = make_npy<int8_t>({4}, std::vector<int8_t>{5, 6, 7, 8});
  CHECK(*sample_for_tensor(i8, 0, "x.npy", t) == std::vector<uint8_t>{5, 6, 7, 8});
  Expected<std::vector<uint8_t>> bad = sample_for_tensor(make_npy<int32_t>({4}, std::vector<int32_t>(4)), 0, "x.npy", t);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().to_string() == "x.npy: tensor 'in': array dtype int32 does not match the model input's int8 "
                                   "(give float data to have it quantized, or the exact dtype)");
  // Output stacking with dequantization: 0.5 * (q + 1).
  const NpyArray out = stack_samples({{1, 0xff, 0, 0}, {3, 0, 0, 0}}, t, true);
  CHECK(out.shape == Shape{2, 4});
  CHECK(out.dtype == DType::Float32);
  CHECK(out.values<float>()[0] == 1.0f);
  CHECK(out.values<float>()[1] == 0.0f);
  CHECK(out.values<float>()[4] == 2.0f);
  CHECK(stack_samples({{1, 2, 3, 4}}, t, false).shape == Shape{1, 4});
}

TEST_CASE("npy batch: quantizing float32 and float64 data equals clamp(std::round(x / scale) + zp), halves included") {
  // The reference definition (TFLite's QUANTIZE), against the truncate-and-compare rounding of quantize_into.
  auto reference = [](double x, double scale, double zp, double lo, double hi) {
    return std::clamp(std::round(x / scale) + zp, lo, hi);
  };
  std::vector<float> xs;
  for (int i = -600; i <= 600; ++i) xs.push_back(static_cast<float>(i) * 0.25f);  // exact halves of scale 0.5
  uint32_t state = 12345;
  for (int i = 0; i < 4000; ++i) {
    state = state * 1664525u + 1013904223u;
    xs.push_back((static_cast<float>(state >> 8) / 16777216.0f - 0.5f) * 400.0f);
  }
  xs.insert(xs.end(), {-0.0f, 1e30f, -1e30f, 3.4e38f, 1e-40f, std::nextafter(0.25f, 1.0f), std::nextafter(-0.25f, -1.0f)});
  const int n = static_cast<int>(xs.size());
  for (DType dtype : {DType::Int8, DType::UInt8, DType::Int16}) {
    Tensor t = tensor("in", dtype, {1, n});
    const int32_t zp = dtype == DType::UInt8 ? 3 : dtype == DType::Int8 ? -7 : 0;
    t.quant = QuantParams{{0.5f}, {zp}, 0};
    const double lo = dtype == DType::Int8 ? -128 : dtype == DType::UInt8 ? 0 : -32768;
    const double hi = dtype == DType::Int8 ? 127 : dtype == DType::UInt8 ? 255 : 32767;
    std::vector<double> as_double(xs.begin(), xs.end());
    for (const NpyArray& a : {make_npy<float>({n}, xs), make_npy<double>({n}, as_double)}) {
      Expected<std::vector<uint8_t>> q = sample_for_tensor(a, 0, "x.npy", t);
      REQUIRE(q);
      for (int i = 0; i < n; ++i) {
        double got = 0;
        if (dtype == DType::Int8) got = static_cast<int8_t>((*q)[static_cast<size_t>(i)]);
        else if (dtype == DType::UInt8) got = (*q)[static_cast<size_t>(i)];
        else { int16_t v; std::memcpy(&v, q->data() + 2 * i, 2); got = v; }
        INFO("x = " << xs[static_cast<size_t>(i)] << ", dtype " << dtype_name(dtype));
        CHECK(got == reference(xs[static_cast<size_t>(i)], 0.5, zp, lo, hi));
      }
    }
  }
}

TEST_CASE("npy batch: float16 and float64 arrays feed float tensors") {
  CHECK(half_to_float(0x3c00) == 1.0f);
  CHECK(half_to_float(0xc000) == -2.0f);
  CHECK(half_to_float(0x0001) == doctest::Approx(5.96e-8));
  const Tensor t = tensor("in", DType::Float32, {1, 2});
  Expected<std::vector<uint8_t>> s = sample_for_tensor(make_npy<double>({2}, std::vector<double>{0.25, -4}), 0, "x", t);
  REQUIRE(s);
  float v[2];
  std::memcpy(v, s->data(), 8);
  CHECK(v[0] == 0.25f);
  CHECK(v[1] == -4.0f);
}

TEST_CASE("npy: every golden array in ../shared reads and round-trips byte for byte") {
  SKIP_WITHOUT_SHARED();
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(test::shared_dir() / "golden")) {
    if (entry.path().extension() != ".npy") continue;
    Expected<NpyArray> a = read_npy(entry.path());
    REQUIRE_MESSAGE(a, entry.path().string());
    Expected<std::vector<uint8_t>> original = read_file(entry.path());
    REQUIRE(original);
    // numpy pads v1 headers to 64 bytes, as serialize_npy does, so the bytes agree exactly.
    CHECK_MESSAGE(serialize_npy(*a) == *original, entry.path().string());
    ++files;
  }
  CHECK(files > 0);
}
