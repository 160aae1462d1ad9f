#include "api/sdk_login/wechat_login.hpp"

#include "api/json_body.hpp"
#include "api/sdk_endpoint.hpp"
#include "flows/login/social_login.hpp"

namespace ciamd {
namespace {

Task<Result<EndpointReply>> wechat_steps(const ApiServices& api, const SdkCall& call) {
  Result<std::string> code = required_string(call.body, "code", ErrorCode::kWechatCodeEmpty);
  if (!code) co_return code.error();
  co_return as_reply(co_await api.social_login.with_wechat_code(call.app(), std::move(code.value()),
                                                                call.sdk.device));
}

}  // namespace

Task<HttpResponse> handle_wechat_login(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"login", kProviderWechat, {}}, wechat_steps);
}

}  // namespace ciamd
