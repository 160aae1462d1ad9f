#include "idp-sim/control.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "idp-sim/control_util.hpp"
#include "idp-sim/wechat_mini_control.hpp"
#include "idp-sim/weibo_control.hpp"
#include "idp-sim/wire.hpp"

namespace idp_sim {
namespace {

namespace json = boost::json;
using control_api::add_control_route;
using control_api::BadRequest;
using control_api::mint_answer;
using control_api::nullable;
using control_api::ok_json;
using control_api::opt_bool;
using control_api::opt_count;
using control_api::opt_int;
using control_api::opt_string;
using control_api::parse_object;
using control_api::req_string;

// The knobs belong to the mini program's server tokens; registering again resets absent ones to
// their defaults, so an app's behaviour never depends on what an earlier test configured.
ciamd::HttpResponse add_app(SimState& state, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const std::string appid = req_string(body, "appid");
  const std::string secret = req_string(body, "secret");
  ServerTokenKnobs knobs;
  knobs.token_ttl = opt_int(body, "token_ttl", 1, std::numeric_limits<std::int32_t>::max())
                        .value_or(kServerTokenTtl);
  if (auto errcode = opt_int(body, "expired_token_errcode", 0, 99999)) {
    knobs.expired_token_errcode = static_cast<int>(*errcode);
  }
  if (const auto set = state.server_tokens().set_knobs(appid, knobs); !set) {
    return control_error(set.error());
  }
  state.wechat().add_app(appid, secret);
  return ok_json(json::object{{"appid", appid},
                              {"token_ttl", knobs.token_ttl},
                              {"expired_token_errcode", knobs.expired_token_errcode}});
}

ciamd::HttpResponse add_user(WechatState& wechat, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  NewWechatUser spec;
  spec.user_key = opt_string(body, "user_key");
  spec.nickname = opt_string(body, "nickname");
  if (auto sex = opt_int(body, "sex", 0, 2)) spec.sex = static_cast<int>(*sex);
  spec.province = opt_string(body, "province");
  spec.city = opt_string(body, "city");
  spec.country = opt_string(body, "country");
  spec.headimgurl = opt_string(body, "headimgurl");
  spec.unionid = opt_string(body, "unionid");
  // An explicit "unionid": null asks for a user without one; an absent field generates one.
  const json::value* unionid = body.if_contains("unionid");
  spec.generate_unionid = !(unionid && unionid->is_null());
  spec.phone = opt_string(body, "phone");
  spec.country_code = opt_string(body, "country_code");
  spec.mini_login_blocked = opt_bool(body, "blocked").value_or(false);

  const auto user = wechat.add_user(spec);
  if (!user) return control_error(user.error());
  return ok_json(json::object{{"user_key", user->user_key}, {"unionid", nullable(user->unionid)}});
}

// "count" mints a batch (control_util.hpp).
ciamd::HttpResponse mint_code(WechatState& wechat, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const std::string appid = req_string(body, "appid");
  const std::string user_key = req_string(body, "user_key");
  const std::string scope = opt_string(body, "scope").value_or("");
  const auto ttl = opt_int(body, "ttl", 0, std::numeric_limits<std::int32_t>::max());
  return mint_answer(
      opt_count(body), [&] { return wechat.mint_code(appid, user_key, scope, ttl); },
      [](json::object& answer, const MintedCode& last) {
        answer["openid"] = last.openid;
        answer["unionid"] = nullable(last.unionid);
      });
}

ciamd::HttpResponse add_fault(FaultBook& faults, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const std::string path = req_string(body, "path");
  if (!faults.is_known_path(path)) throw BadRequest("path is not a simulated endpoint: " + path);
  Fault fault;
  constexpr auto kIntMax = std::numeric_limits<int>::max();
  if (auto n = opt_int(body, "errcode", -kIntMax, kIntMax)) fault.errcode = static_cast<int>(*n);
  fault.errmsg = opt_string(body, "errmsg");
  fault.latency_ms = opt_int(body, "latency_ms", 0, 600'000).value_or(0);
  if (auto n = opt_int(body, "http_status", 200, 599)) fault.http_status = static_cast<int>(*n);
  fault.garbage = opt_bool(body, "garbage").value_or(false);
  if (const json::value* fields = body.if_contains("fields"); fields != nullptr) {
    if (!fields->is_object() || fields->as_object().empty()) {
      throw BadRequest("fields must be a non-empty object");
    }
    fault.fields = fields->as_object();
  }
  fault.count = opt_int(body, "count", -1, kIntMax).value_or(1);
  if (fault.count == 0) throw BadRequest("count must be -1 (forever) or at least 1");
  if (!fault.errcode && fault.latency_ms == 0 && !fault.http_status && !fault.garbage &&
      !fault.fields) {
    throw BadRequest("a fault needs errcode, latency_ms, http_status, garbage or fields");
  }
  faults.add(path, std::move(fault));
  return ok_json(json::object{});
}

ciamd::HttpResponse stats(const FaultBook& faults) {
  json::object calls;
  for (const auto& [path, n] : faults.calls()) calls[path] = n;
  return ok_json(json::object{{"calls", std::move(calls)}});
}

ciamd::HttpResponse advance_clock(SimClock& clock, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const auto seconds = opt_int(body, "advance", -(1LL << 40), 1LL << 40);
  if (!seconds) throw BadRequest("advance is required");
  clock.advance(*seconds);
  return ok_json(json::object{{"offset", clock.offset()}, {"now", clock.now()}});
}

}  // namespace

void add_control_routes(ciamd::Router& router, SimState& state) {
  using Req = const ciamd::HttpRequest&;
  add_control_route(router, "GET", "/_sim/health", [](Req) {
    return ok_json(json::object{{"status", "ok"}});
  });
  add_control_route(router, "POST", "/_sim/wechat/apps",
                    [&state](Req req) { return add_app(state, req); });
  add_control_route(router, "POST", "/_sim/wechat/users",
                    [&state](Req req) { return add_user(state.wechat(), req); });
  add_control_route(router, "POST", "/_sim/wechat/codes",
                    [&state](Req req) { return mint_code(state.wechat(), req); });
  add_control_route(router, "POST", "/_sim/faults",
                    [&state](Req req) { return add_fault(state.faults(), req); });
  add_control_route(router, "DELETE", "/_sim/faults", [&state](Req) {
    state.faults().clear();
    return ok_json(json::object{});
  });
  add_control_route(router, "GET", "/_sim/stats", [&state](Req) { return stats(state.faults()); });
  add_control_route(router, "POST", "/_sim/reset", [&state](Req) {
    state.reset();
    return ok_json(json::object{});
  });
  add_control_route(router, "POST", "/_sim/clock",
                    [&state](Req req) { return advance_clock(state.clock(), req); });
  add_wechat_mini_control_routes(router, state);
  add_weibo_control_routes(router, state);
}

}  // namespace idp_sim
