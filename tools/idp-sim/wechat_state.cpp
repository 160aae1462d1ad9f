#include "idp-sim/wechat_state.hpp"

#include "idp-sim/ids.hpp"

namespace idp_sim {
namespace {

WxError wx(int errcode, std::string text) {
  return WxError{errcode, std::move(text)};
}

bool has_scope(const std::string& scopes, std::string_view wanted) {
  // Scopes are comma-separated (docs/providers.md#wechat-app-access_token).
  std::string_view rest(scopes);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    if (rest.substr(0, comma) == wanted) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

// The unionid is only released to an app that holds the user's userinfo authorization
// (docs/providers.md#wechat-app-access_token), so a snsapi_base grant never carries it.
std::optional<std::string> released_unionid(const WechatUser& user, const std::string& scope) {
  if (!has_scope(scope, kScopeUserinfo)) return std::nullopt;
  return user.unionid;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::optional<ControlError> check_phone(const NewWechatUser& spec) {
  if (!spec.phone) {
    if (spec.country_code) return ControlError{400, "country_code needs phone"};
    return std::nullopt;
  }
  if (!all_digits(*spec.phone) || spec.phone->size() > 20) {
    return ControlError{400, "phone must be 1 to 20 digits (the purePhoneNumber)"};
  }
  const std::string cc = spec.country_code.value_or("86");
  if (!all_digits(cc) || cc.size() > 3 || cc.front() == '0') {
    return ControlError{400, "country_code must be 1 to 3 digits, without '+'"};
  }
  return std::nullopt;
}

}  // namespace

WechatState::WechatState(const SimClock& clock, std::int64_t default_code_ttl)
    : clock_(clock), default_code_ttl_(default_code_ttl) {}

void WechatState::add_app(const std::string& appid, const std::string& secret) {
  std::lock_guard lock(mu_);
  secrets_[appid] = secret;
}

bool WechatState::has_app(const std::string& appid) const {
  std::lock_guard lock(mu_);
  return secrets_.contains(appid);
}

std::optional<std::string> WechatState::app_secret(const std::string& appid) const {
  std::lock_guard lock(mu_);
  const auto it = secrets_.find(appid);
  if (it == secrets_.end()) return std::nullopt;
  return it->second;
}

std::optional<WechatUser> WechatState::find_user(const std::string& user_key) const {
  std::lock_guard lock(mu_);
  const auto it = users_.find(user_key);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

ControlResult<WechatUser> WechatState::add_user(const NewWechatUser& spec) {
  WechatUser user;
  user.user_key = spec.user_key.value_or("user-" + random_chars(kAlnum, 12));
  if (user.user_key.empty()) return ControlError{400, "user_key must not be empty"};
  user.nickname = spec.nickname.value_or("微信用户");
  user.sex = spec.sex.value_or(1);
  if (user.sex < 0 || user.sex > 2) return ControlError{400, "sex must be 0, 1 or 2"};
  user.province = spec.province.value_or("Guangdong");
  user.city = spec.city.value_or("Shenzhen");
  user.country = spec.country.value_or("CN");
  user.headimgurl = spec.headimgurl.value_or("https://thirdwx.qlogo.cn/mmopen/vi_32/" +
                                             random_chars(kAlnum, 40) + "/132");
  if (spec.unionid) {
    if (spec.unionid->empty()) return ControlError{400, "unionid must not be empty"};
    user.unionid = spec.unionid;
  } else if (spec.generate_unionid) {
    user.unionid = new_unionid();
  }
  if (auto bad_phone = check_phone(spec)) return *bad_phone;
  if (spec.phone) user.phone = WechatPhone{*spec.phone, spec.country_code.value_or("86")};
  user.mini_login_blocked = spec.mini_login_blocked;

  std::lock_guard lock(mu_);
  if (!users_.try_emplace(user.user_key, user).second) {
    return ControlError{400, "user_key already exists"};
  }
  return user;
}

ControlResult<MintedCode> WechatState::mint_code(const std::string& appid,
                                                 const std::string& user_key,
                                                 const std::string& scope,
                                                 std::optional<std::int64_t> ttl) {
  const std::string granted = scope.empty() ? std::string(kScopeUserinfo) : scope;
  if (granted != kScopeUserinfo && granted != kScopeBase) {
    return ControlError{400, "scope must be snsapi_userinfo or snsapi_base"};
  }
  if (ttl && *ttl < 0) return ControlError{400, "ttl must not be negative"};

  std::lock_guard lock(mu_);
  if (!secrets_.contains(appid)) return ControlError{404, "unknown appid"};
  const auto user = users_.find(user_key);
  if (user == users_.end()) return ControlError{404, "unknown user_key"};
  std::string code = new_code();
  codes_[code] = Code{appid, user_key, granted, clock_.now() + ttl.value_or(default_code_ttl_)};
  return MintedCode{std::move(code), derive_openid(appid, user_key),
                    released_unionid(user->second, granted)};
}

void WechatState::reset() {
  std::lock_guard lock(mu_);
  users_.clear();
  codes_.clear();
  access_tokens_.clear();
  refresh_tokens_.clear();
}

std::optional<WxError> WechatState::check_app(const std::string& appid) const {
  if (appid.empty()) return wx(41002, "appid missing");
  if (!secrets_.contains(appid)) return wx(40013, "invalid appid");
  return std::nullopt;
}

WxResult<TokenGrant> WechatState::exchange_code(const CodeExchange& req) {
  std::lock_guard lock(mu_);
  if (auto bad_app = check_app(req.appid)) return *bad_app;
  if (req.secret.empty()) return wx(41004, "appsecret missing");
  if (secrets_.at(req.appid) != req.secret) return wx(40125, "invalid appsecret");
  if (req.grant_type != "authorization_code") return wx(40002, "invalid grant_type");
  if (req.code.empty()) return wx(41008, "missing code");

  const auto it = codes_.find(req.code);
  // A code minted for another app is indistinguishable from an unknown one
  // (docs/providers.md#wechat-app-access_token).
  if (it == codes_.end() || it->second.appid != req.appid) return wx(40029, "invalid code");
  Code& code = it->second;
  if (code.used) return wx(40163, "code been used");
  if (clock_.now() >= code.expires_at) return wx(40029, "invalid code");
  const auto user = users_.find(code.user_key);
  if (user == users_.end()) return wx(40029, "invalid code");
  code.used = true;

  const std::int64_t now = clock_.now();
  TokenGrant grant;
  grant.access_token = new_token();
  grant.refresh_token = new_token();
  grant.openid = derive_openid(code.appid, code.user_key);
  grant.scope = code.scope;
  grant.unionid = released_unionid(user->second, code.scope);
  access_tokens_[grant.access_token] =
      AccessToken{code.appid, code.user_key, grant.openid, code.scope, now + kAccessTokenTtl};
  refresh_tokens_[grant.refresh_token] =
      RefreshToken{code.appid, code.user_key,      grant.openid,
                   code.scope, grant.access_token, now + kRefreshTokenTtl};
  return grant;
}

WxResult<WechatState::AccessToken> WechatState::find_token(const std::string& access_token,
                                                           const std::string& openid) const {
  if (access_token.empty()) return wx(41001, "access_token missing");
  const auto it = access_tokens_.find(access_token);
  if (it == access_tokens_.end()) return wx(40014, "invalid access_token");
  if (clock_.now() >= it->second.expires_at) return wx(42001, "access_token expired");
  if (openid.empty()) return wx(41009, "missing openid");
  if (openid != it->second.openid) return wx(40003, "invalid openid");
  return it->second;
}

WxResult<UserInfo> WechatState::userinfo(const std::string& access_token,
                                         const std::string& openid) const {
  std::lock_guard lock(mu_);
  const auto token = find_token(access_token, openid);
  if (!token) return token.error();
  if (!has_scope(token->scope, kScopeUserinfo)) return wx(48001, "api unauthorized");
  const auto user = users_.find(token->user_key);
  if (user == users_.end()) return wx(40014, "invalid access_token");
  return UserInfo{token->openid, user->second};
}

WxResult<Done> WechatState::check_token(const std::string& access_token,
                                        const std::string& openid) const {
  std::lock_guard lock(mu_);
  const auto token = find_token(access_token, openid);
  if (!token) return token.error();
  return Done{};
}

WxResult<TokenGrant> WechatState::refresh(const TokenRefresh& req) {
  std::lock_guard lock(mu_);
  if (auto bad_app = check_app(req.appid)) return *bad_app;
  if (req.grant_type != "refresh_token") return wx(40002, "invalid grant_type");
  if (req.refresh_token.empty()) return wx(41003, "refresh_token missing");
  const auto it = refresh_tokens_.find(req.refresh_token);
  if (it == refresh_tokens_.end() || it->second.appid != req.appid) {
    return wx(40030, "invalid refresh_token");
  }
  RefreshToken& rt = it->second;
  const std::int64_t now = clock_.now();
  if (now >= rt.expires_at) return wx(42002, "refresh_token expired");

  // WeChat's app login page (linked from docs/providers.md#wechat-app-login): an unexpired
  // access_token is kept and its expiry extended; an expired one is replaced. The refresh_token
  // itself stays the same and keeps its original expiry.
  auto current = access_tokens_.find(rt.access_token);
  if (current != access_tokens_.end() && now < current->second.expires_at) {
    current->second.expires_at = now + kAccessTokenTtl;
  } else {
    if (current != access_tokens_.end()) access_tokens_.erase(current);
    rt.access_token = new_token();
    access_tokens_[rt.access_token] =
        AccessToken{rt.appid, rt.user_key, rt.openid, rt.scope, now + kAccessTokenTtl};
  }
  TokenGrant grant;
  grant.access_token = rt.access_token;
  grant.refresh_token = req.refresh_token;
  grant.openid = rt.openid;
  grant.scope = rt.scope;
  return grant;
}

}  // namespace idp_sim
