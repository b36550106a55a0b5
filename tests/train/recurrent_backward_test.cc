// tests/train/recurrent_backward_test.cc: the SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM backward kernels against finite
// differences (tests/train/gradient_check.h: batch 2, input and every parameter) on small seeded graphs.
#include <doctest/doctest.h>

#include "tests/passes/recurrent_test_graphs.h"
#include "tests/train/gradient_check.h"

namespace tinyopt {
namespace {

// x [1, time, in] -> LSTM (cells) -> [1, time, cells].
Graph lstm_graph(int time, int in, int cells, float clip) {
  test::RecurrentGraph b(13);
  const TensorId x = b.activation("x", {1, time, in});
  return b.finish(x, b.lstm(x, cells, clip));
}

// x [1, in] -> SVDF (filters = units x rank, memory) -> [1, units].
Graph svdf_graph(int in, int units, int rank, int memory, Activation act) {
  test::RecurrentGraph b(13);
  const TensorId x = b.activation("x", {1, in});
  return b.finish(x, b.svdf(x, units, rank, memory, act));
}

TEST_CASE("backward UNIDIRECTIONAL_SEQUENCE_LSTM: BPTT over 4 steps, with and without cell clip") {
  for (float clip : {0.0f, 0.6f}) {
    CAPTURE(clip);
    test::check_gradients(lstm_graph(4, 3, 3, clip), {.input_scale = 1.5f});
  }
}

TEST_CASE("backward SVDF: rank 1 and 2, fused RELU") {
  test::check_gradients(svdf_graph(4, 3, 1, 3, Activation::None));
  test::check_gradients(svdf_graph(3, 2, 2, 4, Activation::Relu));
}

}  // namespace
}  // namespace tinyopt
