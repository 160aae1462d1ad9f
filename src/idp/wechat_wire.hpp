// idp/wechat_wire: reading WeChat's JSON answers. Shared by every WeChat connector.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "exec/task.hpp"
#include "net/client.hpp"

namespace ciamd {

// Sends `request` and reads the answer with parse_wechat_body. A transport failure is kSystemBusy
// "<endpoint> unreachable: <reason>" (the reason names the origin only, never the query).
Task<Result<boost::json::object>> call_wechat(HttpClient& client, ClientRequest request,
                                              std::string_view endpoint);

// A WeChat answer: the parsed body, or the error a flow should return.
// HTTP status other than 200, or a body that is not a JSON object, is an upstream fault.
Result<boost::json::object> parse_wechat_body(const ClientResponse& response,
                                              std::string_view endpoint);

// The body's errcode; 0 when absent (WeChat omits it on success).
std::int64_t wechat_errcode(const boost::json::object& body);

// A string member, or "" when absent or not a string.
std::string string_member(const boost::json::object& body, std::string_view key);

// "appid=...&secret=..." style query building with percent-encoding.
std::string query_param(std::string_view key, std::string_view value);

}  // namespace ciamd
