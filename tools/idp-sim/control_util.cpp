#include "idp-sim/control_util.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <limits>
#include <utility>

#include "idp-sim/wire.hpp"

namespace idp_sim::control_api {

namespace json = boost::json;

json::object parse_object(const std::string& body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) throw BadRequest("body is not valid JSON: " + ec.message());
  if (!value.is_object()) throw BadRequest("body must be a JSON object");
  return std::move(value.as_object());
}

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

std::optional<std::int64_t> opt_count(const json::object& obj) {
  return opt_int(obj, "count", 1, kMaxBatch);
}

json::value nullable(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

ciamd::HttpResponse ok_json(const json::value& body) {
  return control_json(200, body);
}

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

}  // namespace idp_sim::control_api
