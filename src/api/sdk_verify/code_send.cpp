#include "api/sdk_verify/code_send.hpp"

#include "api/json_body.hpp"
#include "api/sdk_endpoint.hpp"
#include "api/sdk_verify/targets.hpp"
#include "flows/verification/verification.hpp"

namespace ciamd {
namespace {

const std::vector<FlowKind> kCodeFlows{FlowKind::kSocialRegister, FlowKind::kSocialBind,
                                       FlowKind::kMfa};

// The body: a code type of this endpoint's channel (PARAM.0114), and the phone or email it names,
// if any. Who may get which code is the flow's rule (Verification::request_code).
Task<Result<EndpointReply>> send_steps(const ApiServices& api, const SdkCall& call,
                                       Channel channel) {
  Result<std::string> type = required_string(call.body, "type", ErrorCode::kCodeTypeInvalid);
  if (!type) co_return type.error();
  std::optional<CodePurpose> purpose = parse_code_purpose(type.value());
  if (!purpose || channel_of(*purpose) != channel) co_return ErrorCode::kCodeTypeInvalid;
  std::optional<std::string> named;
  if (body_names_target(call.body, channel)) {
    Result<std::string> target = read_target(call.body, channel);
    if (!target) co_return target.error();
    named = std::move(target.value());
  }
  Status sent = co_await api.verification.request_code(
      call.app(), *call.flow, *purpose, std::move(named), call.sdk.lang, call.sdk.device);
  if (!sent) co_return sent.error();
  co_return EndpointReply{NoContent{}};
}

Task<Result<EndpointReply>> sms_steps(const ApiServices& api, const SdkCall& call) {
  return send_steps(api, call, Channel::kSms);
}

Task<Result<EndpointReply>> email_steps(const ApiServices& api, const SdkCall& call) {
  return send_steps(api, call, Channel::kEmail);
}

}  // namespace

Task<HttpResponse> handle_sms_send(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"sms_send", "", kCodeFlows}, sms_steps);
}

Task<HttpResponse> handle_email_send(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"email_send", "", kCodeFlows}, email_steps);
}

}  // namespace ciamd
