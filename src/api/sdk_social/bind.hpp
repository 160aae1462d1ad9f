// api/sdk_social: finishing a flow with a verified phone or email (docs/api.md "Finishing a flow").
//   POST /api/v2/sdk/social/bind           (SOCIAL_BIND state token)
//   POST /api/v2/sdk/social/register-bind  (USER_REGISTER state token)
// Body {"mobile","verify_code"} or {"email","verify_code"} (mobile wins when both are given).
// Checks: common, state token, target (PARAM.0110/0111, 0112/0113), the app's bind method
// (PARAM.0116), verify_code (PARAM.0115); then flows/social/social_bind decides and commits.
#pragma once

#include "api/services.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

Task<HttpResponse> handle_social_bind(const ApiServices& api, const HttpRequest& http);
Task<HttpResponse> handle_social_register_bind(const ApiServices& api, const HttpRequest& http);

}  // namespace ciamd
