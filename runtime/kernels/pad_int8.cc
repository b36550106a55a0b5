// runtime/kernels/pad_int8.cc: PAD on int8/int16 tensors with constant paddings [rank, 2]: the padded border
// holds the output zero point (real value 0; TFLite int8 spec keeps the input's scale and zero point), the
// interior is the input copied row by row (innermost dimension contiguous).
#include <algorithm>
#include <cstring>
#include <vector>

#include "runtime/kernels/int8_kernels.h"
#include "runtime/quantized_prepare.h"

namespace tinyopt {

namespace {

struct PadParams {
  Shape in, out;
  std::vector<int32_t> before;  // leading padding per dimension
  int32_t pad_value = 0;
  size_t esize = 1;
};

class PadInt8 final : public Kernel {
 public:
  explicit PadInt8(PadParams p) : p_(std::move(p)) {}
  void eval(const OpBuffers& io) const override {
    const uint8_t* in = io.inputs[0];
    uint8_t* out = io.outputs[0];
    const int64_t n_out = num_elements(p_.out);
    if (p_.esize == 1) {
      std::memset(out, static_cast<int8_t>(p_.pad_value), static_cast<size_t>(n_out));
    } else {
      auto* o16 = reinterpret_cast<int16_t*>(out);
      std::fill(o16, o16 + n_out, static_cast<int16_t>(p_.pad_value));
    }
    const size_t rank = p_.in.size();
    if (rank == 0) {
      std::memcpy(out, in, p_.esize);
      return;
    }
    if (num_elements(p_.in) == 0) return;
    const int32_t inner = p_.in[rank - 1];
    const int64_t rows = num_elements(p_.in) / inner;
    std::vector<int32_t> idx(rank, 0);  // input multi-index of the current row (last entry stays 0)
    for (int64_t r = 0; r < rows; ++r) {
      int64_t o = 0;
      for (size_t d = 0; d < rank; ++d) o = o * p_.out[d] + idx[d] + p_.before[d];
      std::memcpy(out + o * static_cast<int64_t>(p_.esize), in + r * inner * static_cast<int64_t>(p_.esize),
                  static_cast<size_t>(inner) * p_.esize);
      for (size_t d = rank - 1; d-- > 0;) {
        if (++idx[d] < p_.in[d]) break;
        idx[d] = 0;
      }
    }
  }

 private:
  PadParams p_;
};

}  // namespace

KernelResult make_pad_int8(const Graph& g, int op_index) {
  const Tensor* in = op_input(g, op_index, 0);
  const Tensor* pads = op_input(g, op_index, 1);
  const Tensor* out = op_output(g, op_index, 0);
  if (!in || !pads || !out) return bad_op(g, op_index, nullptr, "PAD needs input, paddings and output");
  if ((in->dtype != DType::Int8 && in->dtype != DType::Int16) || out->dtype != in->dtype)
    return unsupported_dtypes(g, op_index, "no integer PAD kernel for");
  if (!pads->is_constant || (pads->dtype != DType::Int32 && pads->dtype != DType::Int64))
    return bad_op(g, op_index, pads, "paddings must be a constant int32/int64 tensor");
  const size_t rank = in->shape.size();
  if (pads->num_elements() != static_cast<int64_t>(2 * rank) || out->shape.size() != rank)
    return bad_op(g, op_index, pads, fmt::format("paddings must have shape [{}, 2]", rank));
  auto qo = per_tensor_quant(g, op_index, out);
  if (!qo) return qo.take_error();
  PadParams p;
  p.in = in->shape;
  p.out = out->shape;
  p.esize = dtype_size(in->dtype);
  p.pad_value = qo->zero_point;
  for (size_t d = 0; d < rank; ++d) {
    const int64_t lo = pads->dtype == DType::Int32 ? pads->values<int32_t>()[2 * d] : pads->values<int64_t>()[2 * d];
    const int64_t hi = pads->dtype == DType::Int32 ? pads->values<int32_t>()[2 * d + 1] : pads->values<int64_t>()[2 * d + 1];
    if (lo < 0 || hi < 0 || in->shape[d] + lo + hi != out->shape[d])
      return bad_op(g, op_index, pads, fmt::format("paddings of dimension {} do not give the output shape", d));
    p.before.push_back(static_cast<int32_t>(lo));
  }
  return std::unique_ptr<Kernel>(std::make_unique<PadInt8>(std::move(p)));
}

}  // namespace tinyopt
