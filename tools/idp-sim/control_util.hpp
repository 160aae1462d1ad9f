// idp-sim/control_util: the pieces every /_sim/ control route shares: reading a JSON request body
// field by field, and registering a route that turns a bad request into 400 {"error": ...} and
// logs one line (without the body, which carries secrets and codes).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "net/http.hpp"
#include "net/router.hpp"

namespace idp_sim::control_api {

// Thrown by the readers below and turned into a 400 answer by add_control_route; it keeps the
// field-by-field validation readable without threading a result through every line.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

boost::json::object parse_object(const std::string& body);

// Absent and null both read as "not given".
const boost::json::value* field(const boost::json::object& obj, std::string_view key);
std::optional<std::string> opt_string(const boost::json::object& obj, std::string_view key);
// A non-empty string.
std::string req_string(const boost::json::object& obj, std::string_view key);
std::optional<std::int64_t> opt_int(const boost::json::object& obj, std::string_view key,
                                    std::int64_t min, std::int64_t max);
std::optional<bool> opt_bool(const boost::json::object& obj, std::string_view key);

// A string, or JSON null.
boost::json::value nullable(const std::optional<std::string>& s);

ciamd::HttpResponse ok_json(const boost::json::value& body);

using ControlHandler = std::function<ciamd::HttpResponse(const ciamd::HttpRequest&)>;
void add_control_route(ciamd::Router& router, std::string method, std::string path,
                       ControlHandler handler);

}  // namespace idp_sim::control_api
