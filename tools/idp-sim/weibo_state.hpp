// idp-sim/weibo_state: the Weibo side of the simulator (docs/providers.md#weibo) without HTTP:
// apps, users, access tokens minted per (app_key, uid), and the rules of oauth2/get_token_info and
// 2/users/show.json. Thread-safe; weibo.cpp puts them on the wire.
//
// There is no code exchange: tests mint tokens directly, as if oauth2/access_token had run, because
// the server under test must not trust that exchange's uid anyway and verifies every token through
// get_token_info (docs/providers.md#weibo).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "idp-sim/clock.hpp"
#include "idp-sim/outcome.hpp"

namespace idp_sim {

// The lifetime of the official get_token_info sample (expire_in 157679471 shortly after minting).
inline constexpr std::int64_t kWeiboTokenTtl = 157679999;

struct WeiboAppKnobs {
  // get_token_info answers uid, appkey, create_at and expire_in as JSON strings: the doc's field
  // table types them so while its sample shows numbers, and clients must accept both.
  bool string_fields = false;
};

struct WeiboUser {
  std::string uid;  // digits, no leading zero; a JSON number as "id" on the wire
  std::string screen_name;
  std::string gender;  // "m", "f" or "n"
  std::string location;
  std::string province, city;   // Weibo's numeric region codes, as strings
  std::int64_t created_at = 0;  // epoch seconds, rendered in +0800
};

struct NewWeiboUser {
  std::optional<std::string> uid;  // generated (10 digits) when absent
  std::optional<std::string> screen_name;
  std::optional<std::string> gender;
  std::optional<std::string> location;
};

struct MintedWeiboToken {
  std::string access_token;
  std::string uid;
  std::int64_t expires_in = 0;
};

// What get_token_info reports for a valid token.
struct WeiboTokenInfo {
  std::string uid, app_key;
  std::int64_t create_at = 0;
  std::int64_t expire_in = 0;  // seconds left
  bool string_fields = false;  // the owning app's knob, read at call time
};

// Digits only, 1 to 18 of them, no leading zero: ids that survive the trip through a JSON number.
bool is_weibo_id(std::string_view text);

// Weibo's created_at: "Sat Nov 21 10:00:00 +0800 2026" for epoch seconds `t`.
std::string weibo_time(std::int64_t t);

// The `error` text Weibo uses for `error_code`, for faults that do not name one.
std::string default_weibo_error(int error_code);

class WeiboState {
 public:
  explicit WeiboState(const SimClock& clock);

  // Control side. 400 for a malformed app_key, uid, gender or ttl, or a duplicate uid; 404 for an
  // unknown app_key, uid or token. Registering an app again replaces its secret and knobs.
  ControlResult<Done> add_app(const std::string& app_key, const std::string& secret,
                              WeiboAppKnobs knobs);
  ControlResult<WeiboUser> add_user(const NewWeiboUser& spec);
  ControlResult<MintedWeiboToken> mint_token(const std::string& app_key, const std::string& uid,
                                             std::optional<std::int64_t> ttl, bool revoked);
  ControlResult<Done> revoke_token(const std::string& access_token);
  // Forgets users and tokens; apps stay, since they mirror configuration (--weibo-app).
  void reset();

  // POST /oauth2/get_token_info, in the order documented in docs/idp-sim.md.
  WeiboResult<WeiboTokenInfo> token_info(const std::string& access_token);
  // GET /2/users/show.json. A token may show any user: profiles are public.
  WeiboResult<WeiboUser> show_user(const std::string& access_token, const std::string& uid);

 private:
  struct App {
    std::string secret;
    WeiboAppKnobs knobs;
  };
  struct Token {
    std::string app_key, uid;
    std::int64_t create_at = 0, expires_at = 0;
    bool revoked = false;
  };

  // The token check both endpoints share, once the token is known to be present. Needs mu_.
  WeiboResult<Token> valid_token(const std::string& access_token) const;

  const SimClock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, App> apps_;
  std::unordered_map<std::string, WeiboUser> users_;
  std::unordered_map<std::string, Token> tokens_;
};

}  // namespace idp_sim
