// flows/social/social_bind: finishing a SOCIAL_BIND or USER_REGISTER flow with a verified phone or
// email: a code we sent (VerifiedTarget), or a phone number WeChat vouched for (ProvenPhone, from
// the mini program's phone-number authorization).
//
//   the application does not bind with that channel (bind_methods) -> PARAM.0116
//   code wrong / none live        -> CAPTCHA.0007 (the flow stays usable; wrong codes count)
//   bind:          the user with that mobile/email, none -> USER.0001
//   register-bind: that user, or a new one with that mobile/email (name: the pending identity's
//                  nickname, or "")
//   pending identity already linked (to anyone, or its unionid to another user), or the user
//   already holds another identity of the same (provider, provider_app_id) -> SOCIAL.0001
//   disabled user -> USER.0039
//   `assigned` app and the user not assigned (a new user never is) -> ACCESS_DENIED: the flow and
//   the code are consumed, nothing is linked or created, no session
//   else one transaction: consume code + flow, new user (register), link, session -> SUCCESS
//
// A concurrent request that consumed the code or the flow first makes this one COMMON.1007 (or
// CAPTCHA.0007 when it already found the code used); a register racing another that created the
// same user re-decides once and links to that user.
//
//   const SocialBind bind(services, store, verification, wechat_mini);  // store: a LoginStore
//   const VerifiedTarget proof{Channel::kSms, "+8615907132852", "123456"};
//   Result<LoginOutcome> r = co_await bind.complete(app, flow_state, proof, device);
#pragma once

#include <string>

#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "flows/outcome.hpp"
#include "flows/services.hpp"
#include "flows/verification/verification.hpp"

namespace ciamd {

struct VerifiedTarget {
  Channel channel = Channel::kSms;
  std::string target;  // E.164 phone or lower-case email, already normalised
  std::string code;    // the code as the user typed it
};

// A phone number the provider proved the person holds; there is no code of ours to check.
struct ProvenPhone {
  std::string e164;
};

class LoginStore;
class WechatMiniConnector;

class SocialBind {
 public:
  SocialBind(const FlowServices& services, LoginStore& logins, const Verification& verification,
             WechatMiniConnector& wechat_mini)
      : services_(services),
        logins_(logins),
        verification_(verification),
        wechat_mini_(wechat_mini) {}

  // flow.kind decides: kSocialBind binds, kSocialRegister finds or creates.
  Task<Result<LoginOutcome>> complete(const Application& app, const FlowState& flow,
                                      const VerifiedTarget& proof,
                                      const DeviceContext& device) const;
  Task<Result<LoginOutcome>> complete(const Application& app, const FlowState& flow,
                                      const ProvenPhone& proof, const DeviceContext& device) const;
  // The mini program's phone-number button code (flows/login/providers.hpp's checks, then
  // getuserphonenumber), completing with the number WeChat gives as a ProvenPhone.
  Task<Result<LoginOutcome>> with_miniprogram_phone_code(const Application& app,
                                                         const FlowState& flow, std::string code,
                                                         const DeviceContext& device) const;

 private:
  const FlowServices& services_;
  LoginStore& logins_;
  const Verification& verification_;
  WechatMiniConnector& wechat_mini_;
};

}  // namespace ciamd
