#include "flows/outcome.hpp"

namespace ciamd {

std::string_view to_string(StepStatus s) {
  switch (s) {
    case StepStatus::kUserRegister:
      return "USER_REGISTER";
    case StepStatus::kSocialBind:
      return "SOCIAL_BIND";
    case StepStatus::kMfaAuth:
      return "MFA_AUTH";
  }
  return "UNKNOWN";
}

std::string_view status_of(const LoginOutcome& outcome) {
  struct Visitor {
    std::string_view operator()(const LoginSuccess&) const { return "SUCCESS"; }
    std::string_view operator()(const LoginStep& s) const { return to_string(s.status); }
    std::string_view operator()(const LoginDenied&) const { return "ACCESS_DENIED"; }
  };
  return std::visit(Visitor{}, outcome);
}

std::string_view user_of(const LoginOutcome& outcome) {
  return std::visit([](const auto& o) -> std::string_view { return o.user_id; }, outcome);
}

}  // namespace ciamd
