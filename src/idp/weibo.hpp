// idp/weibo: the Weibo login (docs/providers.md#weibo). The client hands the
// server a bare access token and a uid, so nothing is trusted before Weibo confirms both:
//
//   1. POST oauth2/get_token_info (form: access_token): its `appkey` must equal the application's
//      Weibo app key, its `expire_in` must be positive, and its `uid` must equal the claimed uid.
//      The fields come as numbers or strings; they are compared as decimal strings. A token of
//      another app key, or of another uid, is refused: kWeiboTokenMismatch.
//   2. GET 2/users/show.json?access_token&uid (the uid get_token_info returned) for the profile.
//      The token is proven by now, so a failing profile call does not fail the login (the
//      identity is the uid; screen_name is an enrichment), as with WeChat's userinfo.
//
// Weibo errors are {"error","error_code","request"} (error_code a number or a string), with any
// HTTP status. They map to the catalog:
//   21327 expired_token, 21332 invalid_access_token, 21301 auth failed, 21314-21319 token
//   rejected/revoked                                          -> kWeiboTokenInvalid (400)
//   10006 appkey missing, 10001/10002/10003/10009 busy, 10004 IP limit, 10012, 10014, other codes,
//   transport failures, HTTP errors without the shape, junk   -> kSystemBusy (500)
// The access token never appears in a log line or an ApiError detail.
//
//   WeiboConnector weibo(client, "https://api.weibo.com");
//   Result<ExternalIdentity> who = co_await weibo.verify(app.weibo_app_key, token, uid);
#pragma once

#include <string>

#include "core/result.hpp"
#include "exec/task.hpp"
#include "idp/external_identity.hpp"

namespace ciamd {

class HttpClient;

class WeiboConnector {
 public:
  WeiboConnector(HttpClient& client, std::string base_url);

  // provider "weibo", provider_app_id = app_key, subject = uid, display_name = screen_name,
  // profile_json = the users/show object ("{}" when it could not be read).
  Task<Result<ExternalIdentity>> verify(const std::string& app_key, std::string access_token,
                                        std::string claimed_uid);

 private:
  HttpClient& client_;
  std::string base_url_;
};

}  // namespace ciamd
