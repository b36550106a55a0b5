// ir/diagnostic.h: the error type every library function returns instead of an exit code.
//
// An Error carries a category (Errc, mapped to an exit code in one place, cli/main.cc), a Location naming what
// is wrong (file, op index, op kind, tensor, option) and a message. Expected<T> holds either a T or an Error.
// Several errors can be joined into one (every unsupported op in a model, every bad field of a target file);
// the joined message has one line per error.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/format.h>

namespace tinyopt {

// Category of a failure. The CLI maps these to exit codes: BadInput/Unsupported -> 2, CheckFailed -> 1,
// Internal -> 3.
enum class Errc {
  BadInput,     // malformed file, wrong shape, bad option value: the user can fix the input
  Unsupported,  // well-formed input the tool cannot handle (an op we do not implement)
  CheckFailed,  // a requested check did not pass (drift over threshold, model does not fit)
  Internal,     // a broken internal invariant: a bug in tinyopt
};

// Where an error is. Only the fields that are set are printed, in this order.
struct Location {
  std::string file{};          // "kws_dscnn_float.tflite"
  std::optional<int> op{};     // operator index in subgraph 0
  std::string op_kind{};       // "DEPTHWISE_CONV_2D"
  std::string tensor{};        // tensor name as stored in the model
  std::string option{};        // "prune.sparsity", "--calib"

  // "file: op #3 FULLY_CONNECTED, tensor 'dense/bias', option --calib" (empty when nothing is set).
  std::string to_string() const;
};

struct Error {
  Errc code = Errc::Internal;
  Location where;
  std::string message;

  // One line: "<location>: <message>", or just the message when the location is empty.
  std::string to_string() const;
};

// Joins several errors into one whose message lists them all, one per line. The joined code is the first's.
Error join_errors(const std::vector<Error>& errors);

template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::move(value)) {}                  // NOLINT: implicit by design
  Expected(Error error) : v_(std::move(error)) {}              // NOLINT
  explicit operator bool() const { return v_.index() == 0; }
  bool has_value() const { return v_.index() == 0; }
  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { assert(!has_value()); return std::get<1>(v_); }
  Error take_error() { assert(!has_value()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Expected<void> {
 public:
  Expected() = default;
  Expected(Error error) : error_(std::move(error)) {}          // NOLINT
  explicit operator bool() const { return !error_; }
  bool has_value() const { return !error_; }
  const Error& error() const { assert(error_); return *error_; }
  Error take_error() { assert(error_); return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

// fail(Errc::BadInput, {.file = path, .op = 3}, "bias has {} elements", n)
template <class... Args>
Error fail(Errc code, Location where, fmt::format_string<Args...> format, Args&&... args) {
  return Error{code, std::move(where), fmt::format(format, std::forward<Args>(args)...)};
}

// Propagates an error out of the calling function: TRY(auto x, expr) is not provided on purpose; write
//   auto r = f(); if (!r) return r.take_error();
// so that control flow stays visible.

}  // namespace tinyopt
