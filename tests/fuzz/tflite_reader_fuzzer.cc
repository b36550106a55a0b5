// tests/fuzz/tflite_reader_fuzzer.cc: the TFLite reader. Any input must give a Graph or an Error: no crash,
// sanitizer report, hang or huge allocation. When a model reads, it is also written back and re-read, so the
// writer is fuzzed on every graph the reader accepts.
//
// Seeds: ../shared/models/*.tflite and the example model (scripts/fuzz.sh gathers them).
#include <vector>

#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"
#include "tests/fuzz/fuzz_targets.h"

namespace tinyopt::fuzz {

int tflite_reader_fuzzer(std::span<const uint8_t> input) {
  // libFuzzer's buffer is heap memory, aligned for any scalar as flatbuffers expects (the reader copies a
  // misaligned span anyway).
  Expected<Graph> g = read_tflite(input, "fuzz.tflite");
  if (!g) return 0;
  Expected<std::vector<uint8_t>> bytes = write_tflite(*g);
  if (!bytes) return 0;
  // A graph the reader accepted must survive its own round trip.
  if (Expected<Graph> back = read_tflite(*bytes, "fuzz-roundtrip.tflite"); !back)
    property_failed("tflite_reader", "the written model does not read back: " + back.error().to_string());
  return 0;
}

}  // namespace tinyopt::fuzz
