// Helpers for the Weibo login tests: the simulator's Weibo users and access tokens, and the
// second factor (MFA_AUTH) a login may ask for.
//
//   const WeiboUser u = new_weibo_user(env);
//   const std::string token = weibo_token(env, u.uid);
//   HttpResult r = env.login_weibo(client, token, u.uid);
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "integration/support/env.hpp"

namespace it {

inline constexpr const char* kMobileByTokenPath = "/api/v2/sdk/mobile-by-token";
inline constexpr const char* kMfaSmsPath = "/api/v2/sdk/mfa/sms";
inline constexpr const char* kMfaEmailPath = "/api/v2/sdk/mfa/email";

// A Weibo app key: 10 digits, no leading zero (the simulator's id rule).
std::string random_weibo_app_key();

struct WeiboUser {
  std::string uid;
  std::string screen_name;
};
// A new simulator Weibo user with a generated uid.
WeiboUser new_weibo_user(Env& env);
// An access token of `uid` for `app_key` (default: the Env's Weibo app).
std::string weibo_token(Env& env, const std::string& uid, const std::string& app_key = {});

// 200, exactly {"status","state_token","data"}: status MFA_AUTH, a 3-part JWS state token and
// `data` equal to `factors` (the JSON string, e.g. "[\"SMS\"]").
::testing::AssertionResult is_mfa(const HttpResult& r, const std::string& factors);
// The state_token of a JSON answer ("" when there is none).
std::string state_token_of(const HttpResult& r);

}  // namespace it
