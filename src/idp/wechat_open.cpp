#include "idp/wechat_open.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "idp/provider_ids.hpp"
#include "idp/wechat_wire.hpp"
#include "net/client.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kTokenPath = "/sns/oauth2/access_token";
constexpr std::string_view kUserInfoPath = "/sns/userinfo";

ApiError token_error(std::int64_t errcode) {
  // 40029: expired, malformed, or minted for another appid. 40163: already exchanged.
  if (errcode == 40029 || errcode == 40163) {
    return ApiError{ErrorCode::kWechatCodeInvalid,
                    "sns/oauth2/access_token errcode " + std::to_string(errcode)};
  }
  return ApiError{ErrorCode::kSystemBusy,
                  "sns/oauth2/access_token errcode " + std::to_string(errcode)};
}

}  // namespace

WechatOpenConnector::WechatOpenConnector(HttpClient& client, std::string base_url)
    : client_(client), base_url_(std::move(base_url)) {}

Task<Result<ExternalIdentity>> WechatOpenConnector::exchange_code(const WechatCredentials& app,
                                                                  std::string code) {
  ClientRequest token_request{"GET",
                              base_url_ + std::string(kTokenPath) + "?" +
                                  query_param("appid", app.appid) + "&" +
                                  query_param("secret", app.secret) + "&" +
                                  query_param("code", code) + "&grant_type=authorization_code",
                              {},
                              {}};
  auto token = co_await call_wechat(client_, std::move(token_request), kTokenPath);
  if (!token) co_return token.error();
  if (const auto errcode = wechat_errcode(token.value()); errcode != 0) {
    co_return token_error(errcode);
  }

  ExternalIdentity identity;
  identity.provider = std::string(kProviderWechat);
  identity.provider_app_id = app.appid;
  identity.subject = string_member(token.value(), "openid");
  identity.unionid = string_member(token.value(), "unionid");
  identity.profile_json = "{}";
  const std::string access_token = string_member(token.value(), "access_token");
  if (identity.subject.empty() || access_token.empty()) {
    co_return ApiError{ErrorCode::kSystemBusy, "sns/oauth2/access_token answered without openid"};
  }
  // Checked before the openid keys a row or the token goes into the userinfo URL.
  for (const auto& [rule, value] : {std::pair{kWechatOpenid, std::string_view(identity.subject)},
                                    std::pair{kAccessToken, std::string_view(access_token)}}) {
    if (auto bad = provider_id_problem(rule, value)) {
      co_return ApiError{ErrorCode::kSystemBusy, "sns/oauth2/access_token answered " + *bad};
    }
  }
  if (!identity.unionid.empty()) {
    if (auto bad = provider_id_problem(kWechatUnionid, identity.unionid)) {
      co_return ApiError{ErrorCode::kSystemBusy, "sns/oauth2/access_token answered " + *bad};
    }
  }

  // The code is spent by now, so the profile is an enrichment: if it cannot be read, the login
  // goes on with the openid the token exchange proved, rather than failing a user whose code is
  // already gone.
  ClientRequest info_request{"GET",
                             base_url_ + std::string(kUserInfoPath) + "?" +
                                 query_param("access_token", access_token) + "&" +
                                 query_param("openid", identity.subject) + "&lang=zh_CN",
                             {},
                             {}};
  auto info = co_await call_wechat(client_, std::move(info_request), kUserInfoPath);
  if (!info) {
    spdlog::warn("wechat userinfo unusable: {}", info.error().detail);
  } else if (const auto errcode = wechat_errcode(info.value()); errcode != 0) {
    spdlog::warn("wechat userinfo errcode {}", errcode);
  } else if (string_member(info.value(), "openid") == identity.subject) {
    // A unionid only userinfo names joins accounts across apps just the same, so it has to pass
    // the same check; failing it, the whole profile is suspect and left out, as if unreadable.
    std::string unionid = string_member(info.value(), "unionid");
    std::optional<std::string> bad;
    if (identity.unionid.empty() && !unionid.empty()) {
      bad = provider_id_problem(kWechatUnionid, unionid);
    }
    if (bad) {
      spdlog::warn("wechat userinfo answered {}; profile ignored", *bad);
    } else {
      identity.display_name = string_member(info.value(), "nickname");
      if (identity.unionid.empty()) identity.unionid = std::move(unionid);
      identity.profile_json = boost::json::serialize(info.value());
    }
  } else {
    spdlog::warn("wechat userinfo answered for another openid; profile ignored");
  }
  co_return identity;
}

}  // namespace ciamd
