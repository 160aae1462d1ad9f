// The SDK endpoints' JSON bodies: parse_json_object (media type, syntax, one object, no key twice),
// then every field reader the endpoints apply to it: required_string, the phone or email target
// (read_target, which normalizes them), the channel a bind body names, the mini program code.
//
// The first input byte picks the Content-Type, so the media-type check is fuzzed too.
#include "api/json_body.hpp"

#include <array>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/sdk_login/miniprogram_code.hpp"
#include "api/sdk_verify/targets.hpp"
#include "core/error.hpp"
#include "net/http.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ciamd;
  if (size == 0) return 0;
  static constexpr std::array<std::string_view, 4> kTypes = {
      "application/json", "application/json; charset=utf-8", "APPLICATION/JSON;", "text/plain"};
  HttpRequest http;
  http.method = "POST";
  http.headers.set("Content-Type", std::string(kTypes[data[0] % kTypes.size()]));
  http.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);

  Result<boost::json::object> parsed = parse_json_object(http);
  if (!parsed) return 0;
  const boost::json::object& body = parsed.value();
  // The fields the SDK endpoints read with required_string.
  for (const std::string_view key :
       {"code", "uid", "access_token", "type", "verify_code", "mobile", "email"}) {
    (void)required_string(body, key, ErrorCode::kParamWrongType);
  }
  for (const Channel channel : {Channel::kSms, Channel::kEmail}) {
    (void)body_names_target(body, channel);
    (void)read_target(body, channel);
  }
  (void)read_target(body, channel_of_body(body));
  (void)read_miniprogram_code(body, {"wechat_code", "wchat_code"});
  (void)read_miniprogram_code(body, {"code"});
  return 0;
}
