// Weibo's answers (idp/weibo_wire and the readers idp/weibo.cpp applies to them):
// parse_weibo_body under any status (an error_code object is an error answer whatever the status),
// weibo_error, and the members get_token_info and users/show are read for, which Weibo sends as
// numbers or as strings: appkey, uid, expire_in (or expires_in), idstr, id.
//
// The first input byte picks the HTTP status; the rest is the body.
#include <array>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "idp/provider_ids.hpp"
#include "idp/wechat_wire.hpp"
#include "idp/weibo_wire.hpp"
#include "net/client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ciamd;
  if (size == 0) return 0;
  static constexpr std::array<int, 8> kStatuses = {200, 200, 200, 200, 400, 403, 500, 502};
  ClientResponse response;
  response.status = kStatuses[data[0] % kStatuses.size()];
  response.headers.set("Content-Type", "application/json");
  response.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);

  Result<boost::json::object> parsed = parse_weibo_body(response, "oauth2/get_token_info");
  if (!parsed) return 0;
  const boost::json::object& body = parsed.value();
  (void)decimal_member(body, "appkey");
  if (const auto uid = decimal_member(body, "uid")) (void)provider_id_problem(kWeiboUid, *uid);
  (void)integer_member(body, "expire_in");
  (void)integer_member(body, "expires_in");
  (void)decimal_member(body, "idstr");
  (void)decimal_member(body, "id");
  (void)string_member(body, "screen_name");
  if (const auto code = integer_member(body, "error_code")) {
    (void)weibo_error("oauth2/get_token_info", *code, response.status);
  }
  return 0;
}
