#include "idp-sim/wechat_mini_state.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <utility>

#include "idp-sim/ids.hpp"

namespace idp_sim {
namespace {

WxError wx(int errcode, std::string text) {
  return WxError{errcode, std::move(text)};
}

}  // namespace

std::string phone_code_from_body(std::string_view body) {
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) return "";
  const boost::json::value* code = value.as_object().if_contains("code");
  if (!code || !code->is_string()) return "";
  return std::string(code->as_string());
}

std::string wire_phone_number(const WechatPhone& phone) {
  if (phone.country_code == "86") return phone.pure_number;
  return "+" + phone.country_code + " " + phone.pure_number;
}

WechatMiniState::WechatMiniState(const SimClock& clock, const WechatState& wechat,
                                 const WechatServerTokens& tokens, std::int64_t default_code_ttl)
    : clock_(clock), wechat_(wechat), tokens_(tokens), default_code_ttl_(default_code_ttl) {}

ControlResult<WechatUser> WechatMiniState::known_user(const std::string& appid,
                                                      const std::string& user_key) const {
  if (!wechat_.has_app(appid)) return ControlError{404, "unknown appid"};
  auto user = wechat_.find_user(user_key);
  if (!user) return ControlError{404, "unknown user_key"};
  return std::move(*user);
}

ControlResult<std::int64_t> WechatMiniState::expiry(std::optional<std::int64_t> ttl) const {
  if (ttl && *ttl < 0) return ControlError{400, "ttl must not be negative"};
  return clock_.now() + ttl.value_or(default_code_ttl_);
}

ControlResult<MintedCode> WechatMiniState::mint_login_code(const std::string& appid,
                                                           const std::string& user_key,
                                                           std::optional<std::int64_t> ttl) {
  const auto expires_at = expiry(ttl);
  if (!expires_at) return expires_at.error();
  const auto user = known_user(appid, user_key);
  if (!user) return user.error();
  std::string code = new_code();
  std::lock_guard lock(mu_);
  login_codes_[code] = LoginCode{appid, user_key, expires_at.value(), false};
  return MintedCode{std::move(code), derive_openid(appid, user_key), user->unionid};
}

ControlResult<MintedPhoneCode> WechatMiniState::mint_phone_code(const std::string& appid,
                                                                const std::string& user_key,
                                                                std::optional<std::int64_t> ttl,
                                                                bool country_code_as_string) {
  const auto expires_at = expiry(ttl);
  if (!expires_at) return expires_at.error();
  const auto user = known_user(appid, user_key);
  if (!user) return user.error();
  if (!user->phone) return ControlError{400, "user has no phone"};

  MintedPhoneCode minted{new_phone_code(), PhoneInfo{}};
  PhoneInfo& info = minted.info;
  info.phone_number = wire_phone_number(*user->phone);
  info.pure_phone_number = user->phone->pure_number;
  info.country_code = user->phone->country_code;
  info.country_code_as_string = country_code_as_string;
  info.timestamp = clock_.now();
  info.appid = appid;
  std::lock_guard lock(mu_);
  phone_codes_[minted.code] = PhoneCode{info, expires_at.value(), false};
  return minted;
}

void WechatMiniState::reset() {
  std::lock_guard lock(mu_);
  login_codes_.clear();
  phone_codes_.clear();
}

WxResult<MiniSession> WechatMiniState::jscode2session(const JsCodeExchange& req) {
  if (req.appid.empty()) return wx(41002, "appid missing");
  const auto secret = wechat_.app_secret(req.appid);
  if (!secret) return wx(40013, "invalid appid");
  if (req.secret.empty()) return wx(41004, "appsecret missing");
  if (*secret != req.secret) return wx(40125, "invalid appsecret");
  if (req.grant_type != "authorization_code") return wx(40002, "invalid grant_type");
  if (req.js_code.empty()) return wx(41008, "missing code");

  std::lock_guard lock(mu_);
  const auto it = login_codes_.find(req.js_code);
  // As on the Open Platform, a code of another appid is indistinguishable from an unknown one.
  if (it == login_codes_.end() || it->second.appid != req.appid) return wx(40029, "invalid code");
  LoginCode& code = it->second;
  if (code.used) return wx(40163, "code been used");
  if (clock_.now() >= code.expires_at) return wx(40029, "invalid code");
  const auto user = wechat_.find_user(code.user_key);
  if (!user) return wx(40029, "invalid code");  // only after a concurrent /_sim/reset
  // A blocked user's code is refused but not consumed: only a successful exchange uses it up.
  if (user->mini_login_blocked) return wx(40226, "code blocked");
  code.used = true;
  return MiniSession{derive_openid(code.appid, code.user_key), new_session_key(), user->unionid};
}

WxResult<PhoneInfo> WechatMiniState::phone_number(const std::string& access_token,
                                                  const std::string& code) {
  // The token is judged before the body: a call with a bad token never gets as far as parsing.
  const auto token_appid = tokens_.check(access_token);
  if (!token_appid) return token_appid.error();
  if (code.empty()) return wx(47001, "data format error");

  std::lock_guard lock(mu_);
  const auto it = phone_codes_.find(code);
  if (it == phone_codes_.end() || it->second.used || clock_.now() >= it->second.expires_at) {
    return wx(40029, "invalid code");
  }
  // "请求appid身份与获取code的小程序appid不匹配": unlike login codes, this one is told apart.
  if (it->second.info.appid != token_appid.value()) return wx(40013, "invalid appid");
  it->second.used = true;
  return it->second.info;
}

}  // namespace idp_sim
