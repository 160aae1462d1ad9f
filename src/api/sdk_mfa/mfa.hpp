// api/sdk_mfa: completing the second factor an MFA_AUTH result asks for (header X-state-token:
// the MFA_AUTH state token).
//   GET  /api/v2/sdk/mobile-by-token  -> {"mobile":"+86-152****7124"}: where an SMS code would go
//   POST /api/v2/sdk/mfa/sms   {"verify_code","mobile"?}  -> SUCCESS (or ACCESS_DENIED)
//   POST /api/v2/sdk/mfa/email {"verify_code","email"?}   -> SUCCESS (or ACCESS_DENIED)
// Codes come from sms/send / email/send with MFA_AUTH_SMS / MFA_AUTH_EMS. Checks after the common
// ones: state token of an MFA flow (COMMON.1007), the factor usable (PARAM.0117), a named target
// well-formed (PARAM.0111/0113) and the user's own (PARAM.0118), verify_code (PARAM.0115); then
// flows/mfa/mfa verifies and commits.
#pragma once

#include "api/services.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

Task<HttpResponse> handle_mobile_by_token(const ApiServices& api, const HttpRequest& http);
Task<HttpResponse> handle_mfa_sms(const ApiServices& api, const HttpRequest& http);
Task<HttpResponse> handle_mfa_email(const ApiServices& api, const HttpRequest& http);

}  // namespace ciamd
