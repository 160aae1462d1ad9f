// flows/login/phone_login: logging in with a phone number a provider vouched for (the WeChat mini
// program's phone-number authorization: docs/api.md, POST
// /api/v2/sdk/login/wechat-mini-program-mobile). No social identity is involved: the number is the
// proof.
//
//   a user has the number      -> admission (USER.0039 disabled, ACCESS_DENIED) -> SUCCESS
//   nobody has it, and the application registers new people (`unbound` register or auto_create)
//                              -> a new user with that number -> admission -> SUCCESS
//                                 (under `assigned` access: ACCESS_DENIED, nothing created)
//   nobody has it, `unbound` bind or reject -> USER.0001
//
// One transaction per outcome; two first logins of one number racing end with one user.
//
//   const PhoneLogin login(services, store, wechat_mini);  // store: a LoginStore
//   Result<LoginOutcome> r = co_await login.with_miniprogram_phone_code(app, code, device);
//   Result<LoginOutcome> s = co_await login.complete(app, "+8615907132852",
//                                                    kLoginWechatMiniProgram, device);
#pragma once

#include <string>
#include <string_view>

#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "flows/login/providers.hpp"
#include "flows/outcome.hpp"
#include "flows/services.hpp"

namespace ciamd {

class LoginStore;

class PhoneLogin {
 public:
  PhoneLogin(const FlowServices& services, LoginStore& logins, WechatMiniConnector& wechat_mini)
      : services_(services), logins_(logins), wechat_mini_(wechat_mini) {}

  // The mini program's phone-number button code (wxa/business/getuserphonenumber), checked as
  // flows/login/providers.hpp says, then complete() with the number WeChat gives.
  Task<Result<LoginOutcome>> with_miniprogram_phone_code(const Application& app, std::string code,
                                                         const DeviceContext& device) const;

  // `e164`: already normalised. `login_method`: recorded on the session; decides its lifetime.
  Task<Result<LoginOutcome>> complete(const Application& app, std::string e164,
                                      std::string_view login_method,
                                      const DeviceContext& device) const;

 private:
  const FlowServices& services_;
  LoginStore& logins_;
  WechatMiniConnector& wechat_mini_;
};

}  // namespace ciamd
