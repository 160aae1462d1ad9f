#include "idp-sim/wechat_open.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "idp-sim/wire.hpp"

namespace idp_sim {
namespace {

// Field order follows the official samples, in case a client (wrongly) depends on it.
UpstreamReply grant_reply(const TokenGrant& grant) {
  boost::json::object body;
  body["access_token"] = grant.access_token;
  body["expires_in"] = grant.expires_in;
  body["refresh_token"] = grant.refresh_token;
  body["openid"] = grant.openid;
  body["scope"] = grant.scope;
  if (grant.unionid) body["unionid"] = *grant.unionid;
  return UpstreamReply{wechat_json(body), 0};
}

UpstreamReply userinfo_reply(const UserInfo& info) {
  const WechatUser& user = info.user;
  boost::json::object body;
  body["openid"] = info.openid;
  body["nickname"] = user.nickname;
  body["sex"] = user.sex;
  body["language"] = "zh_CN";
  body["city"] = user.city;
  body["province"] = user.province;
  body["country"] = user.country;
  body["headimgurl"] = user.headimgurl;
  body["privilege"] = boost::json::array{};
  if (user.unionid) body["unionid"] = *user.unionid;
  return UpstreamReply{wechat_json(body), 0};
}

}  // namespace

void add_wechat_open_routes(ciamd::Router& router, SimState& state) {
  WechatState& wechat = state.wechat();

  add_upstream_route(router, state, "GET", "/sns/oauth2/access_token",
                     [&wechat](const ciamd::HttpRequest& req) -> ciamd::Task<UpstreamReply> {
                       const auto grant = wechat.exchange_code(
                           CodeExchange{query_param(req, "appid"), query_param(req, "secret"),
                                        query_param(req, "code"), query_param(req, "grant_type")});
                       co_return grant ? grant_reply(grant.value()) : error_reply(grant.error());
                     });

  // No `secret` parameter here: WeChat refreshes on the appid alone (WeChat's app login page,
  // linked from docs/providers.md#wechat-app-login).
  add_upstream_route(router, state, "GET", "/sns/oauth2/refresh_token",
                     [&wechat](const ciamd::HttpRequest& req) -> ciamd::Task<UpstreamReply> {
                       const auto grant = wechat.refresh(
                           TokenRefresh{query_param(req, "appid"), query_param(req, "grant_type"),
                                        query_param(req, "refresh_token")});
                       co_return grant ? grant_reply(grant.value()) : error_reply(grant.error());
                     });

  // `lang` (zh_CN, zh_TW, en) is accepted and ignored: the profile is not localised.
  add_upstream_route(router, state, "GET", "/sns/userinfo",
                     [&wechat](const ciamd::HttpRequest& req) -> ciamd::Task<UpstreamReply> {
                       const auto info = wechat.userinfo(query_param(req, "access_token"),
                                                         query_param(req, "openid"));
                       co_return info ? userinfo_reply(info.value()) : error_reply(info.error());
                     });

  // The one WeChat success that does carry errcode 0, and without a rid.
  add_upstream_route(router, state, "GET", "/sns/auth",
                     [&wechat](const ciamd::HttpRequest& req) -> ciamd::Task<UpstreamReply> {
                       const auto ok = wechat.check_token(query_param(req, "access_token"),
                                                          query_param(req, "openid"));
                       if (!ok) co_return error_reply(ok.error());
                       co_return UpstreamReply{
                           wechat_json(boost::json::object{{"errcode", 0}, {"errmsg", "ok"}}), 0};
                     });
}

}  // namespace idp_sim
