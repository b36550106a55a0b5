// tests/passes/driver_test.cc: the pipeline driver loads exactly what the passes need, names the pass and the
// flag of a missing input before anything runs, stamps provenance and writes nothing on failure.
#include "passes/driver.h"

#include <filesystem>

#include <doctest/doctest.h>

#include "formats/tflite/reader.h"
#include "passes/pipeline_parser.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

std::string metadata(const Graph& g, const std::string& name) {
  for (const MetadataEntry& m : g.metadata)
    if (m.name == name) return std::string(m.data.begin(), m.data.end());
  return "";
}

TEST_CASE("driver: a pass that needs calibration data and gets none names itself and --calib") {
  SKIP_WITHOUT_SHARED();
  Expected<Pipeline> p = parse_pipeline("fold-batchnorm,quantize");
  REQUIRE(p);
  const std::string out = "driver_test_missing.tflite";
  std::filesystem::remove(out);
  DriverInputs in;
  in.model = test::shared_model("hello_world_float.tflite").string();
  in.output = out;
  Expected<DriverResult> r = run_pipeline(*p, in, {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::BadInput);
  CHECK(r.error().message == "pass 'quantize' needs calibration samples: give --calib DATA");
  CHECK(r.error().where.option == "--calib");
  CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("driver: inputs no pass needs are not read; provenance holds the canonical pipeline") {
  SKIP_WITHOUT_SHARED();
  Expected<Pipeline> p = parse_pipeline("fold-batchnorm,remove-dead");
  REQUIRE(p);
  const std::string out = "driver_test_prep.tflite";
  DriverInputs in;
  in.model = test::shared_model("fmnist_cnn_float.tflite").string();
  in.calibration = "no/such/calibration.npy";
  in.training = "no/such/train.npy";
  in.teacher = "no/such/teacher.tflite";
  in.target = "no-such-board";
  in.output = out;
  Expected<DriverResult> r = run_pipeline(*p, in, {});
  REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
  CHECK(r->calibration_samples == 0);
  CHECK(r->records.size() == 2);
  Expected<Graph> written = read_tflite_file(out);
  REQUIRE(written);
  CHECK(metadata(*written, "tinyopt_pipeline") == "fold-batchnorm,remove-dead");
  CHECK(r->pipeline == "fold-batchnorm,remove-dead");
  std::filesystem::remove(out);
}

TEST_CASE("driver: calibration data loads for quantize; a bad file fails before any output is written") {
  SKIP_WITHOUT_SHARED();
  Expected<Pipeline> p = parse_pipeline("quantize{num-calib=1}");
  REQUIRE(p);
  const std::string out = "driver_test_q.tflite";
  std::filesystem::remove(out);
  DriverInputs in;
  in.model = test::shared_model("hello_world_float.tflite").string();
  in.calibration = (test::shared_dir() / "golden/hello_world_float/case0/input0.npy").string();
  in.output = out;
  Expected<DriverResult> r = run_pipeline(*p, in, {});
  REQUIRE_MESSAGE(r, (r ? "" : r.error().to_string()));
  CHECK(r->calibration_samples == 1);
  CHECK(std::filesystem::exists(out));

  std::filesystem::remove(out);
  in.calibration = "no/such/calibration.npy";
  Expected<DriverResult> bad = run_pipeline(*p, in, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().where.file == "no/such/calibration.npy");
  CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("driver: pipeline_needs unions what the passes declare") {
  Expected<Pipeline> p = parse_pipeline("fold-batchnorm,quantize");
  REQUIRE(p);
  Expected<PassNeeds> n = pipeline_needs(*p);
  REQUIRE(n);
  CHECK(n->calibration);
  CHECK_FALSE(n->teacher);
  CHECK_FALSE(n->target);
  CHECK_FALSE(n->labelled_data);
}

}  // namespace
}  // namespace tinyopt
