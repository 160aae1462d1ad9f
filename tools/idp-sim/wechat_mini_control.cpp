#include "idp-sim/wechat_mini_control.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "idp-sim/control_util.hpp"
#include "idp-sim/wechat_mini.hpp"
#include "idp-sim/wire.hpp"

namespace idp_sim {
namespace {

namespace json = boost::json;
using control_api::add_control_route;
using control_api::BadRequest;
using control_api::mint_answer;
using control_api::nullable;
using control_api::ok_json;
using control_api::opt_count;
using control_api::opt_int;
using control_api::opt_string;
using control_api::parse_object;
using control_api::req_string;

std::optional<std::int64_t> opt_ttl(const json::object& body) {
  return opt_int(body, "ttl", 0, std::numeric_limits<std::int32_t>::max());
}

// "count" mints a batch (control_util.hpp).
ciamd::HttpResponse mint_login_code(WechatMiniState& mini, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const std::string appid = req_string(body, "appid");
  const std::string user_key = req_string(body, "user_key");
  const auto ttl = opt_ttl(body);
  return mint_answer(
      opt_count(body), [&] { return mini.mint_login_code(appid, user_key, ttl); },
      [](json::object& answer, const MintedCode& last) {
        answer["openid"] = last.openid;
        answer["unionid"] = nullable(last.unionid);
      });
}

// The answer mirrors the phone_info the exchange will return, countryCode type included. With
// "count", "codes" holds the batch; every code of it gives the same phone_info (but the
// watermark's mint time).
ciamd::HttpResponse mint_phone_code(WechatMiniState& mini, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const std::string as = opt_string(body, "country_code_as").value_or("number");
  if (as != "number" && as != "string") {
    throw BadRequest("country_code_as must be \"number\" or \"string\"");
  }
  const std::string appid = req_string(body, "appid");
  const std::string user_key = req_string(body, "user_key");
  const auto ttl = opt_ttl(body);
  return mint_answer(
      opt_count(body), [&] { return mini.mint_phone_code(appid, user_key, ttl, as == "string"); },
      [](json::object& answer, const MintedPhoneCode& last) {
        answer["phone_number"] = last.info.phone_number;
        answer["pure_phone_number"] = last.info.pure_phone_number;
        answer["country_code"] = country_code_json(last.info);
      });
}

ciamd::HttpResponse expire_tokens(WechatServerTokens& tokens, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const std::string appid = req_string(body, "appid");
  const auto expired = tokens.expire_all(appid);
  if (!expired) return control_error(expired.error());
  return ok_json(json::object{{"appid", appid}, {"expired", expired.value()}});
}

}  // namespace

void add_wechat_mini_control_routes(ciamd::Router& router, SimState& state) {
  using Req = const ciamd::HttpRequest&;
  add_control_route(router, "POST", "/_sim/wechat/miniprogram/codes",
                    [&state](Req req) { return mint_login_code(state.wechat_mini(), req); });
  add_control_route(router, "POST", "/_sim/wechat/phone-codes",
                    [&state](Req req) { return mint_phone_code(state.wechat_mini(), req); });
  add_control_route(router, "POST", "/_sim/wechat/tokens/expire",
                    [&state](Req req) { return expire_tokens(state.server_tokens(), req); });
}

}  // namespace idp_sim
