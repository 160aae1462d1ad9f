#include "api/sdk_login/miniprogram_login.hpp"

#include "api/sdk_endpoint.hpp"
#include "api/sdk_login/miniprogram_code.hpp"
#include "flows/login/phone_login.hpp"
#include "flows/login/social_login.hpp"

namespace ciamd {
namespace {

Task<Result<EndpointReply>> login_steps(const ApiServices& api, const SdkCall& call) {
  Result<std::string> code = read_miniprogram_code(call.body, {"code"});
  if (!code) co_return code.error();
  co_return as_reply(co_await api.social_login.with_miniprogram_code(
      call.app(), std::move(code.value()), call.sdk.device));
}

Task<Result<EndpointReply>> phone_steps(const ApiServices& api, const SdkCall& call) {
  Result<std::string> code = read_miniprogram_code(call.body, {"code"});
  if (!code) co_return code.error();
  co_return as_reply(co_await api.phone_login.with_miniprogram_phone_code(
      call.app(), std::move(code.value()), call.sdk.device));
}

}  // namespace

Task<HttpResponse> handle_miniprogram_login(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"login", kLoginWechatMiniProgram, {}},
                          login_steps);
}

Task<HttpResponse> handle_miniprogram_phone_login(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"login", kLoginWechatMiniProgram, {}},
                          phone_steps);
}

}  // namespace ciamd
