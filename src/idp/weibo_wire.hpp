// idp/weibo_wire: reading Weibo's JSON answers (docs/providers.md#weibo-errors). Unlike WeChat,
// Weibo reports errors with HTTP error statuses too, so the body's shape decides, not the status:
//   - a JSON object with `error_code` (number or decimal string) is an error answer, mapped by
//     weibo_error whatever the status;
//   - otherwise a status other than 200, or a body that is not a JSON object, is kSystemBusy.
// Error details carry the endpoint, the code and the status only: Weibo's free text (`error`,
// `error_description`) can echo what was sent, and what was sent includes the access token.
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

// Sends `request` and reads the answer with parse_weibo_body. A transport failure is kSystemBusy
// "<endpoint> unreachable: <reason>" (the reason names the origin only, never the query).
Task<Result<boost::json::object>> call_weibo(HttpClient& client, ClientRequest request,
                                             std::string_view endpoint);

Result<boost::json::object> parse_weibo_body(const ClientResponse& response,
                                             std::string_view endpoint);

// 21327 expired, 21332 invalid, 21301 auth failed, 21314-21319 rejected or revoked: the token is
// the problem (kWeiboTokenInvalid). Every other code is ours or Weibo's trouble (kSystemBusy).
ApiError weibo_error(std::string_view endpoint, std::int64_t error_code, int http_status);

// A member that Weibo sends as a number or as a string, as a decimal string of digits only;
// nullopt when absent, negative, fractional or not digits.
std::optional<std::string> decimal_member(const boost::json::object& body, std::string_view key);

// A member sent as a number or a decimal string (optionally negative), as an integer; nullopt when
// absent or not an integer.
std::optional<std::int64_t> integer_member(const boost::json::object& body, std::string_view key);

}  // namespace ciamd
