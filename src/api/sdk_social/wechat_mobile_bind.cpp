#include "api/sdk_social/wechat_mobile_bind.hpp"

#include "api/sdk_endpoint.hpp"
#include "api/sdk_login/miniprogram_code.hpp"
#include "flows/social/social_bind.hpp"
#include "idp/wechat_mini.hpp"

namespace ciamd {
namespace {

Task<Result<EndpointReply>> bind_steps(const ApiServices& api, const SdkCall& call) {
  Result<std::string> code =
      read_miniprogram_code(call.body, *call.sdk.app, {"wechat_code", "wchat_code"});
  if (!code) co_return code.error();
  Result<std::string> phone =
      co_await api.wechat_mini.phone_number(call.sdk.app->miniprogram, std::move(code.value()));
  if (!phone) co_return phone.error();
  // Named, not a temporary inside the co_await: GCC 12 mishandles aggregate temporaries whose
  // lifetime spans a suspension (they were destroyed twice).
  const ProvenPhone proof{std::move(phone.value())};
  const SocialBind flow(api.flows, api.verification);
  Result<LoginOutcome> outcome =
      co_await flow.complete(*call.sdk.app, *call.flow, proof, call.sdk.device);
  if (!outcome) co_return outcome.error();
  co_return EndpointReply{std::move(outcome.value())};
}

Task<HttpResponse> run_bind(const ApiServices& api, const HttpRequest& http, FlowKind kind) {
  const std::string_view event =
      kind == FlowKind::kSocialBind ? "wechat_mobile_bind" : "wechat_mobile_register_bind";
  return run_sdk_endpoint(api, http, EndpointSpec{event, "", {kind}},
                          [&api](const SdkCall& call) { return bind_steps(api, call); });
}

}  // namespace

Task<HttpResponse> handle_wechat_mobile_bind(const ApiServices& api, const HttpRequest& http) {
  return run_bind(api, http, FlowKind::kSocialBind);
}

Task<HttpResponse> handle_wechat_mobile_register_bind(const ApiServices& api,
                                                      const HttpRequest& http) {
  return run_bind(api, http, FlowKind::kSocialRegister);
}

}  // namespace ciamd
