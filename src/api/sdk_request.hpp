// api/sdk_request: the common checks every /api/v2/sdk endpoint runs first, in the order of
// docs/api.md "Common rules" (first failure wins): device headers (PARAM.0001) -> X-client-id
// present (PARAM.0002) -> application registered and enabled (PARAM.0003). Endpoints then check the
// state token, then the body.
//
//   Result<SdkRequest> sdk = co_await check_sdk_request(api, http);
//   if (!sdk) co_return render_error(sdk.error(), lang, http);
#pragma once

#include <memory>
#include <string>

#include "api/services.hpp"
#include "core/error.hpp"
#include "core/model.hpp"
#include "core/result.hpp"
#include "net/http.hpp"
#include "net/task.hpp"

namespace ciamd {

struct SdkRequest {
  Language lang = Language::kEnglish;
  DeviceContext device;
  std::string client_id;
  std::shared_ptr<const Application> app;  // set once the checks passed
  std::string state_token;                 // X-state-token, "" when absent
};

// What the headers say, before any check (so errors and audit records know the language, the
// device and the client id even when a check fails).
SdkRequest read_sdk_headers(const HttpRequest& http);

// Runs the checks on `sdk`, filling sdk.app. Only the application lookup may touch the database
// (through the application cache).
Task<Result<Done>> check_sdk_request(const ApiServices& api, SdkRequest& sdk);

}  // namespace ciamd
