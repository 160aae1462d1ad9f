#include "idp/weibo_wire.hpp"

#include <boost/json/parse.hpp>
#include <charconv>
#include <limits>

#include "idp/upstream_call.hpp"

namespace ciamd {
namespace {

std::optional<std::int64_t> parse_integer(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t out = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, out);
  if (ec != std::errc() || stop != end) return std::nullopt;
  return out;
}

std::optional<std::int64_t> integer_of(const boost::json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) {
    if (v.as_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<std::int64_t>(v.as_uint64());
  }
  if (v.is_string()) return parse_integer(v.as_string());
  return std::nullopt;
}

std::string where(std::string_view endpoint, int http_status) {
  return std::string(endpoint) + " (HTTP " + std::to_string(http_status) + ")";
}

}  // namespace

Task<Result<boost::json::object>> call_weibo(HttpClient& client, ClientRequest request,
                                             std::string_view endpoint) {
  Result<ClientResponse> response = co_await send_upstream(client, std::move(request), endpoint);
  if (!response) co_return response.error();
  co_return parse_weibo_body(response.value(), endpoint);
}

Result<boost::json::object> parse_weibo_body(const ClientResponse& response,
                                             std::string_view endpoint) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(response.body, ec);
  const bool is_object = !ec && parsed.is_object();
  if (is_object) {
    if (const auto* code = parsed.as_object().if_contains("error_code"); code != nullptr) {
      if (const auto number = integer_of(*code)) {
        return weibo_error(endpoint, *number, response.status);
      }
      return ApiError{ErrorCode::kSystemBusy,
                      where(endpoint, response.status) + " answered an unreadable error_code"};
    }
  }
  if (response.status != 200) {
    return ApiError{ErrorCode::kSystemBusy, where(endpoint, response.status) + " without an error"};
  }
  if (!is_object) {
    return ApiError{ErrorCode::kSystemBusy, std::string(endpoint) + " answered a non-JSON body"};
  }
  return std::move(parsed.as_object());
}

ApiError weibo_error(std::string_view endpoint, std::int64_t error_code, int http_status) {
  const bool token_refused = error_code == 21327 || error_code == 21332 || error_code == 21301 ||
                             (error_code >= 21314 && error_code <= 21319);
  return ApiError{token_refused ? ErrorCode::kWeiboTokenInvalid : ErrorCode::kSystemBusy,
                  where(endpoint, http_status) + " error_code " + std::to_string(error_code)};
}

std::optional<std::string> decimal_member(const boost::json::object& body, std::string_view key) {
  const auto* v = body.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) {
    if (v->as_int64() < 0) return std::nullopt;
    return std::to_string(v->as_int64());
  }
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  if (!v->is_string()) return std::nullopt;
  const std::string_view text = v->as_string();
  if (text.empty()) return std::nullopt;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::int64_t> integer_member(const boost::json::object& body, std::string_view key) {
  const auto* v = body.if_contains(key);
  if (v == nullptr) return std::nullopt;
  return integer_of(*v);
}

}  // namespace ciamd
