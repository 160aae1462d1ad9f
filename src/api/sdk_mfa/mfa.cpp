#include "api/sdk_mfa/mfa.hpp"

#include "api/json_body.hpp"
#include "api/sdk_endpoint.hpp"
#include "api/sdk_verify/targets.hpp"
#include "flows/mfa/mfa.hpp"

namespace ciamd {
namespace {

Task<Result<EndpointReply>> mobile_steps(const ApiServices& api, const SdkCall& call) {
  Result<std::string> shown = co_await api.mfa.masked_mobile(call.app(), *call.flow);
  if (!shown) co_return shown.error();
  boost::json::object body;
  body["mobile"] = std::move(shown.value());
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
  Result<std::string> code = required_string(call.body, "verify_code", ErrorCode::kVerifyCodeEmpty);
  if (!code) co_return code.error();
  co_return as_reply(co_await api.mfa.complete(call.app(), *call.flow, channel, std::move(claimed),
                                               std::move(code.value()), call.sdk.device));
}

Task<Result<EndpointReply>> sms_steps(const ApiServices& api, const SdkCall& call) {
  return verify_steps(api, call, Channel::kSms);
}

Task<Result<EndpointReply>> email_steps(const ApiServices& api, const SdkCall& call) {
  return verify_steps(api, call, Channel::kEmail);
}

}  // namespace

Task<HttpResponse> handle_mobile_by_token(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(
      api, http, EndpointSpec{"mobile_by_token", "", {FlowKind::kMfa}, /*json_body=*/false},
      mobile_steps);
}

Task<HttpResponse> handle_mfa_sms(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"mfa_sms", "", {FlowKind::kMfa}}, sms_steps);
}

Task<HttpResponse> handle_mfa_email(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"mfa_email", "", {FlowKind::kMfa}}, email_steps);
}

}  // namespace ciamd
