// tests/verify/fake_tflm/.../micro_mutable_op_resolver.h: a stand-in for TFLM's header with only what
// `tinyopt export`'s sources use: TfLiteStatus and MicroMutableOpResolver<N> whose Add* methods record their name
// (and fail past N registrations, as TFLM's do). Written for the export test; not TFLM code.
#pragma once

#include <vector>

enum TfLiteStatus { kTfLiteOk = 0, kTfLiteError = 1 };

namespace tflite {

template <unsigned int tOpCount>
class MicroMutableOpResolver {
 public:
  std::vector<const char*> added;
#define TINYOPT_FAKE_ADD(method) \
  TfLiteStatus method() { \
    if (added.size() >= tOpCount) return kTfLiteError; \
    added.push_back(#method); \
    return kTfLiteOk; \
  }
  TINYOPT_FAKE_ADD(AddAdd) TINYOPT_FAKE_ADD(AddAveragePool2D) TINYOPT_FAKE_ADD(AddConcatenation)
  TINYOPT_FAKE_ADD(AddConv2D) TINYOPT_FAKE_ADD(AddDecode) TINYOPT_FAKE_ADD(AddDepthwiseConv2D)
  TINYOPT_FAKE_ADD(AddDequantize) TINYOPT_FAKE_ADD(AddFullyConnected) TINYOPT_FAKE_ADD(AddHardSwish)
  TINYOPT_FAKE_ADD(AddLeakyRelu) TINYOPT_FAKE_ADD(AddLogistic) TINYOPT_FAKE_ADD(AddMaxPool2D) TINYOPT_FAKE_ADD(AddMean)
  TINYOPT_FAKE_ADD(AddMul) TINYOPT_FAKE_ADD(AddPad) TINYOPT_FAKE_ADD(AddQuantize) TINYOPT_FAKE_ADD(AddRelu)
  TINYOPT_FAKE_ADD(AddRelu6) TINYOPT_FAKE_ADD(AddReshape) TINYOPT_FAKE_ADD(AddSoftmax) TINYOPT_FAKE_ADD(AddSqueeze)
  TINYOPT_FAKE_ADD(AddStridedSlice) TINYOPT_FAKE_ADD(AddSub) TINYOPT_FAKE_ADD(AddTanh) TINYOPT_FAKE_ADD(AddTranspose)
#undef TINYOPT_FAKE_ADD
};

}  // namespace tflite
