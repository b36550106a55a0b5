// tests/fuzz/fuzz_targets.h: the entry function of every fuzz target, one per reader of untrusted input.
//
// libFuzzer calls an entry through libfuzzer_main.cc (one executable per target, built with -DTINYOPT_FUZZ=ON);
// the ordinary test suite feeds the same entries every committed seed and regression input
// (tests/fuzz/regression_replay_test.cc). An entry returns 0 for every input, whether the reader accepted it or
// reported an error; when a property of an accepted input breaks (a round trip that does not read back, a value
// out of its range) it calls property_failed, which aborts, so that libFuzzer saves the input as a finding.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace tinyopt {
class PassRegistry;  // passes/registry.h: declared only, so that libfuzzer_main.cc compiles without the IR headers
}

namespace tinyopt::fuzz {

int tflite_reader_fuzzer(std::span<const uint8_t> input);    // a .tflite model: read, write, read back
int onnx_reader_fuzzer(std::span<const uint8_t> input);     // an .onnx model: import, write as TFLite, read back
int npy_fuzzer(std::span<const uint8_t> input);              // a .npy array, then split into model samples
int npz_fuzzer(std::span<const uint8_t> input);              // a .npz (zip) archive: directory, members, arrays
int idx_fuzzer(std::span<const uint8_t> input);              // an IDX file, plain or gzip-compressed
int image_loader_fuzzer(std::span<const uint8_t> input);     // an image through libjpeg / stb_image and the resizer
int target_file_fuzzer(std::span<const uint8_t> input);      // a targets/<board>.json file
int pipeline_parser_fuzzer(std::span<const uint8_t> input);  // a textual pass pipeline
int decode_ancillary_fuzzer(std::span<const uint8_t> input); // TFLM_DECODE encoded + ancillary bytes

// Prints "fuzz property failed: <target>: <what>" on stderr and aborts.
[[noreturn]] void property_failed(std::string_view target, const std::string& what);

// Writes `input` to this process's scratch file for `target` (in /dev/shm, else $TMPDIR, else /tmp), named with
// `extension`, and returns its path: for readers that only take a path (the image decoders, zlib's gzopen, the
// .npz reader, the target loader).
std::filesystem::path scratch_file(std::string_view target, std::span<const uint8_t> input,
                                   std::string_view extension);

// The pipeline fuzzer's registry: the option tables of every built-in pass (same names, kinds, defaults,
// choices, ranges; a test in regression_replay_test.cc compares them with PassRegistry::builtin()), with
// factories that make nothing, plus one pass with a String option, a kind no built-in pass uses yet. The fuzz
// build then links the parser without the passes themselves.
const PassRegistry& pipeline_fuzz_registry();

}  // namespace tinyopt::fuzz
