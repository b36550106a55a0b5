// tests/reports/target_test.cc: target files (every bundled one loads; a bad one lists every bad field) and the
// report built from them on a shared model.
#include "reports/target.h"

#include <set>

#include <doctest/doctest.h>

#include "formats/tflite/reader.h"
#include "reports/render.h"
#include "reports/report.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

const std::filesystem::path kTargets = std::filesystem::path(TINYOPT_SOURCE_DIR) / "targets";

TEST_CASE("targets: every bundled board loads, with the families the issue asks for") {
  Expected<std::vector<Target>> all = load_targets_dir(kTargets);
  REQUIRE(all);
  CHECK(all->size() >= 13);
  std::set<std::string> families;
  for (const Target& t : *all) {
    families.insert(std::string(kernel_family_name(t.kernels)));
    CHECK(!t.sources.empty());
    CHECK(t.word_bits == 32);
  }
  CHECK(families.size() == 5);
}

TEST_CASE("targets: a bad file reports every bad field at once") {
  Expected<Target> t = load_target_file(std::filesystem::path(TINYOPT_SOURCE_DIR) / "tests/reports/data/bad_target.json");
  REQUIRE_FALSE(t);
  const std::string m = t.error().to_string();
  for (const char* expected : {"missing field 'flash_bytes'", "missing field 'ram_bytes'", "'clock_mhz'",
                               "unknown kernel family 'turbo'", "'word_bits' must be 32 or 64",
                               "missing field 'sources'"})
    CHECK_MESSAGE(m.find(expected) != std::string::npos, expected);
}

TEST_CASE("targets: unknown name lists the known ones; cmsis-nn resolves by core") {
  Expected<Target> t = resolve_target("nope", kTargets);
  REQUIRE_FALSE(t);
  CHECK(t.error().message.find("stm32l4r5") != std::string::npos);
  CHECK(*resolve_kernels("cmsis-nn", "Cortex-M85") == KernelFamily::CmsisNnMve);
  CHECK(*resolve_kernels("cmsis-nn", "Cortex-M33") == KernelFamily::CmsisNnDsp);
  CHECK(*resolve_kernels("cmsis-nn", "Cortex-M0+") == KernelFamily::CmsisNnScalar);
}

TEST_CASE("report: kws on an M4F and an M3; totals agree with the per-layer rows and the arena model") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> g = read_tflite_file(test::shared_model("kws_dscnn_int8.tflite"));
  REQUIRE(g);
  std::vector<Target> targets = {*resolve_target("stm32l4r5", kTargets), *resolve_target("stm32f103", kTargets)};
  Expected<Report> r = build_report(*g, "kws", 53936, targets, std::string("reference"));
  REQUIRE(r);
  REQUIRE(r->targets.size() == 2);
  CHECK(r->targets[0].arena.total_bytes == 22780);  // TFLM's own 32-bit figure for this model
  CHECK(r->targets[0].fits);
  CHECK_FALSE(r->targets[1].fits);                  // 20 KB of RAM on the F103
  int64_t sum = 0;
  for (const LayerRow& l : r->layers) {
    sum += l.cycles[0].cycles;
    CHECK(l.cycles[0].cycles > 0);
  }
  CHECK(sum == r->targets[0].cycles);
  const std::string json = render_json(*r);
  CHECK(json.find("\"schema\": \"tinyopt.report/1\"") != std::string::npos);
  const std::string html = render_html(*r);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("http") == html.find("http://www.w3.org/2000/svg"));  // no external resource
}

}  // namespace
}  // namespace tinyopt
