#include "idp/weibo.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "core/model.hpp"
#include "idp/provider_ids.hpp"
#include "idp/wechat_wire.hpp"
#include "idp/weibo_wire.hpp"
#include "net/client.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kTokenInfoPath = "/oauth2/get_token_info";
constexpr std::string_view kUserShowPath = "/2/users/show.json";

// Everything get_token_info must say before the token is believed; any failure is an ApiError.
Result<std::string> check_token_info(const boost::json::object& info, const std::string& app_key,
                                     const std::string& claimed_uid) {
  const auto appkey = decimal_member(info, "appkey");
  auto uid = decimal_member(info, "uid");
  // An earlier revision of the wiki called the field `expires_in`; accept both spellings.
  auto expire_in = integer_member(info, "expire_in");
  if (!expire_in) expire_in = integer_member(info, "expires_in");
  if (!appkey || !uid || !expire_in) {
    return ApiError{ErrorCode::kSystemBusy, "get_token_info answered without appkey/uid/expire_in"};
  }
  // Before the comparison with the claim: a uid no account can have is Weibo failing, even when
  // the client claimed the same (a leading zero would make a second identity of one account).
  if (auto bad = provider_id_problem(kWeiboUid, *uid)) {
    return ApiError{ErrorCode::kSystemBusy, "get_token_info answered " + *bad};
  }
  if (*appkey != app_key) {
    return ApiError{ErrorCode::kWeiboTokenMismatch,
                    "get_token_info: token of app key " + *appkey + ", not " + app_key};
  }
  if (*expire_in <= 0) {
    return ApiError{ErrorCode::kWeiboTokenMismatch,
                    "get_token_info: expire_in " + std::to_string(*expire_in)};
  }
  if (*uid != claimed_uid) {
    return ApiError{ErrorCode::kWeiboTokenMismatch,
                    "get_token_info: token of uid " + *uid + ", claimed " + claimed_uid};
  }
  return std::move(*uid);
}

// users/show's own id, when it names one; a profile of someone else must not be attached.
bool profile_is_for(const boost::json::object& profile, const std::string& uid) {
  auto id = decimal_member(profile, "idstr");
  if (!id) id = decimal_member(profile, "id");
  return !id || *id == uid;
}

}  // namespace

WeiboConnector::WeiboConnector(HttpClient& client, std::string base_url)
    : client_(client), base_url_(std::move(base_url)) {}

Task<Result<ExternalIdentity>> WeiboConnector::verify(const std::string& app_key,
                                                      std::string access_token,
                                                      std::string claimed_uid) {
  if (app_key.empty()) {
    // Every token would be a mismatch; the configuration, not the user, is at fault.
    co_return ApiError{ErrorCode::kSystemBusy, "no Weibo app key configured"};
  }
  // The token goes in the body, not the URL, so that it stays out of proxies' access logs.
  ClientRequest info_request{"POST",
                             base_url_ + std::string(kTokenInfoPath),
                             {},
                             query_param("access_token", access_token)};
  info_request.headers.set("Content-Type", "application/x-www-form-urlencoded");
  auto info = co_await call_weibo(client_, std::move(info_request), kTokenInfoPath);
  if (!info) co_return info.error();
  auto uid = check_token_info(info.value(), app_key, claimed_uid);
  if (!uid) co_return uid.error();

  ExternalIdentity identity;
  identity.provider = std::string(kProviderWeibo);
  identity.provider_app_id = app_key;
  identity.subject = std::move(uid.value());
  identity.profile_json = "{}";

  // The token is proven by now, so the profile is an enrichment: a failing users/show leaves the
  // login to go on with the uid get_token_info confirmed.
  ClientRequest show_request{"GET",
                             base_url_ + std::string(kUserShowPath) + "?" +
                                 query_param("access_token", access_token) + "&" +
                                 query_param("uid", identity.subject),
                             {},
                             {}};
  auto profile = co_await call_weibo(client_, std::move(show_request), kUserShowPath);
  if (!profile) {
    spdlog::warn("weibo users/show unusable: {}", profile.error().detail);
  } else if (!profile_is_for(profile.value(), identity.subject)) {
    spdlog::warn("weibo users/show answered for another uid; profile ignored");
  } else {
    identity.display_name = string_member(profile.value(), "screen_name");
    identity.profile_json = boost::json::serialize(profile.value());
  }
  co_return identity;
}

}  // namespace ciamd
