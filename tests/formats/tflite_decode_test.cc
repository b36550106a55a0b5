// tests/formats/tflite_decode_test.cc: reading and writing TFLM_DECODE models: TFLM's own LUT-4 file reads (its
// encoded tensors' copied quantization is ignored), round-trips through the writer with the custom op code, and a
// damaged ancillary header or table is a BadInput error (exit 2) naming the decoded tensor, never a crash.
#include <doctest/doctest.h>

#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "tests/shared_data.h"

namespace tinyopt {
namespace {

Graph lut4() {
  auto g = read_tflite_file(test::shared_model("compressed") / "kws_dscnn_int8_lut4.tflite");
  REQUIRE_MESSAGE(g, (g ? "" : g.error().to_string()));
  return std::move(*g);
}

// The ancillary tensor of the first DECODE op.
Tensor& first_ancillary(Graph& g) {
  for (const Op& op : g.ops)
    if (op.kind == OpKind::Decode) return g.tensor(op.inputs[1]);
  FAIL("no DECODE op");
  return g.tensors[0];
}

std::string read_error(const Graph& g) {
  auto bytes = write_tflite(g);
  REQUIRE(bytes);
  auto back = read_tflite(*bytes, "damaged.tflite");
  if (back) return "accepted";
  CHECK(back.error().code == Errc::BadInput);
  return back.error().to_string();
}

TEST_CASE("tflite TFLM_DECODE: TFLM's LUT-4 model reads, and writes back with the custom op") {
  SKIP_WITHOUT_SHARED();
  Graph g = lut4();
  int decodes = 0;
  for (const Op& op : g.ops) decodes += op.kind == OpKind::Decode ? 1 : 0;
  CHECK(decodes == 10);
  CHECK(g.ops.size() == 23);
  auto bytes = write_tflite(g);
  REQUIRE(bytes);
  auto back = read_tflite(*bytes, "back.tflite");
  REQUIRE_MESSAGE(back, (back ? "" : back.error().to_string()));
  CHECK(back->ops.size() == 23);
  CHECK(back->ops[0].kind == OpKind::Decode);
  CHECK(back->tensor(back->ops[0].outputs[0]).name == "functional_1/conv2d/Conv2D_decoded");
}

TEST_CASE("tflite TFLM_DECODE: damaged headers and tables are refused naming the decoded tensor") {
  SKIP_WITHOUT_SHARED();
  const std::string t = "op #0 TFLM_DECODE, tensor 'functional_1/conv2d/Conv2D_decoded': ";
  {
    Graph g = lut4();
    first_ancillary(g).data[1] = 2;
    CHECK(read_error(g) == "damaged.tflite: " + t + "decode header version 2 is not supported (TFLM reads version 1)");
  }
  {
    Graph g = lut4();
    first_ancillary(g).data[0] = 5;
    CHECK(read_error(g).find(t + "decode type 5 is not a TFLM decode type") != std::string::npos);
  }
  {
    Graph g = lut4();
    first_ancillary(g).data[5] = 0;
    CHECK(read_error(g) == "damaged.tflite: " + t + "LUT index bit width 0 is outside 1..7");
  }
  {
    Graph g = lut4();
    Tensor& a = first_ancillary(g);
    a.data.resize(a.data.size() - 16);  // the last channel's table is cut
    a.shape = {static_cast<int32_t>(a.data.size())};
    CHECK(read_error(g).find(t + "LUT value tables need 1024 bytes") != std::string::npos);
  }
  {
    Graph g = lut4();
    first_ancillary(g).data[6] = 2;  // stride 2: most 4-bit indices now point past their channel's table
    CHECK(read_error(g).find("is past its channel's value table (2 entries)") != std::string::npos);
  }
}

}  // namespace
}  // namespace tinyopt
