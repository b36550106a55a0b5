// formats/stb_image_guards.cc: the PNM header check (see stb_image_guards.h).
#include "formats/stb_image_guards.h"

namespace tinyopt {
namespace {

constexpr int64_t kMaxPnmNumber = INT32_MAX;

}  // namespace

// PNM header (netpbm): "P5" or "P6", then width, height and maximum value as decimal numbers, separated by
// whitespace and "#" comments that run to the end of the line. stb_image reads them one digit at a time into an
// int; this reads them the same way, in 64 bits.
Expected<void> check_pnm_header(std::span<const uint8_t> bytes, const std::string& name) {
  if (bytes.size() < 2 || bytes[0] != 'P' || (bytes[1] != '5' && bytes[1] != '6')) return {};
  auto is_space = [](uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  size_t i = 2;
  for (int number = 0; number < 3; ++number) {
    for (;;) {
      while (i < bytes.size() && is_space(bytes[i])) ++i;
      if (i >= bytes.size() || bytes[i] != '#') break;
      while (i < bytes.size() && bytes[i] != '\n' && bytes[i] != '\r') ++i;
    }
    int64_t value = 0;
    for (; i < bytes.size() && bytes[i] >= '0' && bytes[i] <= '9'; ++i) {
      value = value * 10 + (bytes[i] - '0');
      if (value > kMaxPnmNumber)
        return fail(Errc::BadInput, {.file = name}, "corrupt PNM header: a number does not fit in 32 bits");
    }
  }
  return {};
}

}  // namespace tinyopt
