#include "api/sdk_verify/targets.hpp"

#include <algorithm>

#include "api/json_body.hpp"
#include "core/phone.hpp"
#include "flows/verification/verification.hpp"

namespace ciamd {
namespace {

bool blank_string(const boost::json::value& v) {
  if (!v.is_string()) return false;
  const auto& s = v.as_string();
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

}  // namespace

Result<std::string> read_target(const boost::json::object& body, Channel channel) {
  if (channel == Channel::kSms) {
    auto mobile = required_string(body, "mobile", ErrorCode::kMobileEmpty);
    if (!mobile) return mobile.error();
    std::optional<std::string> e164 = normalize_phone(mobile.value());
    if (!e164) return ErrorCode::kMobileInvalid;
    return std::move(*e164);
  }
  auto email = required_string(body, "email", ErrorCode::kEmailEmpty);
  if (!email) return email.error();
  std::optional<std::string> normal = normalize_email(email.value());
  if (!normal) return ErrorCode::kEmailInvalid;
  return std::move(*normal);
}

bool body_names_target(const boost::json::object& body, Channel channel) {
  const auto* v = body.if_contains(channel == Channel::kSms ? "mobile" : "email");
  return v != nullptr && !v->is_null() && !blank_string(*v);
}

Channel channel_of_body(const boost::json::object& body) {
  const auto* mobile = body.if_contains("mobile");
  if (mobile != nullptr && !mobile->is_null() && !blank_string(*mobile)) return Channel::kSms;
  if (body.contains("email")) return Channel::kEmail;
  return Channel::kSms;
}

}  // namespace ciamd
