#include "api/sdk_login/login_endpoint.hpp"

#include <spdlog/spdlog.h>

#include "api/json_body.hpp"
#include "api/render.hpp"
#include "flows/audit.hpp"

namespace ciamd {
namespace {

Task<Result<LoginOutcome>> checked_steps(const ApiServices& api, const HttpRequest& http,
                                         SdkRequest& sdk, const LoginSteps& steps) {
  if (auto checked = co_await check_sdk_request(api, sdk); !checked) co_return checked.error();
  auto body = parse_json_object(http);
  if (!body) co_return body.error();
  co_return co_await steps(sdk, body.value());
}

AuditEvent audit_event(const SdkRequest& sdk, std::string_view provider, UnixSeconds now) {
  AuditEvent e;
  e.at = now;
  e.request_id = sdk.device.request_id;
  e.event = "login";
  e.client_id = sdk.client_id;
  e.provider = std::string(provider);
  e.device_fingerprint = sdk.device.fingerprint;
  e.peer_address = sdk.device.peer_address;
  e.client_reported_ip = sdk.device.reported_ip;
  return e;
}

}  // namespace

Task<HttpResponse> run_login_endpoint(const ApiServices& api, const HttpRequest& http,
                                      std::string_view provider, LoginSteps steps) {
  SdkRequest sdk = read_sdk_headers(http);
  std::optional<Result<LoginOutcome>> result;
  try {
    result.emplace(co_await checked_steps(api, http, sdk, steps));
  } catch (const std::exception& e) {
    result.emplace(ApiError{ErrorCode::kSystemBusy, std::string("unexpected: ") + e.what()});
  }
  AuditEvent event = audit_event(sdk, provider, api.flows.clock());
  HttpResponse response;
  if (result->ok()) {
    const LoginOutcome& outcome = result->value();
    event.outcome = std::string(status_of(outcome));
    event.user_id = std::string(user_of(outcome));
    response = render_outcome(outcome);
  } else {
    event.outcome = std::string(error_info(result->error().code).code);
    response = render_error(result->error(), sdk.lang, http.request_id);
  }
  api.audit.record(std::move(event));
  co_return response;
}

}  // namespace ciamd
