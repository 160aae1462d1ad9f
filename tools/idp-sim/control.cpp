#include "idp-sim/control.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <limits>
#include <stdexcept>

#include "idp-sim/wire.hpp"

namespace idp_sim {
namespace {

namespace json = boost::json;

// Thrown by the parsing helpers below and turned into a 400 answer by add_control_route; it keeps
// the field-by-field validation readable without threading a result through every line.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

json::object parse_object(const std::string& body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) throw BadRequest("body is not valid JSON: " + ec.message());
  if (!value.is_object()) throw BadRequest("body must be a JSON object");
  return std::move(value.as_object());
}

// Absent and null both read as "not given".
const json::value* field(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

std::optional<std::string> opt_string(const json::object& obj, std::string_view key) {
  const json::value* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw BadRequest(std::string(key) + " must be a string");
  return std::string(v->as_string());
}

std::string req_string(const json::object& obj, std::string_view key) {
  auto value = opt_string(obj, key);
  if (!value || value->empty()) throw BadRequest(std::string(key) + " is required");
  return *value;
}

std::optional<std::int64_t> opt_int(const json::object& obj, std::string_view key, std::int64_t min,
                                    std::int64_t max) {
  const json::value* v = field(obj, key);
  if (!v) return std::nullopt;
  std::optional<std::int64_t> n;
  if (v->is_int64()) n = v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= std::uint64_t{std::numeric_limits<std::int64_t>::max()}) {
    n = static_cast<std::int64_t>(v->as_uint64());
  }
  if (!n || *n < min || *n > max) {
    throw BadRequest(std::string(key) + " must be an integer in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "]");
  }
  return n;
}

std::optional<bool> opt_bool(const json::object& obj, std::string_view key) {
  const json::value* v = field(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_bool()) throw BadRequest(std::string(key) + " must be a boolean");
  return v->as_bool();
}

json::value nullable(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

using ControlHandler = std::function<ciamd::HttpResponse(const ciamd::HttpRequest&)>;

void add_control_route(ciamd::Router& router, std::string method, std::string path,
                       ControlHandler handler) {
  router.add(std::move(method), std::move(path),
             [handler = std::move(handler)](
                 const ciamd::HttpRequest& request) -> ciamd::Task<ciamd::HttpResponse> {
               ciamd::HttpResponse response;
               try {
                 response = handler(request);
               } catch (const BadRequest& e) {
                 response = control_error(ControlError{400, e.what()});
               }
               // Bodies are not logged: they carry secrets and codes.
               spdlog::info("{} {} -> {}", request.method, request.path, response.status);
               co_return response;
             });
}

ciamd::HttpResponse ok_json(const json::value& body) {
  return control_json(200, body);
}

ciamd::HttpResponse add_app(WechatState& wechat, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const std::string appid = req_string(body, "appid");
  wechat.add_app(appid, req_string(body, "secret"));
  return ok_json(json::object{{"appid", appid}});
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

  const auto user = wechat.add_user(spec);
  if (!user) return control_error(user.error());
  return ok_json(json::object{{"user_key", user->user_key}, {"unionid", nullable(user->unionid)}});
}

ciamd::HttpResponse mint_code(WechatState& wechat, const ciamd::HttpRequest& req) {
  const json::object body = parse_object(req.body);
  const auto minted =
      wechat.mint_code(req_string(body, "appid"), req_string(body, "user_key"),
                       opt_string(body, "scope").value_or(""),
                       opt_int(body, "ttl", 0, std::numeric_limits<std::int32_t>::max()));
  if (!minted) return control_error(minted.error());
  return ok_json(json::object{
      {"code", minted->code}, {"openid", minted->openid}, {"unionid", nullable(minted->unionid)}});
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
  fault.count = opt_int(body, "count", -1, kIntMax).value_or(1);
  if (fault.count == 0) throw BadRequest("count must be -1 (forever) or at least 1");
  if (!fault.errcode && fault.latency_ms == 0 && !fault.http_status && !fault.garbage) {
    throw BadRequest("a fault needs errcode, latency_ms, http_status or garbage");
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
                    [&state](Req req) { return add_app(state.wechat(), req); });
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
}

}  // namespace idp_sim
