// flows/phone_login: logging in with a phone number a provider vouched for (the WeChat mini
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
//   PhoneLogin login(services);
//   Result<LoginOutcome> r = co_await login.complete(app, "+8615907132852",
//                                                    kLoginWechatMiniProgram, device);
#pragma once

#include <string>
#include <string_view>

#include "core/model.hpp"
#include "core/result.hpp"
#include "flows/outcome.hpp"
#include "flows/services.hpp"
#include "net/task.hpp"

namespace ciamd {

class PhoneLogin {
 public:
  explicit PhoneLogin(const FlowServices& services) : services_(services) {}

  // `e164`: already normalised. `login_method`: recorded on the session; decides its lifetime.
  Task<Result<LoginOutcome>> complete(const Application& app, std::string e164,
                                      std::string_view login_method,
                                      const DeviceContext& device) const;

 private:
  const FlowServices& services_;
};

}  // namespace ciamd
