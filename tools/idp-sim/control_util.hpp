// idp-sim/control_util: the pieces every /_sim/ control route shares: reading a JSON request body
// field by field, and registering a route that turns a bad request into 400 {"error": ...} and
// logs one line (without the body, which carries secrets and codes).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "idp-sim/wire.hpp"
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

// The most codes one minting call may ask for with "count": bounds the answer (about 3.5 MB of
// Open Platform codes) and the time the call holds the state's lock.
inline constexpr std::int64_t kMaxBatch = 100'000;
// The batch size of a minting call: absent means a single code (the answer without "codes");
// otherwise 1 to kMaxBatch.
std::optional<std::int64_t> opt_count(const boost::json::object& obj);

// A string, or JSON null.
boost::json::value nullable(const std::optional<std::string>& s);

ciamd::HttpResponse ok_json(const boost::json::value& body);

using ControlHandler = std::function<ciamd::HttpResponse(const ciamd::HttpRequest&)>;
void add_control_route(ciamd::Router& router, std::string method, std::string path,
                       ControlHandler handler);

// The answer of a minting route: `mint()` once, or `count` times in one call (a load test needs
// tens of thousands of single-use codes; one HTTP call each would take minutes). Answers
// {"code": …} or {"codes": [...]}, plus the fields `describe(answer, last minted)` adds; the first
// failed mint answers its control error.
template <class Mint, class Describe>
ciamd::HttpResponse mint_answer(std::optional<std::int64_t> count, Mint mint, Describe describe) {
  using Minted = std::decay_t<decltype(mint().value())>;
  boost::json::array codes;
  std::optional<Minted> last;
  for (std::int64_t i = 0; i < count.value_or(1); ++i) {
    auto minted = mint();
    if (!minted) return control_error(minted.error());
    codes.emplace_back(minted->code);
    last.emplace(std::move(minted.value()));
  }
  boost::json::object answer;
  if (count) {
    answer["codes"] = std::move(codes);
  } else {
    answer["code"] = last->code;
  }
  describe(answer, *last);
  return ok_json(answer);
}

}  // namespace idp_sim::control_api
