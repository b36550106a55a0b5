// ir/diagnostic.cc: formatting of errors and their locations.
#include "ir/diagnostic.h"

namespace tinyopt {

std::string Location::to_string() const {
  std::string s = file;
  std::vector<std::string> parts;
  if (op) parts.push_back(op_kind.empty() ? fmt::format("op #{}", *op) : fmt::format("op #{} {}", *op, op_kind));
  else if (!op_kind.empty()) parts.push_back(op_kind);
  if (!tensor.empty()) parts.push_back(fmt::format("tensor '{}'", tensor));
  if (!option.empty()) parts.push_back(fmt::format("option {}", option));
  std::string rest;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) rest += ", ";
    rest += parts[i];
  }
  if (!s.empty() && !rest.empty()) return s + ": " + rest;
  return s.empty() ? rest : s;
}

std::string Error::to_string() const {
  std::string where_text = where.to_string();
  return where_text.empty() ? message : where_text + ": " + message;
}

Error join_errors(const std::vector<Error>& errors) {
  if (errors.empty()) return Error{Errc::Internal, {}, "join_errors called with no errors"};
  if (errors.size() == 1) return errors[0];
  Error joined{errors[0].code, {}, fmt::format("{} errors:", errors.size())};
  for (const Error& e : errors) joined.message += "\n  " + e.to_string();
  return joined;
}

}  // namespace tinyopt
