// idp/wechat_mini: the WeChat Mini Program APIs a login needs
// (docs/providers.md#wechat-mini-program).
//
//   login():        sns/jscode2session exchanges a wx.login code for the openid (and unionid when
//                   the mini program is bound to an Open Platform account). The session_key it
//                   also returns is dropped: ciamd decrypts no client data, and a key it does not
//                   keep cannot leak.
//   phone_number(): wxa/business/getuserphonenumber turns a phone-number authorization code into
//                   the user's number, normalised to E.164. Needs the mini program's server
//                   access token from the ServerTokenCache; a token WeChat rejects (40001, 42001,
//                   40014) is replaced once and the call retried once.
//
// Provider errors map to the catalog:
//   the code refused (40029, 40163, 40226; getuserphonenumber 40013: code of another appid)
//                                           -> kMiniProgramCallFailed (IDAAS.SDK.LOGIN.1001, 400)
//   -1, quota, our credentials, transport, junk, a second token rejection -> kSystemBusy (500)
//
//   WechatMiniConnector mini(client, "https://api.weixin.qq.com", tokens);
//   Result<ExternalIdentity> who = co_await mini.login(app.miniprogram, code);
//   Result<std::string> e164 = co_await mini.phone_number(app.miniprogram, phone_code);
#pragma once

#include <string>

#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "idp/external_identity.hpp"

namespace ciamd {

class HttpClient;
class ServerTokenCache;

class WechatMiniConnector {
 public:
  WechatMiniConnector(HttpClient& client, std::string base_url, ServerTokenCache& tokens);

  Task<Result<ExternalIdentity>> login(const WechatCredentials& mini, std::string js_code);
  Task<Result<std::string>> phone_number(const WechatCredentials& mini, std::string phone_code);

 private:
  HttpClient& client_;
  std::string base_url_;
  ServerTokenCache& tokens_;
};

}  // namespace ciamd
