// tests/verify/export_compile_test.cc: `tinyopt export` output compiles with the host compiler against a fake TFLM
// header (tests/verify/fake_tflm/, declaring only what the generated code uses, each Add* method recording its
// name), and the set-up function registers exactly the model's op kinds, in first-use order.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "formats/atomic_file.h"
#include "formats/c_array/c_array_export.h"
#include "formats/tflite/reader.h"
#include "tests/shared_data.h"

namespace fs = std::filesystem;

namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return "popen failed";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return status == 0 ? out : "FAILED(" + std::to_string(status) + "): " + out;
}

// Exports `model`, compiles NAME.cc with a main that calls NAME_register_ops, runs it; returns its output lines.
std::vector<std::string> registered_ops(const fs::path& model, const std::string& name) {
  const fs::path dir = fs::path(TINYOPT_BINARY_DIR) / "export-compile" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string tinyopt = std::string(TINYOPT_BINARY_DIR) + "/tinyopt";
  const std::string exported = run(tinyopt + " export " + model.string() + " --c-array " + name + " -o " + dir.string());
  REQUIRE_MESSAGE(exported.rfind("FAILED", 0) != 0, exported);
  std::ofstream(dir / "main.cc") << "#include \"" << name << ".h\"\n#include <cstdio>\n"
                                 << "int main() { " << name << "_op_resolver r; if (" << name
                                 << "_register_ops(r) != kTfLiteOk) return 1;\n"
                                 << "  for (const char* m : r.added) std::puts(m);\n"
                                 << "  std::printf(\"len %u aligned %d\\n\", " << name << "_len, int(reinterpret_cast<unsigned long>(" << name << ") % 16 == 0)); }\n";
  const std::string fake = std::string(TINYOPT_SOURCE_DIR) + "/tests/verify/fake_tflm";
  const std::string compiled = run("c++ -std=c++17 -Wall -Werror -I" + fake + " -I" + dir.string() + " " + (dir / (name + ".cc")).string() +
                                   " " + (dir / "main.cc").string() + " -o " + (dir / "prog").string());
  REQUIRE_MESSAGE(compiled.rfind("FAILED", 0) != 0, compiled);
  std::istringstream lines(run((dir / "prog").string()));
  std::vector<std::string> out;
  for (std::string l; std::getline(lines, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("export: the generated resolver registers exactly the model's ops (fmnist example, int8 KWS)") {
  const fs::path example = fs::path(TINYOPT_SOURCE_DIR) / "examples/fashion_mnist/model_float.tflite";
  std::vector<std::string> got = registered_ops(example, "fmnist_float");
  tinyopt::Expected<tinyopt::Graph> g = tinyopt::read_tflite_file(example);
  REQUIRE(g);
  std::set<std::string> kinds;
  for (const tinyopt::Op& op : g->ops) kinds.insert(std::string(tinyopt::op_kind_name(op.kind)));
  REQUIRE(got.size() == kinds.size() + 1);
  const std::vector<uint8_t> bytes = *tinyopt::read_file(example);
  CHECK(got.back() == "len " + std::to_string(bytes.size()) + " aligned 1");
  got.pop_back();
  // One method per op kind of the model, each the kind's TFLM method.
  std::set<std::string> expected;
  for (const std::string& k : kinds) expected.insert(tinyopt::resolver_method({k, false, 0}));
  CHECK(std::set<std::string>(got.begin(), got.end()) == expected);
  CHECK(got.size() == expected.size());

  if (!tinyopt::test::have_shared()) return;
  got = registered_ops(tinyopt::test::shared_model("kws_dscnn_int8.tflite"), "kws_int8");
  tinyopt::Expected<tinyopt::Graph> kws = tinyopt::read_tflite_file(tinyopt::test::shared_model("kws_dscnn_int8.tflite"));
  REQUIRE(kws);
  std::set<std::string> kws_methods;
  for (const tinyopt::Op& op : kws->ops) kws_methods.insert(tinyopt::resolver_method({std::string(tinyopt::op_kind_name(op.kind)), false, 0}));
  got.pop_back();
  CHECK(std::set<std::string>(got.begin(), got.end()) == kws_methods);
  CHECK(got.size() == kws_methods.size());
}

TEST_CASE("export: TFLM_DECODE maps to AddDecode, an op TFLM lacks is refused") {
  CHECK(tinyopt::resolver_method({"TFLM_DECODE", true, 32}) == "AddDecode");
  CHECK(tinyopt::resolver_method({"BATCH_MATMUL", false, 126}) == "AddBatchMatMul");
  CHECK(tinyopt::resolver_method({"MY_CUSTOM", true, 32}).empty());
  tinyopt::CArrayModel m;
  m.name = "x";
  m.ops = {{"CONV_2D", false, 3}, {"MY_CUSTOM", true, 32}};
  tinyopt::Expected<std::vector<tinyopt::GeneratedFile>> f = tinyopt::c_array_files(m);
  REQUIRE(!f);
  CHECK(f.error().message.find("custom op 'MY_CUSTOM'") != std::string::npos);
  m.ops = {{"TFLM_DECODE", true, 32}, {"FULLY_CONNECTED", false, 9}};
  f = tinyopt::c_array_files(m);
  REQUIRE(f);
  CHECK((*f)[1].text.find("resolver.AddDecode()") != std::string::npos);
  m.name = "9bad";
  CHECK(!tinyopt::c_array_files(m));
}
