// core/result: Result<T> holds either a value or an ApiError. Flows return it; exceptions are kept
// for bugs and infrastructure faults.
//
//   Result<User> r = find_user(...);
//   if (!r) return r.error();
//   use(r.value());
#pragma once

#include <utility>
#include <variant>

#include "core/error.hpp"

namespace ciamd {

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}         // NOLINT
  Result(ApiError error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  Result(ErrorCode code) : state_(std::in_place_index<1>, ApiError{code}) {}    // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const ApiError& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, ApiError> state_;
};

// For operations that produce nothing but may fail.
struct Done {};
using Status = Result<Done>;

}  // namespace ciamd
