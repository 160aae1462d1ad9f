// api/render: turning outcomes and errors into HTTP responses, exactly in the shapes of docs/api.md
// ("Results of a login") and docs/errors.md.
#pragma once

#include "core/error.hpp"
#include "flows/outcome.hpp"
#include "net/http.hpp"

namespace ciamd {

// {"error_code","error_msg"} with the catalog's HTTP status. The error's detail goes to the log
// (with the request id), never to the client.
HttpResponse render_error(const ApiError& error, Language lang, std::string_view request_id);

// SUCCESS / USER_REGISTER / SOCIAL_BIND / MFA_AUTH / ACCESS_DENIED bodies, HTTP 200.
HttpResponse render_outcome(const LoginOutcome& outcome);

}  // namespace ciamd
