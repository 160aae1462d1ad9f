#include "api/sdk_login/wechat_login.hpp"

#include "api/json_body.hpp"
#include "api/sdk_login/login_endpoint.hpp"
#include "flows/login/social_login.hpp"
#include "idp/wechat_open.hpp"

namespace ciamd {
namespace {

// WeChat codes are 32 characters; anything far longer cannot be one, and is not sent upstream.
constexpr std::size_t kMaxCodeLength = 512;

Task<Result<LoginOutcome>> wechat_steps(const ApiServices& api, const SdkRequest& sdk,
                                        const boost::json::object& body) {
  auto code = required_string(body, "code", ErrorCode::kWechatCodeEmpty);
  if (!code) co_return code.error();
  const Application& app = *sdk.app;
  if (!app.wechat.configured()) {
    co_return ApiError{ErrorCode::kLoginNotEnabled, "application has no WeChat credentials"};
  }
  if (code.value().size() > kMaxCodeLength) co_return ErrorCode::kWechatCodeInvalid;
  auto who = co_await api.wechat.exchange_code(app.wechat, std::move(code.value()));
  if (!who) co_return who.error();
  co_return co_await SocialLogin(api.flows).complete(app, who.value(), sdk.device);
}

}  // namespace

Task<HttpResponse> handle_wechat_login(const ApiServices& api, const HttpRequest& http) {
  return run_login_endpoint(api, http, kProviderWechat,
                            [&api](const SdkRequest& sdk, const boost::json::object& body) {
                              return wechat_steps(api, sdk, body);
                            });
}

}  // namespace ciamd
