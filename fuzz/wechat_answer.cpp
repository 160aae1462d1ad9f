// WeChat's answers (idp/wechat_wire and the readers the WeChat connectors apply to them, see
// idp/wechat_open.cpp, idp/wechat_mini.cpp, idp/server_token.cpp): parse_wechat_body under any
// status, errcode, the string members every endpoint reads, the provider identifier checks on
// openid, unionid and access tokens, and the getuserphonenumber phone_info turned into E.164.
//
// The first input byte picks the HTTP status (mostly 200, so the body matters); the rest is the
// body, as it would arrive from sns/oauth2/access_token, sns/userinfo, sns/jscode2session,
// cgi-bin/stable_token or wxa/business/getuserphonenumber.
#include <array>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/phone.hpp"
#include "idp/provider_ids.hpp"
#include "idp/wechat_wire.hpp"
#include "net/client.hpp"

namespace {

using namespace ciamd;

// The countryCode of phone_info, which WeChat documents as a string and samples as a number.
std::string country_code_of(const boost::json::object& info) {
  const auto* cc = info.if_contains("countryCode");
  if (cc == nullptr) return {};
  if (cc->is_string()) return std::string(cc->as_string());
  if (cc->is_int64()) return std::to_string(cc->as_int64());
  if (cc->is_uint64()) return std::to_string(cc->as_uint64());
  return {};
}

void read_phone_info(const boost::json::object& body) {
  const auto* info_value = body.if_contains("phone_info");
  if (info_value == nullptr || !info_value->is_object()) return;
  const auto& info = info_value->as_object();
  if (const auto* mark = info.if_contains("watermark"); mark != nullptr && mark->is_object()) {
    (void)string_member(mark->as_object(), "appid");
  }
  const std::string country = country_code_of(info);
  const std::string pure = string_member(info, "purePhoneNumber");
  if (!country.empty() && !pure.empty()) (void)phone_from_parts(country, pure);
  (void)normalize_phone(string_member(info, "phoneNumber"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static constexpr std::array<int, 8> kStatuses = {200, 200, 200, 200, 200, 500, 404, 302};
  ClientResponse response;
  response.status = kStatuses[data[0] % kStatuses.size()];
  response.headers.set("Content-Type", "application/json");
  response.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);

  Result<boost::json::object> parsed = parse_wechat_body(response, "sns/oauth2/access_token");
  if (!parsed) return 0;
  const boost::json::object& body = parsed.value();
  (void)wechat_errcode(body);
  const std::string openid = string_member(body, "openid");
  const std::string unionid = string_member(body, "unionid");
  const std::string token = string_member(body, "access_token");
  (void)provider_id_problem(kWechatOpenid, openid);
  (void)provider_id_problem(kWechatUnionid, unionid);
  (void)provider_id_problem(kAccessToken, token);
  (void)string_member(body, "nickname");
  (void)query_param("access_token", token);
  read_phone_info(body);
  return 0;
}
