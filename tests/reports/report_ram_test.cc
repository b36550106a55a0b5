// tests/reports/report_ram_test.cc: the RAM a report counts: TFLM's arena plus the TFLM objects outside it
// (reports/tflm_runtime_objects.h), "fits" on that sum, and notes that every target shares printed once.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include "formats/tflite/reader.h"
#include "reports/render.h"
#include "reports/report.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

// in[1,4] -> FULLY_CONNECTED(2 units) -> out, int8: one op kind.
Graph one_dense_int8() {
  Graph g;
  const QuantParams q{{0.5f}, {0}, 0};
  TensorId in = g.add_tensor({.name = "in", .dtype = DType::Int8, .shape = {1, 4}, .quant = q, .data = {}});
  Tensor w{.name = "w", .dtype = DType::Int8, .shape = {2, 4}, .quant = q, .data = std::vector<uint8_t>(8, 1)};
  w.is_constant = true;
  TensorId wid = g.add_tensor(w);
  TensorId out = g.add_tensor({.name = "out", .dtype = DType::Int8, .shape = {1, 2}, .quant = q, .data = {}});
  g.add_op(Op{.kind = OpKind::FullyConnected, .options = FullyConnectedOptions{}, .inputs = {in, wid, kNoTensor},
              .outputs = {out}});
  g.inputs = {in};
  g.outputs = {out};
  return g;
}

TEST_CASE("tflm runtime objects: MicroInterpreter and MicroMutableOpResolver<N>, member by member") {
  // 32-bit: interpreter 200; resolver vptr 4 + 28 N + 4 + 4 N + 4 N + 4 = 12 + 36 N.
  TflmRuntimeObjects o32 = estimate_tflm_runtime_objects(one_dense_int8(), 4);
  CHECK(o32.op_kinds == 1);
  CHECK(o32.interpreter_bytes == 200);
  CHECK(o32.op_resolver_bytes == 48);
  CHECK(o32.total_bytes == 248);
  // 64-bit: interpreter 384; resolver 8 + 56 + 4 + 4 -> 72, + 8 + 4 -> 84, padded to 88.
  TflmRuntimeObjects o64 = estimate_tflm_runtime_objects(one_dense_int8(), 8);
  CHECK(o64.interpreter_bytes == 384);
  CHECK(o64.op_resolver_bytes == 88);
}

TEST_CASE("tflm runtime objects: N is the model's number of distinct op kinds") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> g = read_tflite_file(test::shared_model("vww_mobilenet_int8.tflite"));
  REQUIRE(g);
  // CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX.
  TflmRuntimeObjects o = estimate_tflm_runtime_objects(*g, 4);
  CHECK(o.op_kinds == 6);
  CHECK(o.op_resolver_bytes == 12 + 36 * 6);
  // 64-bit, N even: 8 + 56 N + 4 + 4 N = 12 + 60 N, padded to 8 (+4), + 8 N + 4, padded to 8 (+4) = 24 + 68 N.
  CHECK(estimate_tflm_runtime_objects(*g, 8).op_resolver_bytes == 24 + 68 * 6);
}

Target board(const char* name, int64_t ram, KernelFamily kernels = KernelFamily::Reference) {
  Target t;
  t.name = name;
  t.core = "Cortex-M4";
  t.clock_mhz = 64;
  t.flash_bytes = 1 << 20;
  t.ram_bytes = ram;
  t.kernels = kernels;
  return t;
}

TEST_CASE("report: RAM is arena + TFLM objects, and a board with room for the arena only does not fit") {
  const Graph g = one_dense_int8();
  Expected<TflmArena> arena = estimate_tflm_arena(g, {.pointer_bytes = 4});
  REQUIRE(arena);
  const int64_t need = static_cast<int64_t>(arena->total_bytes) + 248;
  std::vector<Target> targets = {board("exact", need), board("arena-only", static_cast<int64_t>(arena->total_bytes))};
  Expected<Report> r = build_report(g, "one_dense.tflite", 1000, targets);
  REQUIRE(r);
  CHECK(r->targets[0].ram_bytes == need);
  CHECK(r->targets[0].fits);
  CHECK(r->targets[0].ram_free == 0);
  CHECK_FALSE(r->targets[1].fits);
  CHECK(r->targets[1].ram_free == -248);
  const std::string json = render_json(*r);
  CHECK(json.find("\"runtime_objects_bytes\": 248") != std::string::npos);
  CHECK(json.find("\"arena_plan\"") != std::string::npos);
}

