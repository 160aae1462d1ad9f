// Helpers for finishing a USER_REGISTER or SOCIAL_BIND flow: sending verification codes, reading
// them back from where the server delivered them (outbox file, webhook receiver, SMTP sink), and
// posting register-bind / bind with the flow's state token. Also a database snapshot for
// "a failed request changed nothing": every table's row count except the audit trail, plus the
// consumed flags of flow_states and the used flags of verification_codes.
//
//   const std::string token = start_flow(env, client, env.fresh_code());
//   const std::size_t seen = outbox_messages(env).size();
//   HttpResult s = post_flow(env, kSmsSendPath, client, token, {{"mobile", m}, {"type", ...}});
//   const OutboxMessage msg = wait_outbox_message(env, seen);   // msg.code
#pragma once

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "integration/support/env.hpp"
#include "integration/support/expect.hpp"

namespace it {

inline constexpr const char* kSmsSendPath = "/api/v2/sdk/sms/send";
inline constexpr const char* kEmailSendPath = "/api/v2/sdk/email/send";
inline constexpr const char* kRegisterBindPath = "/api/v2/sdk/social/register-bind";
inline constexpr const char* kBindPath = "/api/v2/sdk/social/bind";

// A random mainland mobile number, 11 digits "159xxxxxxxx".
std::string unique_mobile();
// "+86 159 0713 2852" and "+86-15907132852" for "15907132852".
std::string spaced_mobile(const std::string& m);
std::string dashed_mobile(const std::string& m);
// A unique lower-case address at example.com.
std::string unique_email();
// `s` with ASCII letters alternately upper- and lower-cased.
std::string mixed_case(const std::string& s);

// Logs `code` in through `client` and returns the flow's state token; on anything but a
// USER_REGISTER/SOCIAL_BIND answer it records a failure and returns "".
std::string start_flow(Env& env, const std::string& client, const std::string& code);

// Device headers, X-client-id, Content-Type and X-state-token.
Headers flow_headers(const Env& env, const std::string& client, const std::string& state_token);
// POSTs `body` to `path` with flow_headers; `extra` replaces same-named headers.
HttpResult post_flow(const Env& env, const std::string& path, const std::string& client,
                     const std::string& state_token, const boost::json::object& body,
                     const Headers& extra = {});

// The 6-digit number in a message text ("" when there is none or more than one).
std::string code_in(const std::string& text);

struct OutboxMessage {
  boost::json::object raw;
  std::string channel, to, subject, text, purpose, request_id, code;
};
std::vector<OutboxMessage> outbox_messages(const Env& env);
// Waits (bounded, 5 s) until the outbox holds more than `seen` messages and returns message
// number `seen`; records a failure and returns an empty message when none arrives.
OutboxMessage wait_outbox_message(const Env& env, std::size_t seen);

// Sends a code of `type` to `target` ("mobile" or "email" as `field`) through the outbox,
// expecting 200 with an empty body, and returns the delivered code ("" after a failure).
std::string send_code(Env& env, const std::string& client, const std::string& state_token,
                      const std::string& field, const std::string& target, const std::string& type);

// Sleeps resend_interval + 1 s (the Env's configuration; timestamps may be whole seconds), so the
// next send to a target is not refused as a resend. A bounded wait, not a measurement.
void wait_out_resend_interval(const Env& env);

// 200 with an empty body.
::testing::AssertionResult is_empty_ok(const HttpResult& r);

// Verifies the SUCCESS response's id_token against the JWKS (is_valid_id_token, TTL 300) and
// returns its `api` claim parsed; stores the subject in *sub.
boost::json::object api_claims(Env& env, const HttpResult& r, const std::string& client,
                               std::string* sub = nullptr);

// Row counts without audit_events, plus "flow_states.consumed" and "verification_codes.used".
RowCounts db_state(Env& env);

// A second WeChat app (or mini program) in the simulator, and ciamd apps configured with it.
WechatApp add_wechat_app(Env& env, const SimAppKnobs& knobs = {});
std::string create_app_on(Env& env, const WechatApp& wechat, const AppSpec& spec);

}  // namespace it
