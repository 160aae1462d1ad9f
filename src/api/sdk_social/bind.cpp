#include "api/sdk_social/bind.hpp"

#include "api/json_body.hpp"
#include "api/sdk_endpoint.hpp"
#include "api/sdk_verify/targets.hpp"
#include "flows/social/social_bind.hpp"

namespace ciamd {
namespace {

Task<Result<EndpointReply>> bind_steps(const ApiServices& api, const SdkCall& call) {
  const Channel channel = channel_of_body(call.body);
  Result<std::string> target = read_target(call.body, channel);
  if (!target) co_return target.error();
  Result<std::string> code = required_string(call.body, "verify_code", ErrorCode::kVerifyCodeEmpty);
  if (!code) co_return code.error();
  const VerifiedTarget proof{channel, std::move(target.value()), std::move(code.value())};
  co_return as_reply(
      co_await api.social_bind.complete(call.app(), *call.flow, proof, call.sdk.device));
}

}  // namespace

Task<HttpResponse> handle_social_bind(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"social_bind", "", {FlowKind::kSocialBind}},
                          bind_steps);
}

Task<HttpResponse> handle_social_register_bind(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(
      api, http, EndpointSpec{"social_register_bind", "", {FlowKind::kSocialRegister}}, bind_steps);
}

}  // namespace ciamd
