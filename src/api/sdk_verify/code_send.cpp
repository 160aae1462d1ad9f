#include "api/sdk_verify/code_send.hpp"

#include <algorithm>

#include "api/json_body.hpp"
#include "api/sdk_endpoint.hpp"
#include "api/sdk_verify/targets.hpp"
#include "exec/runtime.hpp"
#include "flows/mfa/mfa.hpp"
#include "flows/verification/verification.hpp"
#include "store/store.hpp"

namespace ciamd {
namespace {

const std::vector<FlowKind> kCodeFlows{FlowKind::kSocialRegister, FlowKind::kSocialBind,
                                       FlowKind::kMfa};

// MFA_AUTH_*: the user's own phone/email; a target in the body is optional and must be theirs.
Task<Result<std::string>> mfa_target(const ApiServices& api, const SdkCall& call, Channel channel) {
  std::optional<std::string> claimed;
  if (body_names_target(call.body, channel)) {
    Result<std::string> named = read_target(call.body, channel);
    if (!named) co_return named.error();
    claimed = std::move(named.value());
  }
  co_return co_await api.flows.pool.run([&api, &call, channel, &claimed] {
    return mfa_target_blocking(api.flows.store, *call.sdk.app, *call.flow, channel, claimed);
  });
}

Task<Result<EndpointReply>> send_steps(const ApiServices& api, const SdkCall& call,
                                       Channel channel) {
  auto type = required_string(call.body, "type", ErrorCode::kCodeTypeInvalid);
  if (!type) co_return type.error();
  std::optional<CodePurpose> purpose = parse_code_purpose(type.value());
  if (!purpose || channel_of(*purpose) != channel) co_return ErrorCode::kCodeTypeInvalid;
  if (flow_kind_of(*purpose) != call.flow->kind) {
    co_return ApiError{ErrorCode::kStateTokenInvalid, "code type of another flow"};
  }
  Result<std::string> target = std::string();
  if (call.flow->kind == FlowKind::kMfa) {
    target = co_await mfa_target(api, call, channel);
  } else if (Status on = method_enabled(*call.sdk.app, channel); !on) {
    co_return on.error();
  } else {
    target = read_target(call.body, channel);
  }
  if (!target) co_return target.error();
  Status sent = co_await api.verification.send(*call.flow, *purpose, std::move(target.value()),
                                               call.sdk.lang, call.sdk.device);
  if (!sent) co_return sent.error();
  co_return EndpointReply{NoContent{}};
}

Task<HttpResponse> run_send(const ApiServices& api, const HttpRequest& http, Channel channel) {
  const std::string_view event = channel == Channel::kSms ? "sms_send" : "email_send";
  return run_sdk_endpoint(
      api, http, EndpointSpec{event, "", kCodeFlows},
      [&api, channel](const SdkCall& call) { return send_steps(api, call, channel); });
}

}  // namespace

Task<HttpResponse> handle_sms_send(const ApiServices& api, const HttpRequest& http) {
  return run_send(api, http, Channel::kSms);
}

Task<HttpResponse> handle_email_send(const ApiServices& api, const HttpRequest& http) {
  return run_send(api, http, Channel::kEmail);
}

}  // namespace ciamd