TEST_CASE("report: a note every target raises is printed once, without target names; others name theirs") {
  const Graph g = one_dense_int8();
  std::vector<Target> targets = {board("a", 1 << 20, KernelFamily::CmsisNnDsp), board("b", 1 << 20, KernelFamily::CmsisNnDsp),
                                 board("c", 1 << 20, KernelFamily::EspNn)};
  Expected<Report> r = build_report(g, "one_dense.tflite", 1000, targets);
  REQUIRE(r);
  int cmsis = 0, esp = 0;
  for (const std::string& n : r->notes) {
    if (n.find("cmsis-nn-dsp kernels") != std::string::npos) {
      ++cmsis;
      CHECK(n.rfind("a, b: arena: ", 0) == 0);
    }
    if (n.find("esp-nn kernels") != std::string::npos) {
      ++esp;
      CHECK(n.rfind("c: arena: ", 0) == 0);
    }
  }
  CHECK(cmsis == 1);
  CHECK(esp == 1);

  std::vector<Target> same = {board("a", 1 << 20, KernelFamily::CmsisNnDsp), board("b", 1 << 20, KernelFamily::CmsisNnDsp)};
  Expected<Report> s = build_report(g, "one_dense.tflite", 1000, same);
  REQUIRE(s);
  int shared_notes = 0;
  for (const std::string& n : s->notes)
    if (n.rfind("arena: cmsis-nn-dsp kernels", 0) == 0) ++shared_notes;
  CHECK(shared_notes == 1);
}

TEST_CASE("report HTML: the arena map draws every planned buffer at its offset, named in its tooltip") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> g = read_tflite_file(test::shared_model("vww_mobilenet_int8.tflite"));
  REQUIRE(g);
  std::vector<Target> targets = {board("m4", 1 << 20)};
  Expected<Report> r = build_report(*g, "vww.tflite", 1000, targets);
  REQUIRE(r);
  const std::string html = render_html(*r);
  const TflmArena& a = r->targets[0].arena;
  size_t boxes = 0;
  for (size_t at = html.find("<title>"); at != std::string::npos; at = html.find("<title>", at + 1)) ++boxes;
  CHECK(boxes == a.requests.size() + 1);  // + the page's own <title>
  for (size_t i = 0; i < a.requests.size(); ++i) {
    const std::string tip = fmt::format("{}: {} B at offset {}", html_escape(a.buffers[i].name), a.requests[i].size,
                                        a.plan.offsets[i]);
    CHECK_MESSAGE(html.find(tip) != std::string::npos, tip);
  }
  CHECK(html.find("Peak: during op #2 CONV_2D") != std::string::npos);
}

TEST_CASE("report: float ops are costed as TFLM's reference float kernels, whatever the target's library") {
  SKIP_WITHOUT_SHARED();
  Expected<Graph> f = read_tflite_file(test::shared_model("vww_mobilenet_float.tflite"));
  Expected<Graph> q = read_tflite_file(test::shared_model("vww_mobilenet_int8.tflite"));
  REQUIRE(f);
  REQUIRE(q);
  std::vector<Target> targets = {board("m7", 1 << 22, KernelFamily::CmsisNnDsp)};
  Expected<Report> rf = build_report(*f, "f.tflite", 1000, targets), rq = build_report(*q, "q.tflite", 1000, targets);
  REQUIRE(rf);
  REQUIRE(rq);
  // CMSIS-NN runs the int8 model; the float model falls back to reference kernels, which are slower.
  CHECK(rf->targets[0].cycles > rq->targets[0].cycles);
  CHECK(rf->layers[0].cycles[0].estimated_by == "fallback");
  CHECK(rf->layers[0].cycles[0].assumptions.find("reference float kernel") != std::string::npos);
  CHECK(rq->layers[0].cycles[0].estimated_by == "model");
  bool noted = false;
  for (const std::string& n : rf->notes) noted = noted || n.find("float32 op(s)") != std::string::npos;
  CHECK(noted);
}

}  // namespace
}  // namespace tinyopt
