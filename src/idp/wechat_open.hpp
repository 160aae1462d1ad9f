// idp/wechat_open: the WeChat Open Platform mobile-app login ("移动应用微信登录"). Exchanges the
// code the app got from the WeChat SDK for an access token (sns/oauth2/access_token), then reads
// the profile (sns/userinfo). Provider errors map to the catalog:
//   40029 invalid code, 40163 code been used           -> kWechatCodeInvalid (400)
//   anything else (-1, 40125, 40013, transport, junk)  -> kSystemBusy (500), detail logged
// Errors are told apart by `errcode`, never by `errmsg`, and a body without `errcode` (or with 0)
// is a success, as WeChat's documentation says.
//
//   WechatOpenConnector wechat(client, "https://api.weixin.qq.com");
//   Result<ExternalIdentity> who = co_await wechat.exchange_code(app.wechat, code);
#pragma once

#include <string>

#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "idp/external_identity.hpp"

namespace ciamd {

class HttpClient;

class WechatOpenConnector {
 public:
  WechatOpenConnector(HttpClient& client, std::string base_url);

  Task<Result<ExternalIdentity>> exchange_code(const WechatCredentials& app, std::string code);

 private:
  HttpClient& client_;
  std::string base_url_;
};

}  // namespace ciamd
