// passes/driver.h: one pipeline run from files to a written model, the flow every optimizing subcommand shares
// (`quantize` today; `optimize`, `prune`, `distill` are presets over it too):
//
//   read the model -> build the passes -> load exactly the inputs they need (PassInfo::needs) -> run them with
//   the verifier between passes -> stamp provenance -> write the model atomically -> return what happened.
//
// A pass that needs an input the caller did not supply is an error naming the pass and the flag that supplies
// it ("pass 'quantize' needs calibration samples: give --calib DATA"), raised before anything runs. Inputs no
// pass needs are not read at all. Printing (summary lines, JSON) is the caller's: the driver returns records.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "formats/dataset/dataset.h"
#include "formats/model_reader.h"
#include "passes/pass_manager.h"
#include "reports/target.h"

namespace tinyopt {

// Where each input comes from. An empty path means "not given".
struct DriverInputs {
  std::string model;                              // the model the pipeline starts from (.tflite or .onnx)
  ModelReadOptions model_options;                 // --keep-nchw-input (ONNX)
  std::string calibration;                        // --calib DATA: samples of the model input
  DatasetOptions calibration_options;             // --scale, --offset, --num-calib (inputs come from the model)
  std::string training;                           // --train DATA: training samples (formats/dataset/dataset.h)
  std::string training_labels;                    // --labels Y: labels of --train's samples (.npy or IDX)
  size_t training_max = 0;                        // keep only the first N training samples (0: all)
  std::string teacher;                            // --teacher FILE (default: the model as it entered)
  std::string target;                             // --target T: a bundled target name or a .json file
  std::optional<std::filesystem::path> targets_dir;  // where target names are looked up
  std::string stats;                              // --stats FILE: precomputed calibration (tinyopt calibrate)
  uint64_t seed = 0;                              // --seed: PassContext::seed
  std::string output;                             // -o OUT.tflite
  // The last `hold_out` samples of --calib and of --train are withheld from the passes, so that the caller can
  // measure fidelity on samples no pass saw (optimize). Only from data holding at least twice as many; smaller
  // data is used whole, and DriverResult::held_out is false when the fidelity data was.
  size_t hold_out = 0;
};

struct DriverOptions {
  bool verify_each = true;                               // the verifier after every pass
  bool progress = false;                                 // passes may draw progress bars on stderr
  bool provenance = true;                                // stamp tinyopt_provenance (false: only tinyopt_pipeline)
  std::vector<std::unique_ptr<PassInstrument>> instruments;  // summary lines, IR dumps
  // Per-epoch figures of long passes (PassContext::on_progress); may be empty.
  std::function<void(const std::string&, const std::map<std::string, double>&)> on_progress;
};

struct DriverResult {
  Graph graph;                        // the model as written
  std::string pipeline;               // canonical text, as stored in the model's "tinyopt_pipeline" metadata
  std::vector<PassRunRecord> records; // one per pass, in order
  std::vector<std::string> notes;     // every pass's notes, in order
  size_t calibration_samples = 0;     // 0 when no pass needed calibration data
  std::string provenance;             // the tinyopt_provenance JSON stored in the model
  bool held_out = false;              // DriverInputs::hold_out samples were withheld from the passes
};

// The sha256 of a file, or of a folder as described above.
Expected<std::string> sha256_of_path(const std::filesystem::path& path);

// The flag that supplies each kind of input, for messages: "--calib", "--train", "--teacher", "--target".
const char* calibration_flag();
const char* training_flag();
const char* teacher_flag();
const char* target_flag();

// The passes every optimizing preset (quantize, prune, calibrate) runs first on a float model:
// dequantize-hybrid-weights, fold-batchnorm, fuse-activations, remove-dead.
Pipeline preparation_pipeline(const PassRegistry& registry = PassRegistry::builtin());

// What the passes of `pipeline` need together.
Expected<PassNeeds> pipeline_needs(const Pipeline& pipeline, const PassRegistry& registry = PassRegistry::builtin());

// The provenance the driver stores in the output's "tinyopt_provenance" metadata entry (JSON, no timestamps, so
// that equal inputs give byte-identical models): {"tool": "tinyopt", "version", "pipeline", "seed",
// "model": {"file", "sha256"}, "inputs": [{"flag", "file", "sha256"}, ...]} for each data file / teacher /
// stats file the run read. A folder's digest is the sha256 of "<sha256>  <relative path>\n" lines of its files
// in sorted order (the format of sha256sum). `inspect` prints it.
inline constexpr const char* kProvenanceMetadata = "tinyopt_provenance";

// Runs `pipeline` on inputs.model and writes inputs.output. Nothing is written when any step fails.
Expected<DriverResult> run_pipeline(const Pipeline& pipeline, const DriverInputs& inputs, DriverOptions options,
                                    const PassRegistry& registry = PassRegistry::builtin());

}  // namespace tinyopt
