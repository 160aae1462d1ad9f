// flows/outcome: what a login-type flow decides. Handlers render these exactly as docs/api.md
// "Results of a login" says.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace ciamd {

// The user is logged in.
struct LoginSuccess {
  std::string session_token;
  std::int64_t expire = 0;  // the session's lifetime in seconds
  std::string id_token;
  std::string user_id;  // for the audit trail; not rendered
};

// The flow needs another step; the client continues with the state token.
enum class StepStatus { kUserRegister, kSocialBind, kMfaAuth };
std::string_view to_string(StepStatus s);  // "USER_REGISTER", "SOCIAL_BIND", "MFA_AUTH"

struct LoginStep {
  StepStatus status = StepStatus::kUserRegister;
  std::string state_token;
  std::string data;     // a JSON document serialized into a string, as docs/api.md shows
  std::string user_id;  // known for MFA; empty for bind/register
};

// The application's access policy does not admit the user.
struct LoginDenied {
  std::string user_id;
};

using LoginOutcome = std::variant<LoginSuccess, LoginStep, LoginDenied>;

// "SUCCESS", "USER_REGISTER", "SOCIAL_BIND", "MFA_AUTH" or "ACCESS_DENIED".
std::string_view status_of(const LoginOutcome& outcome);
std::string_view user_of(const LoginOutcome& outcome);

}  // namespace ciamd
