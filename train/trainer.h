// train/trainer.h: mini-batch training of a float graph, and evaluation.
//
// A Trainer holds a batch-(B/W) copy of the model (train/batching.h) and W tapes, one per worker thread. A step:
//   1. the batch is split into W fixed, contiguous parts (a short last batch is padded with zero samples whose
//      loss weight is 0, so its gradient equals that of the short batch);
//   2. each worker runs forward, the loss (train/losses.h) and backward on its part;
//   3. parameter gradients are summed worker 0 + 1 + ... in that order, then one optimiser step (train/optimizer.h)
//      with the schedule's learning rate updates the parameters in place.
// Splits and summation orders are fixed and samples are shuffled by ir/rng.h, so one seed gives byte-identical
// weights (for a given thread count).
//
// Losses: cross-entropy on integer labels; MSE on float targets; distillation: alpha * KL(teacher || student) at
// a temperature + (1 - alpha) * cross-entropy when labels exist; MSE to the teacher's outputs (a distillation
// target for outputs that are not class scores). With a SOFTMAX as the last op the softmax and the loss are
// fused (the backward starts at the logits).
//
// Constraints for fine-tuning compressed models: masks hold pruned weights at zero (and can be replaced between
// steps, for gradual pruning); ties make elements of a parameter share one value (clustered weights): before each
// update the gradients of a tie group are summed into every member, so all members take the same update (the
// gradient of the shared centroid), and after it every member is set to the group's first member (bit-exact).
#pragma once

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "formats/dataset/dataset.h"
#include "ir/graph.h"
#include "train/lr_schedule.h"
#include "train/optimizer.h"
#include "train/tape.h"

namespace tinyopt {

enum class LossKind { CrossEntropy, MeanSquaredError, Distillation, TeacherMse };

struct EpochReport {
  int epoch = 0;            // 1-based
  double loss = 0;          // mean training loss
  double accuracy = 0;      // training accuracy seen during the epoch (labels only)
  double seconds = 0;
  double last_lr = 0;
};

struct TrainConfig {
  int batch_size = 64;
  int epochs = 1;
  int threads = 2;
  uint64_t seed = 0;
  LossKind loss = LossKind::CrossEntropy;
  OptimizerConfig optimizer;
  LrSchedule schedule;               // a cosine schedule with total_steps 0 spans the whole run
  // Distillation: the teacher's outputs (same input/output shapes as the student), temperature and weight.
  const Graph* teacher = nullptr;
  float temperature = 4.f;
  float alpha = 1.f;
  std::vector<std::pair<TensorId, std::vector<uint8_t>>> masks;  // per parameter: 1 trainable, 0 held at zero
  std::vector<TensorId> frozen;                                  // constants that are not trained
  // Per parameter: a tie group per element (-1: untied), groups numbered from 0 within the tensor.
  std::vector<std::pair<TensorId, std::vector<int32_t>>> ties;
  // Quantization-aware training (train/fake_quant.h): forward and backward run on int8 fake-quantized filters
  // (the optimiser updates the float ones: straight-through) and the outputs of CONV_2D / DEPTHWISE_CONV_2D /
  // FULLY_CONNECTED / ADD / SUB / MUL are fake-quantized per tensor to ranges that start as the first batch's
  // min / max and then follow an exponential moving average (range = m * range + (1 - m) * batch range).
  bool qat = false;
  double qat_momentum = 0.99;
  std::function<void(const EpochReport&)> on_epoch;              // progress callback
};

class Trainer {
 public:
  // Prepares the batched copy of `model`, the tapes and (for distillation) the teacher. Errors name the op that
  // has no gradient, a bad mask, a teacher of the wrong shape.
  static Expected<std::unique_ptr<Trainer>> create(const Graph& model, TrainConfig config);

  // One optimisation step on `count` samples (count <= batch_size): inputs hold count * sample elements; labels
  // (count entries) or targets as the loss needs. Returns the batch's mean loss; when it is not finite the
  // parameters are left unchanged.
  Expected<double> step(std::span<const float> inputs, std::span<const int32_t> labels,
                        std::span<const float> targets, int count);
  // Runs config.epochs epochs over `data`, reshuffling each epoch.
  Expected<std::vector<EpochReport>> fit(const Dataset& data);
  // Copies the trained parameter values into `model` (the graph the trainer was made from).
  void write_parameters(Graph& model) const;
  // Copies the values of every trained parameter from `model` (a graph with the same tensor ids, e.g. weights
  // saved earlier with write_parameters) into the trainer.
  void read_parameters(const Graph& model);
  // Replaces the mask of parameter `id` (1 trainable, 0 held at zero) and zeroes the masked values now.
  Expected<void> set_mask(TensorId id, std::vector<uint8_t> mask);
  std::span<const float> parameter_values(TensorId id) const { return program_->graph().tensor(id).values<float>(); }
  const Graph& trained_graph() const { return program_->graph(); }
  int64_t steps_taken() const { return optimizer_.steps_taken(); }
  // QAT: each fake-quantized activation's name and learned range (empty without qat).
  std::vector<std::pair<std::string, std::pair<float, float>>> qat_ranges() const;

 private:
  explicit Trainer(TrainConfig config) : config_(std::move(config)), optimizer_(config_.optimizer) {}
  void apply_ties_to_gradients();
  void apply_ties_to_values();
  void run_worker(int w, std::span<const float> inputs, std::span<const int32_t> labels, std::span<const float> targets,
                  int first, int count);

  TrainConfig config_;
  Optimizer optimizer_;
  int per_worker_ = 0;
  std::unique_ptr<TapeProgram> program_, teacher_;
  std::vector<std::unique_ptr<Tape>> tapes_, teacher_tapes_;
  std::vector<ParamSlot> slots_;
  std::vector<std::vector<uint8_t>> masks_;  // per parameter (aligned with program_->parameters())
  std::vector<std::vector<int32_t>> ties_;   // per parameter (aligned likewise); empty: untied
  std::vector<double> tie_sums_;
  std::vector<TensorId> fq_tensors_;                   // QAT: fake-quantized activations
  std::vector<std::pair<float, float>> fq_ranges_;     // their ranges (min > max: not yet observed)
  std::vector<std::pair<size_t, int>> fq_weights_;     // QAT: parameter index, quantization axis (-1 per tensor)
  std::vector<std::vector<float>> fq_masters_;         // the float filters while the fake-quantized ones are in place
  TensorId output_ = kNoTensor, logits_ = kNoTensor;
  int end_op_ = 0;
  float beta_ = 1.f;
  int classes_ = 0;
  std::vector<double> worker_loss_;
  std::vector<int64_t> worker_correct_;
  std::vector<float> weights_;  // per-sample loss weights, per worker slice
};

struct EvalResult {
  double accuracy = 0;   // argmax == label
  double loss = 0;       // mean cross-entropy of the output probabilities (labels only)
  int64_t samples = 0;
};
// Runs `model` over `data` in batches on `threads` threads and compares argmax with the labels.
Expected<EvalResult> evaluate(const Graph& model, const Dataset& data, int batch_size = 256, int threads = 2);

}  // namespace tinyopt
