// bench/micro/sample_claims: the id_token payload the JWS and rendering benchmarks sign, with
// claims of a realistic size (a WeChat user with a mobile and an email).
#pragma once

#include <string>

#include "core/model.hpp"
#include "tokens/id_token.hpp"

namespace ciamd::bench {

inline constexpr const char* kSampleUserId = "20240425140138519-BF1B-528B0551B";

inline std::string sample_id_token_payload() {
  const User user{kSampleUserId,
                  "wx_k3j9x0a2mq",
                  "WeChat User",
                  "+8615907132852",
                  "user@example.com",
                  UserStatus::kActive,
                  0,
                  0};
  return id_token_payload(IdTokenInput{"https://ciam.example.com",
                                       "1a2b3c4d5e6f7g8h9i0jAbCdEfGhIjKl", user, 1700000000,
                                       kDefaultIdTokenTtl, "0123456789abcdef0123456789abcdef"});
}

}  // namespace ciamd::bench
