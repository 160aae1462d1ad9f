#include "idp/wechat_mini.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "core/phone.hpp"
#include "idp/provider_ids.hpp"
#include "idp/server_token.hpp"
#include "idp/wechat_wire.hpp"
#include "net/client.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kSessionPath = "/sns/jscode2session";
constexpr std::string_view kPhonePath = "/wxa/business/getuserphonenumber";

ApiError refused_or_busy(std::string_view endpoint, std::int64_t errcode, bool refused) {
  return ApiError{refused ? ErrorCode::kMiniProgramCallFailed : ErrorCode::kSystemBusy,
                  std::string(endpoint) + " errcode " + std::to_string(errcode)};
}

// 40029 invalid, 40163 already used, 40226 blocked as high-risk: the code itself is refused.
// Everything else (-1, 45011 quota, 40013/40125 our credentials) is ours or WeChat's trouble.
ApiError session_error(std::int64_t errcode) {
  const bool refused = errcode == 40029 || errcode == 40163 || errcode == 40226;
  return refused_or_busy(kSessionPath, errcode, refused);
}

// 40029 expired, used or wrong; 40013 minted by another mini program than the token's.
ApiError phone_error(std::int64_t errcode) {
  return refused_or_busy(kPhonePath, errcode, errcode == 40029 || errcode == 40013);
}

bool token_rejected(std::int64_t errcode) {
  return errcode == 40001 || errcode == 42001 || errcode == 40014;
}

std::string country_code_of(const boost::json::object& info) {
  const auto* cc = info.if_contains("countryCode");
  if (cc == nullptr) return {};
  if (cc->is_string()) return std::string(cc->as_string());   // the field table's type
  if (cc->is_int64()) return std::to_string(cc->as_int64());  // the official sample's type
  if (cc->is_uint64()) return std::to_string(cc->as_uint64());
  return {};
}

// The number in E.164 from phone_info: countryCode + purePhoneNumber when both are there, else
// phoneNumber on its own (it carries the area code for numbers outside China).
Result<std::string> phone_of(const boost::json::object& body, std::string_view appid) {
  const auto* info_value = body.if_contains("phone_info");
  if (info_value == nullptr || !info_value->is_object()) {
    return ApiError{ErrorCode::kSystemBusy, "getuserphonenumber answered without phone_info"};
  }
  const auto& info = info_value->as_object();
  if (const auto* mark = info.if_contains("watermark"); mark != nullptr && mark->is_object()) {
    const std::string marked = string_member(mark->as_object(), "appid");
    if (!marked.empty() && marked != appid) {
      return ApiError{ErrorCode::kSystemBusy, "getuserphonenumber watermark names another appid"};
    }
  }
  std::optional<std::string> e164;
  const std::string country = country_code_of(info);
  const std::string pure = string_member(info, "purePhoneNumber");
  if (!country.empty() && !pure.empty()) e164 = phone_from_parts(country, pure);
  if (!e164) {
    const std::string full = string_member(info, "phoneNumber");
    // A bare 11-digit 1xx number is Chinese, which is what WeChat sends for +86.
    if (!full.empty()) e164 = normalize_phone(full);
  }
  if (!e164) return ApiError{ErrorCode::kSystemBusy, "getuserphonenumber: no usable number"};
  return std::move(*e164);
}

// One getuserphonenumber call: the token in the query, the code in a JSON body
// (docs/providers.md#wechat-mini-program-getuserphonenumber).
Task<Result<boost::json::object>> ask_phone(HttpClient& client, const std::string& base_url,
                                            const std::string& token, const std::string& body) {
  Headers headers;
  headers.set("Content-Type", "application/json");
  ClientRequest request{
      "POST", base_url + std::string(kPhonePath) + "?" + query_param("access_token", token),
      std::move(headers), body};
  co_return co_await call_wechat(client, std::move(request), kPhonePath);
}

}  // namespace

WechatMiniConnector::WechatMiniConnector(HttpClient& client, std::string base_url,
                                         ServerTokenCache& tokens)
    : client_(client), base_url_(std::move(base_url)), tokens_(tokens) {}

Task<Result<ExternalIdentity>> WechatMiniConnector::login(const WechatCredentials& mini,
                                                          std::string js_code) {
  ClientRequest request{"GET",
                        base_url_ + std::string(kSessionPath) + "?" +
                            query_param("appid", mini.appid) + "&" +
                            query_param("secret", mini.secret) + "&" +
                            query_param("js_code", js_code) + "&grant_type=authorization_code",
                        {},
                        {}};
  auto body = co_await call_wechat(client_, std::move(request), kSessionPath);
  if (!body) co_return body.error();
  if (const auto errcode = wechat_errcode(body.value()); errcode != 0) {
    co_return session_error(errcode);
  }
  ExternalIdentity who;
  who.provider = std::string(kProviderWechat);
  who.provider_app_id = mini.appid;
  who.subject = string_member(body.value(), "openid");
  who.unionid = string_member(body.value(), "unionid");
  who.login_method = std::string(kLoginWechatMiniProgram);
  if (who.subject.empty()) {
    co_return ApiError{ErrorCode::kSystemBusy, "jscode2session answered without openid"};
  }
  // Checked before either keys a row: see idp/provider_ids.hpp.
  std::optional<std::string> bad = provider_id_problem(kWechatOpenid, who.subject);
  if (!bad && !who.unionid.empty()) bad = provider_id_problem(kWechatUnionid, who.unionid);
  if (bad) co_return ApiError{ErrorCode::kSystemBusy, "jscode2session answered " + *bad};
  // The profile keeps what identifies the person, never the session_key.
  boost::json::object profile{{"openid", who.subject}};
  if (!who.unionid.empty()) profile["unionid"] = who.unionid;
  who.profile_json = boost::json::serialize(profile);
  co_return who;
}

Task<Result<std::string>> WechatMiniConnector::phone_number(const WechatCredentials& mini,
                                                            std::string phone_code) {
  const std::string body = boost::json::serialize(boost::json::object{{"code", phone_code}});
  Result<std::string> token = co_await tokens_.token(mini);
  if (!token) co_return token.error();
  auto answer = co_await ask_phone(client_, base_url_, token.value(), body);
  if (!answer) co_return answer.error();
  auto errcode = wechat_errcode(answer.value());
  // One retry, and only after WeChat rejected the token; a second rejection is phone_error's.
  if (token_rejected(errcode)) {
    spdlog::info("getuserphonenumber errcode {} for appid {}: replacing the server token", errcode,
                 mini.appid);
    token = co_await tokens_.replace(mini, std::move(token.value()));
    if (!token) co_return token.error();
    answer = co_await ask_phone(client_, base_url_, token.value(), body);
    if (!answer) co_return answer.error();
    errcode = wechat_errcode(answer.value());
  }
  if (errcode != 0) co_return phone_error(errcode);
  co_return phone_of(answer.value(), mini.appid);
}

}  // namespace ciamd
