// idp-sim/wechat_state: the WeChat Open Platform (mobile app login) side of the simulator: apps,
// users, authorization codes and tokens, and the rules the real endpoints apply
// (docs/providers.md#wechat-app-login), as plain thread-safe calls without HTTP. wechat_open.cpp
// puts them on the wire.
//
// Users belong to the Open Platform account, not to an app: one user has one unionid (or none)
// and a different openid in every app, derived with derive_openid(). The mini program side
// (wechat_mini_state, wechat_server_tokens) reads apps and users through app_secret() and
// find_user() rather than keeping copies of its own.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "idp-sim/clock.hpp"
#include "idp-sim/outcome.hpp"

namespace idp_sim {

inline constexpr std::int64_t kAccessTokenTtl = 7200;
inline constexpr std::int64_t kRefreshTokenTtl =
    std::int64_t{30} * 24 * 3600;  // the documented 30 days
inline constexpr std::string_view kScopeUserinfo = "snsapi_userinfo";
inline constexpr std::string_view kScopeBase = "snsapi_base";

// A user's bound phone number, as the mini program phone API reports it.
struct WechatPhone {
  std::string pure_number;          // purePhoneNumber: digits, no country code
  std::string country_code = "86";  // digits, no '+'
};

struct WechatUser {
  std::string user_key;
  std::string nickname;
  int sex = 0;  // 1 male, 2 female, 0 unknown
  std::string province;
  std::string city;
  std::string country;
  std::string headimgurl;
  std::optional<std::string> unionid;  // none: the user has no unionid at all
  std::optional<WechatPhone> phone;
  bool mini_login_blocked = false;  // a "high-risk user": jscode2session answers 40226
};

// A user to create; absent fields get defaults. The unionid is generated unless `unionid` names
// one or `generate_unionid` is false (the control API's "unionid": null).
struct NewWechatUser {
  std::optional<std::string> user_key;
  std::optional<std::string> nickname;
  std::optional<int> sex;
  std::optional<std::string> province;
  std::optional<std::string> city;
  std::optional<std::string> country;
  std::optional<std::string> headimgurl;
  std::optional<std::string> unionid;
  bool generate_unionid = true;
  std::optional<std::string> phone;         // purePhoneNumber
  std::optional<std::string> country_code;  // only with `phone`; "86" when absent
  bool mini_login_blocked = false;
};

// What the control API returns for a minted code: what the exchange of it will return.
struct MintedCode {
  std::string code;
  std::string openid;
  std::optional<std::string> unionid;
};

struct TokenGrant {
  std::string access_token;
  std::int64_t expires_in = kAccessTokenTtl;
  std::string refresh_token;
  std::string openid;
  std::string scope;
  std::optional<std::string> unionid;  // only in code exchanges, never in refreshes
};

struct UserInfo {
  std::string openid;
  WechatUser user;
};

// The query parameters of the WeChat calls; "" means absent.
struct CodeExchange {
  std::string appid, secret, code, grant_type;
};
struct TokenRefresh {
  std::string appid, grant_type, refresh_token;
};

class WechatState {
 public:
  // `default_code_ttl`: lifetime in seconds of codes minted without an explicit ttl.
  WechatState(const SimClock& clock, std::int64_t default_code_ttl);

  // Control side.
  void add_app(const std::string& appid, const std::string& secret);  // replaces the secret
  bool has_app(const std::string& appid) const;
  std::optional<std::string> app_secret(const std::string& appid) const;
  std::optional<WechatUser> find_user(const std::string& user_key) const;
  ControlResult<WechatUser> add_user(const NewWechatUser& spec);
  // `scope`: "" for snsapi_userinfo; `ttl`: seconds, or the default.
  ControlResult<MintedCode> mint_code(const std::string& appid, const std::string& user_key,
                                      const std::string& scope, std::optional<std::int64_t> ttl);
  // Forgets users, codes and tokens; keeps apps.
  void reset();

  // The WeChat endpoints, validating in the order documented in docs/idp-sim.md.
  WxResult<TokenGrant> exchange_code(const CodeExchange& req);  // /sns/oauth2/access_token
  WxResult<UserInfo> userinfo(const std::string& access_token, const std::string& openid) const;
  WxResult<Done> check_token(const std::string& access_token, const std::string& openid) const;
  WxResult<TokenGrant> refresh(const TokenRefresh& req);  // /sns/oauth2/refresh_token

 private:
  struct Code {
    std::string appid, user_key, scope;
    std::int64_t expires_at = 0;
    bool used = false;
  };
  struct AccessToken {
    std::string appid, user_key, openid, scope;
    std::int64_t expires_at = 0;
  };
  struct RefreshToken {
    std::string appid, user_key, openid, scope, access_token;
    std::int64_t expires_at = 0;
  };

  // The token named by `access_token`, checked for presence, existence, expiry and openid.
  WxResult<AccessToken> find_token(const std::string& access_token,
                                   const std::string& openid) const;  // mu_ held
  std::optional<WxError> check_app(const std::string& appid) const;   // mu_ held

  const SimClock& clock_;
  const std::int64_t default_code_ttl_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::string> secrets_;  // appid -> secret
  std::unordered_map<std::string, WechatUser> users_;     // user_key -> user
  std::unordered_map<std::string, Code> codes_;
  std::unordered_map<std::string, AccessToken> access_tokens_;
  std::unordered_map<std::string, RefreshToken> refresh_tokens_;
};

}  // namespace idp_sim
