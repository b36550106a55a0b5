// runtime/kernels/strided_copy.h: the gather that TRANSPOSE and STRIDED_SLICE reduce to, any element size:
//   out (row-major over `sizes`) [i0, i1, ...] = in[base + i0 * strides[0] + i1 * strides[1] + ...]
// with element strides that may be negative (reversed slices). eval walks the output in order with an odometer.
#pragma once

#include <cstring>
#include <memory>
#include <vector>

#include "runtime/kernels/float_kernels.h"

namespace tinyopt {

template <class Element>
class StridedCopy final : public Kernel {
 public:
  std::vector<int64_t> sizes, strides;
  int64_t base = 0, count = 0;

  void eval(const OpBuffers& io) const override {
    const auto* x = reinterpret_cast<const Element*>(io.inputs[0]);
    auto* y = reinterpret_cast<Element*>(io.outputs[0]);
    const size_t rank = sizes.size();
    if (count == 0) return;
    if (rank == 0) { y[0] = x[base]; return; }
    const int64_t inner = sizes[rank - 1], s_inner = strides[rank - 1];
    std::vector<int64_t> index(rank, 0);
    int64_t o = base;
    for (int64_t done = 0; done < count; done += inner) {
      if (s_inner == 1) std::memcpy(y + done, x + o, static_cast<size_t>(inner) * sizeof(Element));
      else for (int64_t i = 0; i < inner; ++i) y[done + i] = x[o + i * s_inner];
      for (size_t d = rank - 1; d-- > 0;) {
        o += strides[d];
        if (++index[d] < sizes[d]) break;
        o -= strides[d] * sizes[d];
        index[d] = 0;
      }
    }
  }
};

// A StridedCopy for elements of `element_bytes` bytes (1, 2, 4 or 8).
inline std::unique_ptr<Kernel> make_strided_copy(size_t element_bytes, std::vector<int64_t> sizes,
                                                  std::vector<int64_t> strides, int64_t base) {
  auto fill = [&](auto k) -> std::unique_ptr<Kernel> {
    k->count = 1;
    for (int64_t s : sizes) k->count *= s;
    k->sizes = std::move(sizes);
    k->strides = std::move(strides);
    k->base = base;
    return k;
  };
  switch (element_bytes) {
    case 1: return fill(std::make_unique<StridedCopy<uint8_t>>());
    case 2: return fill(std::make_unique<StridedCopy<uint16_t>>());
    case 4: return fill(std::make_unique<StridedCopy<uint32_t>>());
    default: return fill(std::make_unique<StridedCopy<uint64_t>>());
  }
}

// Row-major element strides of `shape`.
inline std::vector<int64_t> row_major_strides(const Shape& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) s[d - 1] = s[d] * shape[d];
  return s;
}

}  // namespace tinyopt
