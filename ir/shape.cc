// ir/shape.cc
#include "ir/shape.h"

#include <cassert>

namespace tinyopt {

std::optional<int64_t> checked_num_elements(const Shape& shape) {
  int64_t n = 1;
  for (int32_t d : shape) {
    if (d < 0) return std::nullopt;
    n *= d;
    if (n > kMaxTensorElements) return std::nullopt;
  }
  return n;
}

int64_t num_elements(const Shape& shape) {
  std::optional<int64_t> n = checked_num_elements(shape);
  assert(n);
  return n.value_or(0);
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace tinyopt
