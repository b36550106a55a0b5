// tests/fuzz/tflite_reader_fuzzer.cc: libFuzzer target for the TFLite reader. Any input must give a Graph or an
// Error: no crash, sanitizer report, hang or huge allocation. When a model reads, it is also written back and
// re-read, so the writer is fuzzed on every graph the reader accepts.
//
// Build (clang): CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DTINYOPT_FUZZ=ON
//                cmake --build build-fuzz --target tflite_reader_fuzzer
// Run:           build-fuzz/tflite_reader_fuzzer -max_total_time=60 -rss_limit_mb=2048 corpus/ ../shared/models/
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "formats/tflite/reader.h"
#include "formats/tflite/writer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // libFuzzer's buffer is heap memory, aligned for any scalar as the flatbuffers verifier expects.
  tinyopt::Expected<tinyopt::Graph> g = tinyopt::read_tflite(std::span<const uint8_t>(data, size), "fuzz.tflite");
  if (!g) return 0;
  tinyopt::Expected<std::vector<uint8_t>> bytes = tinyopt::write_tflite(*g);
  if (!bytes) return 0;
  // A graph the reader accepted must survive its own round trip.
  if (!tinyopt::read_tflite(*bytes, "fuzz-roundtrip.tflite")) std::abort();
  return 0;
}
