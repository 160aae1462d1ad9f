#include "api/sdk_login/miniprogram_login.hpp"

#include "api/json_body.hpp"
#include "api/sdk_login/login_endpoint.hpp"
#include "api/sdk_login/miniprogram_code.hpp"
#include "flows/login/phone_login.hpp"
#include "flows/login/social_login.hpp"
#include "idp/wechat_mini.hpp"

namespace ciamd {
namespace {

Task<Result<LoginOutcome>> login_steps(const ApiServices& api, const SdkRequest& sdk,
                                       const boost::json::object& body) {
  Result<std::string> code = read_miniprogram_code(body, *sdk.app, {"code"});
  if (!code) co_return code.error();
  auto who = co_await api.wechat_mini.login(sdk.app->miniprogram, std::move(code.value()));
  if (!who) co_return who.error();
  co_return co_await SocialLogin(api.flows).complete(*sdk.app, who.value(), sdk.device);
}

Task<Result<LoginOutcome>> phone_steps(const ApiServices& api, const SdkRequest& sdk,
                                       const boost::json::object& body) {
  Result<std::string> code = read_miniprogram_code(body, *sdk.app, {"code"});
  if (!code) co_return code.error();
  auto phone = co_await api.wechat_mini.phone_number(sdk.app->miniprogram, std::move(code.value()));
  if (!phone) co_return phone.error();
  co_return co_await PhoneLogin(api.flows).complete(*sdk.app, std::move(phone.value()),
                                                    kLoginWechatMiniProgram, sdk.device);
}

}  // namespace

Task<HttpResponse> handle_miniprogram_login(const ApiServices& api, const HttpRequest& http) {
  return run_login_endpoint(api, http, kLoginWechatMiniProgram,
                            [&api](const SdkRequest& sdk, const boost::json::object& body) {
                              return login_steps(api, sdk, body);
                            });
}

Task<HttpResponse> handle_miniprogram_phone_login(const ApiServices& api, const HttpRequest& http) {
  return run_login_endpoint(api, http, kLoginWechatMiniProgram,
                            [&api](const SdkRequest& sdk, const boost::json::object& body) {
                              return phone_steps(api, sdk, body);
                            });
}

}  // namespace ciamd
