#include "api/sdk_mfa/mfa.hpp"

#include "api/json_body.hpp"
#include "api/sdk_endpoint.hpp"
#include "api/sdk_verify/targets.hpp"
#include "core/phone.hpp"
#include "exec/runtime.hpp"
#include "flows/mfa/mfa.hpp"

namespace ciamd {
namespace {

Task<Result<EndpointReply>> mobile_steps(const ApiServices& api, const SdkCall& call) {
  Result<std::string> own = co_await api.flows.pool.run([&api, &call] {
    return mfa_target_blocking(api.flows.store, *call.sdk.app, *call.flow, Channel::kSms,
                               std::nullopt);
  });
  if (!own) co_return own.error();
  boost::json::object body;
  body["mobile"] = mask_mobile(own.value());
  co_return EndpointReply{JsonReply{std::move(body), {}}};
}

Task<Result<EndpointReply>> verify_steps(const ApiServices& api, const SdkCall& call,
                                         Channel channel) {
  std::optional<std::string> claimed;
  if (body_names_target(call.body, channel)) {
    Result<std::string> named = read_target(call.body, channel);
    if (!named) co_return named.error();
    claimed = std::move(named.value());
  }
  auto code = required_string(call.body, "verify_code", ErrorCode::kVerifyCodeEmpty);
  if (!code) co_return code.error();
  const MfaCompletion completion(api.flows, api.verification);
  Result<LoginOutcome> outcome =
      co_await completion.complete(*call.sdk.app, *call.flow, channel, std::move(claimed),
                                   std::move(code.value()), call.sdk.device);
  if (!outcome) co_return outcome.error();
  co_return EndpointReply{std::move(outcome.value())};
}

Task<HttpResponse> run_verify(const ApiServices& api, const HttpRequest& http, Channel channel) {
  const std::string_view event = channel == Channel::kSms ? "mfa_sms" : "mfa_email";
  return run_sdk_endpoint(
      api, http, EndpointSpec{event, "", {FlowKind::kMfa}},
      [&api, channel](const SdkCall& call) { return verify_steps(api, call, channel); });
}

}  // namespace

Task<HttpResponse> handle_mobile_by_token(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(
      api, http, EndpointSpec{"mobile_by_token", "", {FlowKind::kMfa}, /*json_body=*/false},
      [&api](const SdkCall& call) { return mobile_steps(api, call); });
}

Task<HttpResponse> handle_mfa_sms(const ApiServices& api, const HttpRequest& http) {
  return run_verify(api, http, Channel::kSms);
}

Task<HttpResponse> handle_mfa_email(const ApiServices& api, const HttpRequest& http) {
  return run_verify(api, http, Channel::kEmail);
}

}  // namespace ciamd
