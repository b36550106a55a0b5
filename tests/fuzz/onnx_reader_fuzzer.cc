// tests/fuzz/onnx_reader_fuzzer.cc: the ONNX reader. Any input must give a Graph or an Error: no crash,
// sanitizer report, hang or huge allocation. An accepted model is also written as TFLite and read back, so
// every graph the importer builds is checked to be a model the rest of tinyopt accepts.
//
// Seeds: tests/data/onnx/*.onnx, the PyTorch fixtures (scripts/fuzz.sh gathers them).
#include <vector>

#include "formats/onnx/reader.h"
#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {

int onnx_reader_fuzzer(std::span<const uint8_t> input) {
  // Both layouts: the low bit of the last byte picks keep_nchw_input, so one corpus covers both.
  const OnnxReadOptions options{.keep_nchw_input = !input.empty() && (input.back() & 1)};
  Expected<Graph> g = read_onnx(input, "fuzz.onnx", options);
  if (!g) return 0;
  Expected<std::vector<uint8_t>> bytes = write_tflite(*g);
  if (!bytes) property_failed("onnx_reader", "an imported graph does not write: " + bytes.error().to_string());
  if (Expected<Graph> back = read_tflite(*bytes, "fuzz-onnx-roundtrip.tflite"); !back)
    property_failed("onnx_reader", "the converted model does not read back: " + back.error().to_string());
  return 0;
}

}  // namespace tinyopt::fuzz
