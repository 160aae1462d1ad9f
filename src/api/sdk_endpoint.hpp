// api/sdk_endpoint: the shape every /api/v2/sdk endpoint with a JSON body shares, written once:
//   common checks -> [state token + flow record, for a flow continuation] -> JSON body
//   -> the endpoint's own steps -> render -> one audit event.
// Anything thrown becomes COM.0002 (500), logged with the request id.
//
//   co_return co_await run_sdk_endpoint(api, http,
//       EndpointSpec{"social_bind", "", {FlowKind::kSocialBind}},
//       [&api](const SdkCall& call) -> Task<Result<EndpointReply>> { ... });
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

// HTTP 200 with an empty body (sms/send, email/send).
struct NoContent {};
// HTTP 200 with this JSON object (mobile-by-token, session refresh).
struct JsonReply {
  boost::json::object body;
  std::string user_id;  // for the audit trail, when the reply is about a user
};
using EndpointReply = std::variant<LoginOutcome, NoContent, JsonReply>;

struct EndpointSpec {
  std::string_view event;     // the audit event: "login", "sms_send", "social_bind", ...
  std::string_view provider;  // for the audit trail; "" takes the flow's provider
  std::vector<FlowKind> flows;
  bool json_body = true;  // false: no body is read (GET); steps see an empty object
};

struct SdkCall {
  const SdkRequest& sdk;
  const std::optional<FlowState>& flow;  // set when the spec names flows
  const boost::json::object& body;
};

using EndpointSteps = std::function<Task<Result<EndpointReply>>(const SdkCall&)>;

// `steps` is taken by value: it must live as long as the coroutine, not the caller's expression.
Task<HttpResponse> run_sdk_endpoint(const ApiServices& api, const HttpRequest& http,
                                    EndpointSpec spec, EndpointSteps steps);

}  // namespace ciamd
