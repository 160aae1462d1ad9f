// api/sdk_session: what a client does with its session token (header `session-token`) after the
// login, per docs/api.md "Sessions: refresh and logout":
//   POST /api/v2/sdk/sso/session-token/id-token -> {"session_token","expire","id_token"}
//   POST /api/v2/sdk/logout                     -> 200, empty body
// After the common checks: a missing or blank `session-token` is PARAM.0023 on both; then
// flows/session/session_refresh decides. A body, if any, is ignored.
#pragma once

#include "api/services.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

Task<HttpResponse> handle_session_refresh(const ApiServices& api, const HttpRequest& http);
Task<HttpResponse> handle_logout(const ApiServices& api, const HttpRequest& http);

}  // namespace ciamd
