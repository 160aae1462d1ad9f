#include "api/sdk_endpoint.hpp"

#include <boost/json/serialize.hpp>

#include "api/json_body.hpp"
#include "api/render.hpp"
#include "flows/audit.hpp"
#include "flows/flow_guard.hpp"
#include "metrics/metrics.hpp"

namespace ciamd {
namespace {

Task<Result<EndpointReply>> checked_steps(const ApiServices& api, const HttpRequest& http,
                                          SdkRequest& sdk, const EndpointSpec& spec,
                                          std::optional<FlowState>& flow,
                                          const EndpointSteps& steps) {
  if (auto checked = co_await check_sdk_request(api, sdk); !checked) co_return checked.error();
  if (!spec.flows.empty()) {
    Result<FlowState> loaded =
        co_await load_flow(api.flows, sdk.state_token, sdk.client_id, spec.flows);
    if (!loaded) co_return loaded.error();
    flow.emplace(std::move(loaded.value()));
  }
  if (!spec.json_body) {
    const boost::json::object none;
    co_return co_await steps(SdkCall{sdk, flow, none});
  }
  auto body = parse_json_object(http);
  if (!body) co_return body.error();
  co_return co_await steps(SdkCall{sdk, flow, body.value()});
}

AuditEvent audit_event(const SdkRequest& sdk, const EndpointSpec& spec,
                       const std::optional<FlowState>& flow, UnixSeconds now) {
  AuditEvent e;
  e.at = now;
  e.request_id = sdk.device.request_id;
  e.event = std::string(spec.event);
  e.client_id = sdk.client_id;
  e.provider = std::string(spec.provider);
  if (e.provider.empty() && flow) e.provider = flow->provider;
  e.device_fingerprint = sdk.device.fingerprint;
  e.peer_address = sdk.device.peer_address;
  e.client_reported_ip = sdk.device.reported_ip;
  return e;
}

}  // namespace

Task<HttpResponse> run_sdk_endpoint(const ApiServices& api, const HttpRequest& http,
                                    EndpointSpec spec, EndpointSteps steps) {
  SdkRequest sdk = read_sdk_headers(http);
  std::optional<FlowState> flow;
  std::optional<Result<EndpointReply>> result;
  try {
    result.emplace(co_await checked_steps(api, http, sdk, spec, flow, steps));
  } catch (const std::exception& e) {
    result.emplace(ApiError{ErrorCode::kSystemBusy, std::string("unexpected: ") + e.what()});
  }
  AuditEvent event = audit_event(sdk, spec, flow, api.flows.clock());
  HttpResponse response;
  if (!result->ok()) {
    event.outcome = std::string(error_info(result->error().code).code);
    response = render_error(result->error(), sdk.lang, http.request_id);
  } else if (const auto* outcome = std::get_if<LoginOutcome>(&result->value())) {
    event.outcome = std::string(status_of(*outcome));
    event.user_id = std::string(user_of(*outcome));
    response = render_outcome(*outcome);
  } else if (const auto* json = std::get_if<JsonReply>(&result->value())) {
    event.outcome = "200";
    event.user_id = json->user_id;
    response = HttpResponse::json(200, boost::json::serialize(json->body));
  } else {
    event.outcome = "200";
    response = HttpResponse::empty(200);
  }
  // Counted where the audit event is made, so the metric and the audit trail agree on every
  // login's provider and outcome.
  if (api.metrics != nullptr && spec.event == "login") {
    api.metrics->record_login(event.provider, event.outcome);
  }
  api.audit.record(std::move(event));
  co_return response;
}

}  // namespace ciamd
