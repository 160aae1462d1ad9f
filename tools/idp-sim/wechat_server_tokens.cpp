#include "idp-sim/wechat_server_tokens.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <utility>

#include "idp-sim/ids.hpp"

namespace idp_sim {
namespace {

namespace json = boost::json;

WxError wx(int errcode, std::string text) {
  return WxError{errcode, std::move(text)};
}

WxError data_format_error() {
  return wx(47001, "data format error");
}

// A string field: absent or null reads as "", any other JSON type is nullopt (a format error).
std::optional<std::string> string_field(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  if (!v || v->is_null()) return std::string();
  if (!v->is_string()) return std::nullopt;
  return std::string(v->as_string());
}

std::int64_t early_window(std::int64_t ttl) {
  return std::min(kMaxEarlyWindow, ttl / 2);
}

}  // namespace

WxResult<StableTokenRequest> parse_stable_token_body(std::string_view body) {
  boost::system::error_code ec;
  const json::value value = json::parse(body, ec);
  if (ec || !value.is_object()) return data_format_error();
  const json::object& obj = value.as_object();

  auto grant_type = string_field(obj, "grant_type");
  auto appid = string_field(obj, "appid");
  auto secret = string_field(obj, "secret");
  if (!grant_type || !appid || !secret) return data_format_error();
  StableTokenRequest req{std::move(*grant_type), std::move(*appid), std::move(*secret), false};
  if (const json::value* force = obj.if_contains("force_refresh"); force && !force->is_null()) {
    if (!force->is_bool()) return data_format_error();
    req.force_refresh = force->as_bool();
  }
  return req;
}

WechatServerTokens::WechatServerTokens(const SimClock& clock, const WechatState& wechat)
    : clock_(clock), wechat_(wechat) {}

ControlResult<Done> WechatServerTokens::set_knobs(const std::string& appid,
                                                  const ServerTokenKnobs& knobs) {
  if (knobs.token_ttl < 1) return ControlError{400, "token_ttl must be at least 1"};
  if (knobs.expired_token_errcode != 42001 && knobs.expired_token_errcode != 40014) {
    return ControlError{400, "expired_token_errcode must be 42001 or 40014"};
  }
  std::lock_guard lock(mu_);
  knobs_[appid] = knobs;
  return Done{};
}

ControlResult<std::int64_t> WechatServerTokens::expire_all(const std::string& appid) {
  if (!wechat_.has_app(appid)) return ControlError{404, "unknown appid"};
  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.now();
  std::int64_t expired = 0;
  for (auto& [value, token] : tokens_) {
    if (token.appid != appid || token.expires_at <= now) continue;
    token.expires_at = now;
    ++expired;
  }
  return expired;
}

void WechatServerTokens::reset() {
  std::lock_guard lock(mu_);
  apps_.clear();
  tokens_.clear();
}

ServerTokenKnobs WechatServerTokens::knobs_of(const std::string& appid) const {
  const auto it = knobs_.find(appid);
  return it == knobs_.end() ? ServerTokenKnobs{} : it->second;
}

ServerToken WechatServerTokens::mint(const std::string& appid, std::int64_t now) {
  const std::int64_t ttl = knobs_of(appid).token_ttl;
  std::string token = new_token();
  tokens_[token] = Token{appid, ttl, now + ttl};
  apps_[appid].current = token;
  return ServerToken{std::move(token), ttl};
}

WxResult<ServerToken> WechatServerTokens::stable_token(const StableTokenRequest& req) {
  // grant_type comes first here, unlike the /sns/ calls: the stable_token error table leads with
  // it and nothing else can be judged without knowing which grant is asked for.
  if (req.grant_type != "client_credential") return wx(40002, "invalid grant_type");
  if (req.appid.empty()) return wx(41002, "appid missing");
  const auto secret = wechat_.app_secret(req.appid);
  if (!secret) return wx(40013, "invalid appid");
  if (req.secret.empty()) return wx(41004, "appsecret missing");
  if (*secret != req.secret) return wx(40125, "invalid appsecret");

  std::lock_guard lock(mu_);
  const std::int64_t now = clock_.now();
  AppTokens& app = apps_[req.appid];
  if (req.force_refresh) {
    if (app.last_force && now - *app.last_force < kForceRefreshSpacing) {
      return wx(45011, "api minute-quota reach limit mustslower retry next minute");
    }
    app.last_force = now;
    tokens_.erase(app.current);  // "not latest" from now on, whatever time it had left
    return mint(req.appid, now);
  }
  const auto current = tokens_.find(app.current);
  if (current != tokens_.end()) {
    const std::int64_t remaining = current->second.expires_at - now;
    if (remaining > early_window(current->second.ttl)) return ServerToken{app.current, remaining};
  }
  // The token being replaced stays in tokens_: callers holding it keep working until it expires.
  return mint(req.appid, now);
}

WxResult<std::string> WechatServerTokens::check(const std::string& access_token) const {
  if (access_token.empty()) return wx(41001, "access_token missing");
  std::lock_guard lock(mu_);
  const auto it = tokens_.find(access_token);
  if (it == tokens_.end()) {
    return wx(40001, "invalid credential, access_token is invalid or not latest");
  }
  if (clock_.now() >= it->second.expires_at) {
    const int errcode = knobs_of(it->second.appid).expired_token_errcode;
    return wx(errcode, errcode == 40014 ? "invalid access_token" : "access_token expired");
  }
  return it->second.appid;
}

}  // namespace idp_sim
