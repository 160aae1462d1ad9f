#include "api/sdk_login/weibo_login.hpp"

#include "api/json_body.hpp"
#include "api/sdk_login/login_endpoint.hpp"
#include "flows/social_login.hpp"
#include "idp/weibo.hpp"

namespace ciamd {
namespace {

// Weibo tokens are about 32 characters and uids at most 20 digits; far longer values are not
// sent upstream.
constexpr std::size_t kMaxTokenLength = 512;
constexpr std::size_t kMaxUidLength = 64;

// The uid as a string: clients send it as a JSON string (docs/api.md) or, carelessly, a number.
Result<std::string> read_uid(const boost::json::object& body) {
  if (const auto* v = body.if_contains("uid"); v != nullptr) {
    if (v->is_int64() && v->as_int64() > 0) return std::to_string(v->as_int64());
    if (v->is_uint64()) return std::to_string(v->as_uint64());
  }
  return required_string(body, "uid", ErrorCode::kWeiboUidEmpty);
}

Task<Result<LoginOutcome>> weibo_steps(const ApiServices& api, const SdkRequest& sdk,
                                       const boost::json::object& body) {
  auto token = required_string(body, "access_token", ErrorCode::kWeiboTokenEmpty);
  if (!token) co_return token.error();
  auto uid = read_uid(body);
  if (!uid) co_return uid.error();
  const Application& app = *sdk.app;
  if (app.weibo_app_key.empty()) {
    co_return ApiError{ErrorCode::kLoginNotEnabled, "application has no Weibo app key"};
  }
  if (token.value().size() > kMaxTokenLength || uid.value().size() > kMaxUidLength) {
    co_return ApiError{ErrorCode::kWeiboTokenInvalid, "token or uid longer than Weibo's"};
  }
  auto who = co_await api.weibo.verify(app.weibo_app_key, std::move(token.value()),
                                       std::move(uid.value()));
  if (!who) co_return who.error();
  co_return co_await SocialLogin(api.flows).complete(app, who.value(), sdk.device);
}

}  // namespace

Task<HttpResponse> handle_weibo_login(const ApiServices& api, const HttpRequest& http) {
  return run_login_endpoint(api, http, kProviderWeibo,
                            [&api](const SdkRequest& sdk, const boost::json::object& body) {
                              return weibo_steps(api, sdk, body);
                            });
}

}  // namespace ciamd
