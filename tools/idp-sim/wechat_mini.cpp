#include "idp-sim/wechat_mini.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>

#include "idp-sim/wire.hpp"

namespace idp_sim {

namespace json = boost::json;

json::value country_code_json(const PhoneInfo& info) {
  if (info.country_code_as_string) return json::value(info.country_code);
  const char* first = info.country_code.data();
  const char* last = first + info.country_code.size();
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(first, last, n);
  // Users are created with digits only, so this fallback is for a broken invariant, not input.
  if (ec != std::errc{} || end != last) return json::value(info.country_code);
  return json::value(n);
}

namespace {

UpstreamReply session_reply(const MiniSession& session) {
  json::object body;
  body["openid"] = session.openid;
  body["session_key"] = session.session_key;
  if (session.unionid) body["unionid"] = *session.unionid;
  return UpstreamReply{wechat_json(body), 0};
}

UpstreamReply token_reply(const ServerToken& token) {
  return UpstreamReply{wechat_json(json::object{{"access_token", token.access_token},
                                                {"expires_in", token.expires_in}}),
                       0};
}

// Unlike the other successes, this one carries errcode 0 and errmsg "ok" (no rid), as the
// official sample shows.
UpstreamReply phone_reply(const PhoneInfo& info) {
  json::object phone_info;
  phone_info["phoneNumber"] = info.phone_number;
  phone_info["purePhoneNumber"] = info.pure_phone_number;
  phone_info["countryCode"] = country_code_json(info);
  phone_info["watermark"] = json::object{{"timestamp", info.timestamp}, {"appid", info.appid}};
  json::object body{{"errcode", 0}, {"errmsg", "ok"}};
  body["phone_info"] = std::move(phone_info);
  return UpstreamReply{wechat_json(body), 0};
}

// Registers `handler` for POST and a 43002 answer for the other methods. Those go through
// add_upstream_route too, so they are counted and can be faulted like the POST.
void add_post_only_route(ciamd::Router& router, SimState& state, const std::string& path,
                         UpstreamHandler handler) {
  add_upstream_route(router, state, "POST", path, std::move(handler));
  for (const char* method : {"GET", "PUT", "PATCH", "DELETE"}) {
    add_upstream_route(router, state, method, path,
                       [](const ciamd::HttpRequest&) -> ciamd::Task<UpstreamReply> {
                         co_return error_reply(WxError{43002, "require POST method"});
                       });
  }
}

}  // namespace

void add_wechat_mini_routes(ciamd::Router& router, SimState& state) {
  WechatMiniState& mini = state.wechat_mini();
  WechatServerTokens& tokens = state.server_tokens();

  add_upstream_route(router, state, "GET", "/sns/jscode2session",
                     [&mini](const ciamd::HttpRequest& req) -> ciamd::Task<UpstreamReply> {
                       const auto session = mini.jscode2session(JsCodeExchange{
                           query_param(req, "appid"), query_param(req, "secret"),
                           query_param(req, "js_code"), query_param(req, "grant_type")});
                       co_return session ? session_reply(session.value())
                                         : error_reply(session.error());
                     });

  add_post_only_route(router, state, "/cgi-bin/stable_token",
                      [&tokens](const ciamd::HttpRequest& req) -> ciamd::Task<UpstreamReply> {
                        const auto parsed = parse_stable_token_body(req.body);
                        if (!parsed) co_return error_reply(parsed.error());
                        const auto token = tokens.stable_token(parsed.value());
                        co_return token ? token_reply(token.value()) : error_reply(token.error());
                      });

  // The token is read from the query only, as WeChat does; the Content-Type is not checked,
  // because what WeChat answers for a JSON body under another type is not recorded.
  add_post_only_route(router, state, "/wxa/business/getuserphonenumber",
                      [&mini](const ciamd::HttpRequest& req) -> ciamd::Task<UpstreamReply> {
                        const auto info = mini.phone_number(query_param(req, "access_token"),
                                                            phone_code_from_body(req.body));
                        co_return info ? phone_reply(info.value()) : error_reply(info.error());
                      });
}

}  // namespace idp_sim
