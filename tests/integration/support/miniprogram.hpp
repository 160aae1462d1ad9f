// Helpers for the WeChat mini program tests: simulator users with a bound phone, fresh mini
// program appids (each server caches one access token per appid, so a test counting
// cgi-bin/stable_token calls needs an appid nobody used before), flows started by the mini program
// login, and the "refused in both languages, nothing written but the audit row" check.
//
//   const PhoneUser p = new_phone_user(env);
//   const HttpResult r = env.login_phone(client, env.mint_phone_code(p.user_key).code);
//   EXPECT_EQ(mobile_of(env, r, client), "+86-" + p.phone);
#pragma once

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "integration/support/env.hpp"
#include "integration/support/expect.hpp"

namespace it {

inline constexpr const char* kJscodePath = "/sns/jscode2session";
inline constexpr const char* kStableTokenPath = "/cgi-bin/stable_token";
inline constexpr const char* kPhoneNumberPath = "/wxa/business/getuserphonenumber";

// A simulator user whose WeChat account has a (fresh, mainland) phone bound.
struct PhoneUser {
  std::string user_key;
  std::string phone;  // 11 digits, no country code
};
// `extra` adds fields to the control API's body (say {"unionid": null}).
PhoneUser new_phone_user(Env& env, boost::json::object extra = {});

// A mini program appid nobody has used yet (registered in the simulator with `knobs`) and a ciamd
// app configured with it and `spec`.
struct MiniProgramApp {
  WechatApp mini;
  std::string client;
};
MiniProgramApp app_on_fresh_miniprogram(Env& env, AppSpec spec = {}, const SimAppKnobs& knobs = {});

// The subject of a SUCCESS answer's id_token, read without verifying it (for checks over many
// answers; api_claims verifies).
std::string subject_of(const HttpResult& r);
// The `mobile` of the verified id_token's api claim.
std::string mobile_of(Env& env, const HttpResult& r, const std::string& client);

// The mini program login of `user_key` on `client` (a code of the Env's mini program) and its
// state token; records a failure and returns "" unless it answers a flow.
std::string start_mini_flow(Env& env, const std::string& client, const std::string& user_key);

// Makes the ciamd user who owns `p`'s phone (a phone login on a fresh auto_create app) and
// returns their id. No WeChat identity gets linked by that.
std::string phone_owner(Env& env, const PhoneUser& p);

// Row counts, audit_events included, plus "flow_states.consumed" and "verification_codes.used",
// once the audit rows of the requests sent so far have landed.
RowCounts full_state(Env& env);
// The same after requests that should have written `audit_delta` audit rows (Env::settle_audit).
RowCounts full_state_after(Env& env, const RowCounts& before, std::int64_t audit_delta);

// Sends make(language headers) in English and in Chinese. Each answer must be `code` in that
// language and must change nothing but one audit row (full_state: a flow stays unconsumed); for
// the project's own codes the two messages must differ. Returns the English and the Chinese
// answer.
std::pair<HttpResult, HttpResult> expect_refused(
    Env& env, const std::function<HttpResult(const Headers&)>& make, std::string_view code);

// Sends a code to an endpoint: send(code, language headers).
using CodeSender = std::function<HttpResult(const std::string&, const Headers&)>;
// Makes two codes with make_code() before anything is measured (making one may log somebody in),
// then expect_refused with one of them per language.
void expect_codes_refused(Env& env, const CodeSender& send,
                          const std::function<std::string()>& make_code, std::string_view error);

}  // namespace it
