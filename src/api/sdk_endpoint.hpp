// api/sdk_endpoint: the one shape of every /api/v2/sdk endpoint, written once:
//   common checks (api/sdk_request.hpp) -> [state token + flow record, for a flow continuation]
//   -> JSON body -> the endpoint's steps -> render -> one audit event (and the login metric).
// Anything thrown becomes COM.0002 (500), logged with the request id.
//
// The steps of an endpoint parse what the body says, make one call into flows and return the
// reply to render:
//
//   Task<Result<EndpointReply>> wechat_steps(const ApiServices& api, const SdkCall& call) {
//     Result<std::string> code = required_string(call.body, "code", ErrorCode::kWechatCodeEmpty);
//     if (!code) co_return code.error();
//     co_return as_reply(co_await api.social_login.with_wechat_code(
//         call.app(), std::move(code.value()), call.sdk.device));
//   }
//   Task<HttpResponse> handle_wechat_login(const ApiServices& api, const HttpRequest& http) {
//     return run_sdk_endpoint(api, http, EndpointSpec{"login", kProviderWechat, {}},
//                             wechat_steps);
//   }
//
// (api/sdk_login/wechat_login.cpp is this example; api/routes.cpp registers the handlers.)
//
// An empty `flows` list means no state token is read (a login); otherwise X-state-token must name
// a usable flow of one of those kinds (flows/flow_guard.hpp), else COMMON.1007.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/sdk_request.hpp"
#include "api/services.hpp"
#include "core/model.hpp"
#include "flows/outcome.hpp"
#include "net/http.hpp"

namespace ciamd {

// HTTP 200 with an empty body (sms/send, email/send, logout).
struct NoContent {};
// HTTP 200 with this JSON object (mobile-by-token, session refresh).
struct JsonReply {
  boost::json::object body;
  std::string user_id;  // for the audit trail, when the reply is about a user
};
using EndpointReply = std::variant<LoginOutcome, NoContent, JsonReply>;

// A login's result as the endpoint's reply.
Result<EndpointReply> as_reply(Result<LoginOutcome> outcome);

struct EndpointSpec {
  std::string_view event;     // the audit event: "login", "sms_send", "social_bind", ...
  std::string_view provider;  // for the audit trail; "" takes the flow's provider
  std::vector<FlowKind> flows;
  bool json_body = true;  // false: no body is read (GET, header-only POSTs); steps see {}
};

// What the steps of an endpoint see, once the checks passed.
struct SdkCall {
  const HttpRequest& http;
  const SdkRequest& sdk;                 // sdk.app is set
  const std::optional<FlowState>& flow;  // set when the spec names flows
  const boost::json::object& body;

  const Application& app() const { return *sdk.app; }
};

using EndpointSteps =
    std::function<Task<Result<EndpointReply>>(const ApiServices&, const SdkCall&)>;

// Runs the shape above. The coroutine owns `spec` and `steps` (taken by value).
Task<HttpResponse> run_sdk_endpoint(const ApiServices& api, const HttpRequest& http,
                                    EndpointSpec spec, EndpointSteps steps);

}  // namespace ciamd
