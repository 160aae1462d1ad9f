// api/sdk_request: the common checks every /api/v2/sdk endpoint runs first, in the order of
// docs/api.md "Common rules" (first failure wins): device headers (PARAM.0001) -> X-client-id
// present (PARAM.0002) -> application registered and enabled (PARAM.0003). Endpoints then check the
// state token, then the body.
//
//   SdkRequest sdk = read_sdk_headers(http);
//   Result<std::shared_ptr<const Application>> app = co_await check_sdk_request(api, sdk);
//   if (!app) co_return render_error(app.error(), sdk.lang, http.request_id);
#pragma once

#include <memory>
#include <string>

#include "api/services.hpp"
#include "core/error.hpp"
#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

struct SdkRequest {
  Language lang = Language::kEnglish;
  DeviceContext device;
  std::string client_id;
  std::shared_ptr<const Application> app;  // the checked application; null before the checks
  std::string state_token;                 // X-state-token, "" when absent
};

// What the headers say, before any check (so errors and audit records know the language, the
// device and the client id even when a check fails).
SdkRequest read_sdk_headers(const HttpRequest& http);

// The common checks in docs/api.md's order (device headers, client id, a registered and enabled
// application); the application when they pass. Only the application lookup may touch the
// database (through the application cache).
Task<Result<std::shared_ptr<const Application>>> check_sdk_request(const ApiServices& api,
                                                                   const SdkRequest& sdk);

}  // namespace ciamd
