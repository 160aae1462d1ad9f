// idp-sim/outcome: a value or an error, for the simulator's logic layer. Three error kinds exist:
// WxError is what a simulated WeChat endpoint answers (rendered on the wire as HTTP 200 + errcode),
// WeiboError what a simulated Weibo endpoint answers (HTTP 400 + error_code), and ControlError is a
// bad request to the control API (rendered as HTTP 4xx + {"error": ...}).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace idp_sim {

template <class T, class E>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Outcome(E error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const { return std::get<0>(state_); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, E> state_;
};

// A WeChat error: `text` is the errmsg before the ", rid: ..." suffix the wire layer appends.
struct WxError {
  int errcode = 0;
  std::string text;
};

// A Weibo error: `error_code` and the `error` text; the wire layer adds the "request" path.
struct WeiboError {
  int error_code = 0;
  std::string error;
};

struct ControlError {
  int status = 400;
  std::string message;
};

struct Done {};

template <class T>
using WxResult = Outcome<T, WxError>;
template <class T>
using WeiboResult = Outcome<T, WeiboError>;
template <class T>
using ControlResult = Outcome<T, ControlError>;

}  // namespace idp_sim
