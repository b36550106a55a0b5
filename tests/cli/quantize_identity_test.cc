// tests/cli/quantize_identity_test.cc: `tinyopt quantize` writes byte for byte the models it wrote before the
// pipeline driver moved into passes/ (digests in tests/passes/data/quantize_sha256.txt, re-recorded once for the
// float GEMM's fixed summation order), for every shared float model and four flag sets covering every option of
// the quantize preset.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "formats/sha256.h"
#include "tests/shared_data.h"

namespace fs = std::filesystem;

namespace {

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(' '), b = s.find_last_not_of(' ');
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

}  // namespace

TEST_CASE("quantize: output byte-identical to the recorded digests on every shared float model") {
  SKIP_WITHOUT_SHARED();
  std::ifstream table(fs::path(TINYOPT_SOURCE_DIR) / "tests/passes/data/quantize_sha256.txt");
  REQUIRE(table);
  const fs::path out = fs::path(TINYOPT_BINARY_DIR) / "quantize_identity.tflite";
  int checked = 0;
  for (std::string line; std::getline(table, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::stringstream fields(line);
    std::string model, calib, flags, digest;
    std::getline(fields, model, '|'), std::getline(fields, calib, '|'), std::getline(fields, flags, '|');
    std::getline(fields, digest);
    model = trim(model), calib = trim(calib), flags = trim(flags), digest = trim(digest);
    const std::string cmd = std::string(TINYOPT_BINARY_DIR) + "/tinyopt -q quantize " +
                            tinyopt::test::shared_model(model + ".tflite").string() + " --calib " +
                            (tinyopt::test::shared_dir() / "golden" / calib).string() + " -o " + out.string() + " " +
                            flags + " > /dev/null 2>&1";
    INFO(cmd);
    fs::remove(out);
    REQUIRE(std::system(cmd.c_str()) == 0);
    tinyopt::Expected<std::string> got = tinyopt::sha256_file(out);
    REQUIRE(got);
    CHECK_MESSAGE(*got == digest, model << " [" << flags << "]");
    ++checked;
  }
  fs::remove(out);
  CHECK(checked == 24);
}
