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
// Everything one outcome writes is one transaction (Store::commit_login); the database work runs
// on the blocking pool and the id_token is signed after the commit.
//
//   SocialLogin login(services);
//   Result<LoginOutcome> r = co_await login.complete(app, who, device);
#pragma once

#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "flows/outcome.hpp"
#include "flows/services.hpp"
#include "idp/external_identity.hpp"

namespace ciamd {

class SocialLogin {
 public:
  explicit SocialLogin(const FlowServices& services) : services_(services) {}

  Task<Result<LoginOutcome>> complete(const Application& app, const ExternalIdentity& who,
                                      const DeviceContext& device) const;

 private:
  const FlowServices& services_;
};

}  // namespace ciamd
