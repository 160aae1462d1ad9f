// flows/mfa/mfa: the second factor an MFA_AUTH result asks for (docs/api.md "The second factor:
// MFA_AUTH").
//
//   mfa_target_blocking(): where an MFA code goes: the flow's user's own phone (SMS) or email
//        (EMAIL). PARAM.0117 when the application does not accept that factor or the user has
//        none; PARAM.0118 when the client names another phone/email. The client never chooses
//        where a second factor is delivered.
//   MfaCompletion::complete(): the code verified against that target (CAPTCHA.0007, a wrong one
//        counts a try), the access rules again (USER.0039, ACCESS_DENIED), then one transaction:
//        code and flow consumed, session, the device remembered (for `new_device`) -> SUCCESS.
//
//   MfaCompletion::masked_mobile(): the phone an SMS factor goes to, masked, for the client to
//        show (mobile-by-token); the same errors as mfa_target_blocking().
//
//   const MfaCompletion mfa(services, store, verification);  // store: a LoginStore
//   Result<std::string> shown = co_await mfa.masked_mobile(app, flow);  // "+86-159****2852"
//   Result<LoginOutcome> r =
//       co_await mfa.complete(app, flow, Channel::kSms, std::nullopt, "123456", device);
#pragma once

#include <optional>
#include <string>

#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "flows/outcome.hpp"
#include "flows/services.hpp"
#include "flows/verification/verification.hpp"

namespace ciamd {

class LoginStore;

// `claimed`: a normalised phone/email from the request body, if it named one.
Result<std::string> mfa_target_blocking(LoginStore& logins, const Application& app,
                                        const FlowState& flow, Channel channel,
                                        const std::optional<std::string>& claimed);

class MfaCompletion {
 public:
  MfaCompletion(const FlowServices& services, LoginStore& logins, const Verification& verification)
      : services_(services), logins_(logins), verification_(verification) {}

  Task<Result<std::string>> masked_mobile(const Application& app, const FlowState& flow) const;

  Task<Result<LoginOutcome>> complete(const Application& app, const FlowState& flow,
                                      Channel channel, std::optional<std::string> claimed,
                                      std::string code, const DeviceContext& device) const;

 private:
  const FlowServices& services_;
  LoginStore& logins_;
  const Verification& verification_;
};

}  // namespace ciamd
