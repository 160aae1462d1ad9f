#include "idp/wechat_wire.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "idp/upstream_call.hpp"

namespace ciamd {

Task<Result<boost::json::object>> call_wechat(HttpClient& client, ClientRequest request,
                                              std::string_view endpoint) {
  Result<ClientResponse> response = co_await send_upstream(client, std::move(request), endpoint);
  if (!response) co_return response.error();
  co_return parse_wechat_body(response.value(), endpoint);
}

Result<boost::json::object> parse_wechat_body(const ClientResponse& response,
                                              std::string_view endpoint) {
  if (response.status != 200) {
    return ApiError{ErrorCode::kSystemBusy,
                    std::string(endpoint) + " answered HTTP " + std::to_string(response.status)};
  }
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(response.body, ec);
  if (ec || !parsed.is_object()) {
    return ApiError{ErrorCode::kSystemBusy, std::string(endpoint) + " answered a non-JSON body"};
  }
  return std::move(parsed.as_object());
}

std::int64_t wechat_errcode(const boost::json::object& body) {
  const auto* code = body.if_contains("errcode");
  if (code == nullptr) return 0;
  if (code->is_int64()) return code->as_int64();
  if (code->is_uint64()) return static_cast<std::int64_t>(code->as_uint64());
  // A non-numeric errcode is not something WeChat sends; treat it as a fault, not a success.
  return -1;
}

std::string string_member(const boost::json::object& body, std::string_view key) {
  const auto* v = body.if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return std::string(v->as_string());
}

std::string query_param(std::string_view key, std::string_view value) {
  std::string out(key);
  out.push_back('=');
  out += boost::urls::encode(value, boost::urls::unreserved_chars);
  return out;
}

}  // namespace ciamd
