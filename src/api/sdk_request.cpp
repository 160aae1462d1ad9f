#include "api/sdk_request.hpp"

#include "flows/app_directory.hpp"

namespace ciamd {
namespace {

std::string trimmed(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

}  // namespace

SdkRequest read_sdk_headers(const HttpRequest& http) {
  SdkRequest sdk;
  const Headers& h = http.headers;
  sdk.lang = language_from_header(h.get("X-L"));
  sdk.device.os_version = trimmed(h.get("X-operating-sys-version"));
  sdk.device.fingerprint = trimmed(h.get("X-device-fingerprint"));
  sdk.device.agent = trimmed(h.get("X-agent"));
  sdk.device.reported_ip = trimmed(h.get("X-device-ip"));
  sdk.device.peer_address = http.peer_address;
  sdk.device.request_id = http.request_id;
  sdk.client_id = trimmed(h.get("X-client-id"));
  sdk.state_token = trimmed(h.get("X-state-token"));
  return sdk;
}

Task<Result<std::shared_ptr<const Application>>> check_sdk_request(const ApiServices& api,
                                                                   const SdkRequest& sdk) {
  if (sdk.device.os_version.empty() || sdk.device.fingerprint.empty() || sdk.device.agent.empty()) {
    co_return ErrorCode::kDeviceInfoIncomplete;
  }
  if (sdk.client_id.empty()) co_return ErrorCode::kClientIdEmpty;
  auto app = co_await api.apps.find(sdk.client_id);
  if (!app || !app->enabled) co_return ErrorCode::kAppNotRegistered;
  co_return std::move(app);
}

}  // namespace ciamd
