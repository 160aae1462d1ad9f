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
  if (Status on = method_enabled(*call.sdk.app, channel); !on) co_return on.error();
  auto code = required_string(call.body, "verify_code", ErrorCode::kVerifyCodeEmpty);
  if (!code) co_return code.error();
  const VerifiedTarget proof{channel, std::move(target.value()), std::move(code.value())};
  Result<LoginOutcome> outcome = co_await SocialBind(api.flows, api.verification)
                                     .complete(*call.sdk.app, *call.flow, proof, call.sdk.device);
  if (!outcome) co_return outcome.error();
  co_return EndpointReply{std::move(outcome.value())};
}

Task<HttpResponse> run_bind(const ApiServices& api, const HttpRequest& http, FlowKind kind) {
  const std::string_view event =
      kind == FlowKind::kSocialBind ? "social_bind" : "social_register_bind";
  return run_sdk_endpoint(api, http, EndpointSpec{event, "", {kind}},
                          [&api](const SdkCall& call) { return bind_steps(api, call); });
}

}  // namespace

Task<HttpResponse> handle_social_bind(const ApiServices& api, const HttpRequest& http) {
  return run_bind(api, http, FlowKind::kSocialBind);
}

Task<HttpResponse> handle_social_register_bind(const ApiServices& api, const HttpRequest& http) {
  return run_bind(api, http, FlowKind::kSocialRegister);
}

}  // namespace ciamd
