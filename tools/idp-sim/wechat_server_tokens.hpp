// idp-sim/wechat_server_tokens: the server access tokens of mini program appids
// (docs/providers.md#wechat-mini-program-stable_token) without HTTP: the POST /cgi-bin/stable_token
// rules, the per-app knobs, and the check a business API (getuserphonenumber) applies to the token
// it is called with. Thread-safe.
//
// Per appid there is one current token. Normal mode hands it out again while more than the early
// window (min(300 s, ttl / 2)) is left; otherwise it mints a new one, and the old one stays valid
// until its own expiry. force_refresh mints a new one and invalidates the current one at once; a
// second forced refresh within 30 s is refused with 45011.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "idp-sim/clock.hpp"
#include "idp-sim/outcome.hpp"
#include "idp-sim/wechat_state.hpp"

namespace idp_sim {

inline constexpr std::int64_t kServerTokenTtl = 7200;
inline constexpr std::int64_t kMaxEarlyWindow = 300;      // "refreshes 5 minutes early"
inline constexpr std::int64_t kForceRefreshSpacing = 30;  // "at least 30 s apart"

// Per-app behaviour, set when the app is registered; kept across /_sim/reset like the app.
struct ServerTokenKnobs {
  std::int64_t token_ttl = kServerTokenTtl;  // seconds, >= 1
  // What a business API answers for an expired token: 42001, or 40014 as one report saw.
  int expired_token_errcode = 42001;
};

// The JSON body of POST /cgi-bin/stable_token; "" means absent.
struct StableTokenRequest {
  std::string grant_type, appid, secret;
  bool force_refresh = false;
};

struct ServerToken {
  std::string access_token;
  std::int64_t expires_in = 0;
};

// Parses a stable_token body. A body that is not a JSON object, or a field of the wrong JSON type
// (a string "true" for force_refresh, say), is 47001 `data format error`. null reads as absent.
WxResult<StableTokenRequest> parse_stable_token_body(std::string_view body);

class WechatServerTokens {
 public:
  WechatServerTokens(const SimClock& clock, const WechatState& wechat);

  // Control side. set_knobs validates first, so a bad knob leaves everything as it was.
  ControlResult<Done> set_knobs(const std::string& appid, const ServerTokenKnobs& knobs);
  // Makes every token of `appid` expired now; returns how many were still valid.
  ControlResult<std::int64_t> expire_all(const std::string& appid);
  // Forgets tokens and force-refresh times; keeps the knobs.
  void reset();

  // POST /cgi-bin/stable_token, after parse_stable_token_body, in the documented check order.
  WxResult<ServerToken> stable_token(const StableTokenRequest& req);
  // The appid `access_token` was issued to, or the error a business API answers for it.
  WxResult<std::string> check(const std::string& access_token) const;

 private:
  struct Token {
    std::string appid;
    std::int64_t ttl = 0;
    std::int64_t expires_at = 0;
  };
  struct AppTokens {
    std::string current;                     // "" before the first token
    std::optional<std::int64_t> last_force;  // time of the last accepted forced refresh
  };

  ServerTokenKnobs knobs_of(const std::string& appid) const;  // mu_ held
  // Makes a new token with the app's full ttl the current one of `appid`.
  ServerToken mint(const std::string& appid, std::int64_t now);  // mu_ held

  const SimClock& clock_;
  const WechatState& wechat_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, ServerTokenKnobs> knobs_;  // appid -> knobs; default if absent
  std::unordered_map<std::string, AppTokens> apps_;          // appid -> current token, last force
  // Every token still known. An invalidated token is erased, so it reads as unknown (40001).
  std::unordered_map<std::string, Token> tokens_;
};

}  // namespace idp_sim
