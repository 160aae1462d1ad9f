#include "api/sdk_social/wechat_mobile_bind.hpp"

#include "api/sdk_endpoint.hpp"
#include "api/sdk_login/miniprogram_code.hpp"
#include "flows/social/social_bind.hpp"

namespace ciamd {
namespace {

Task<Result<EndpointReply>> bind_steps(const ApiServices& api, const SdkCall& call) {
  Result<std::string> code = read_miniprogram_code(call.body, {"wechat_code", "wchat_code"});
  if (!code) co_return code.error();
  co_return as_reply(co_await api.social_bind.with_miniprogram_phone_code(
      call.app(), *call.flow, std::move(code.value()), call.sdk.device));
}

}  // namespace

Task<HttpResponse> handle_wechat_mobile_bind(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(
      api, http, EndpointSpec{"wechat_mobile_bind", "", {FlowKind::kSocialBind}}, bind_steps);
}

Task<HttpResponse> handle_wechat_mobile_register_bind(const ApiServices& api,
                                                      const HttpRequest& http) {
  return run_sdk_endpoint(
      api, http, EndpointSpec{"wechat_mobile_register_bind", "", {FlowKind::kSocialRegister}},
      bind_steps);
}

}  // namespace ciamd
