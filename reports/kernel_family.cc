// reports/kernel_family.cc: names of the kernel families.
#include "reports/kernel_family.h"

#include <array>
#include <utility>

namespace tinyopt {
namespace {

constexpr std::array<std::pair<KernelFamily, std::string_view>, 5> kNames = {{
    {KernelFamily::Reference, "reference"},
    {KernelFamily::CmsisNnScalar, "cmsis-nn-scalar"},
    {KernelFamily::CmsisNnDsp, "cmsis-nn-dsp"},
    {KernelFamily::CmsisNnMve, "cmsis-nn-mve"},
    {KernelFamily::EspNn, "esp-nn"},
}};

}  // namespace

std::string_view kernel_family_name(KernelFamily k) {
  for (const auto& [family, name] : kNames)
    if (family == k) return name;
  return "reference";
}

std::optional<KernelFamily> kernel_family_from_name(std::string_view name) {
  for (const auto& [family, n] : kNames)
    if (n == name) return family;
  return std::nullopt;
}

std::vector<std::string> kernel_family_names() {
  std::vector<std::string> out;
  for (const auto& entry : kNames) out.emplace_back(entry.second);
  return out;
}

}  // namespace tinyopt
