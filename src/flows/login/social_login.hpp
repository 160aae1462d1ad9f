// flows/login/social_login: what a proven social identity means for this application. Shared by
// every social login endpoint (WeChat app, mini program, Weibo).
//
//   linked to a user        -> disabled? USER.0039 : access denied? ACCESS_DENIED : SUCCESS
//   same unionid as a user  -> linked to that user now (one person across an Open Platform
//                              account's apps), then as above
//   not linked              -> the application's `unbound` policy:
//                                register -> USER_REGISTER, bind -> SOCIAL_BIND (state token),
//                                auto_create -> new user + link + SUCCESS, reject -> USER.0001
//
// Everything one outcome writes is one transaction (LoginStore::commit_login); the database work
// runs on the blocking pool and the id_token is signed after the commit.
//
// The with_* entry points first prove the identity with the provider (flows/login/providers.hpp:
// credentials configured, code plausible, then the connector's call), then complete as above.
//
//   const SocialLogin login(services, store, providers);  // store: a LoginStore
//   Result<LoginOutcome> r = co_await login.with_wechat_code(app, code, device);
//   Result<LoginOutcome> s = co_await login.complete(app, who, device);  // identity proven
#pragma once

#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "flows/login/providers.hpp"
#include "flows/outcome.hpp"
#include "flows/services.hpp"
#include "idp/external_identity.hpp"

namespace ciamd {

class LoginStore;

class SocialLogin {
 public:
  SocialLogin(const FlowServices& services, LoginStore& logins, const Providers& providers)
      : services_(services), logins_(logins), providers_(providers) {}

  // WeChat app login (sns/oauth2/access_token, then the profile): LOGIN.1003 without WeChat
  // credentials; the connector's errors as they come.
  Task<Result<LoginOutcome>> with_wechat_code(const Application& app, std::string code,
                                              const DeviceContext& device) const;
  // Mini program login (jscode2session).
  Task<Result<LoginOutcome>> with_miniprogram_code(const Application& app, std::string code,
                                                   const DeviceContext& device) const;
  // Weibo: the token must be this application's and that uid's (oauth2/get_token_info).
  Task<Result<LoginOutcome>> with_weibo_token(const Application& app, std::string access_token,
                                              std::string uid, const DeviceContext& device) const;

  // An identity a provider has proven.
  Task<Result<LoginOutcome>> complete(const Application& app, const ExternalIdentity& who,
                                      const DeviceContext& device) const;

 private:
  const FlowServices& services_;
  LoginStore& logins_;
  const Providers& providers_;
};

}  // namespace ciamd
