// ir/shape.h: tensor shapes (row-major, NHWC for images) and overflow-checked element counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tinyopt {

using Shape = std::vector<int32_t>;

// Largest element count we accept for one tensor (2^31 - 1 bytes of int8 is far beyond any MCU model); keeps
// sizes read from a file from driving huge allocations.
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 31;

// Product of the dimensions; nullopt if a dimension is negative or the product exceeds kMaxTensorElements.
std::optional<int64_t> checked_num_elements(const Shape& shape);
// Product of the dimensions of a shape already known valid (asserts).
int64_t num_elements(const Shape& shape);
// "[1,28,28,1]"
std::string shape_to_string(const Shape& shape);

}  // namespace tinyopt
