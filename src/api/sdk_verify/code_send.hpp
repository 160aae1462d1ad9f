// api/sdk_verify: POST /api/v2/sdk/sms/send {"mobile","type"} and /email/send {"email","type"}
// with the flow's X-state-token (docs/api.md "Verification codes"). Checks, in order: the common
// checks, the state token (a USER_REGISTER or SOCIAL_BIND flow), the body: type (PARAM.0114; of
// another flow: COMMON.1007), the app's bind methods (PARAM.0116), the target (PARAM.0110/0111
// or 0112/0113). Then flows/verification/verification sends; success is HTTP 200 with an empty
// body. An optional "captcha_token" is accepted and ignored.
#pragma once

#include "api/services.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

Task<HttpResponse> handle_sms_send(const ApiServices& api, const HttpRequest& http);
Task<HttpResponse> handle_email_send(const ApiServices& api, const HttpRequest& http);

}  // namespace ciamd
