#include "idp-sim/weibo_control.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "idp-sim/control_util.hpp"
#include "idp-sim/wire.hpp"

namespace idp_sim {
namespace {

namespace json = boost::json;
using control_api::add_control_route;
using control_api::BadRequest;
using control_api::field;
using control_api::ok_json;
using control_api::opt_bool;
using control_api::opt_int;
using control_api::opt_string;
using control_api::parse_object;
using control_api::req_string;

// Weibo ids travel as numbers and as strings, so the control API takes either; the state checks
// the digits.
std::optional<std::string> opt_id(const json::object& body, std::string_view key) {
  const json::value* v = field(body, key);
  if (!v) return std::nullopt;
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64() && v->as_int64() >= 0) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  throw BadRequest(std::string(key) + " must be a string of digits or an integer");
}

std::string req_id(const json::object& body, std::string_view key) {
  auto id = opt_id(body, key);
  if (!id || id->empty()) throw BadRequest(std::string(key) + " is required");
  return *id;
}

ciamd::HttpResponse add_app(WeiboState& weibo, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const std::string app_key = req_id(body, "app_key");
  WeiboAppKnobs knobs;
  knobs.string_fields = opt_bool(body, "string_fields").value_or(false);
  const auto added = weibo.add_app(app_key, req_string(body, "secret"), knobs);
  if (!added) return control_error(added.error());
  return ok_json(json::object{{"app_key", app_key}, {"string_fields", knobs.string_fields}});
}

ciamd::HttpResponse add_user(WeiboState& weibo, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  NewWeiboUser spec;
  spec.uid = opt_id(body, "uid");
  spec.screen_name = opt_string(body, "screen_name");
  spec.gender = opt_string(body, "gender");
  spec.location = opt_string(body, "location");
  const auto user = weibo.add_user(spec);
  if (!user) return control_error(user.error());
  return ok_json(json::object{{"uid", user->uid}, {"screen_name", user->screen_name}});
}

ciamd::HttpResponse mint_token(WeiboState& weibo, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const auto minted =
      weibo.mint_token(req_id(body, "app_key"), req_id(body, "uid"),
                       opt_int(body, "ttl", 0, std::numeric_limits<std::int32_t>::max()),
                       opt_bool(body, "revoked").value_or(false));
  if (!minted) return control_error(minted.error());
  return ok_json(json::object{{"access_token", minted->access_token},
                              {"uid", minted->uid},
                              {"expires_in", minted->expires_in}});
}

ciamd::HttpResponse revoke_token(WeiboState& weibo, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const auto revoked = weibo.revoke_token(req_string(body, "access_token"));
  if (!revoked) return control_error(revoked.error());
  return ok_json(json::object{{"revoked", true}});
}

}  // namespace

void add_weibo_control_routes(ciamd::Router& router, SimState& state) {
  using Req = const ciamd::HttpRequest&;
  add_control_route(router, "POST", "/_sim/weibo/apps",
                    [&state](Req req) { return add_app(state.weibo(), req); });
  add_control_route(router, "POST", "/_sim/weibo/users",
                    [&state](Req req) { return add_user(state.weibo(), req); });
  add_control_route(router, "POST", "/_sim/weibo/tokens",
                    [&state](Req req) { return mint_token(state.weibo(), req); });
  add_control_route(router, "POST", "/_sim/weibo/tokens/revoke",
                    [&state](Req req) { return revoke_token(state.weibo(), req); });
}

}  // namespace idp_sim
