// idp/provider_ids: the shape an identifier taken from a provider's answer must have before
// anything keys on it. An openid, unionid or uid becomes part of a primary key, a URL parameter of
// the next call and a field of log lines; an access token goes into the next call's URL and, for
// server tokens, into the database shared by the nodes. A value holding NUL, a newline or 60 KB is
// no identifier whatever the provider meant, and is refused where it arrives, as the provider
// failing (the connectors answer kSystemBusy), instead of surfacing later as a store failure.
//
//   if (auto bad = provider_id_problem(kWechatOpenid, openid)) {
//     return ApiError{ErrorCode::kSystemBusy, "jscode2session answered " + *bad};
//   }
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ciamd {

struct ProviderIdRule {
  enum class Charset {
    kWechatId,  // A-Z a-z 0-9 '_' '-': what openids and unionids are made of (28 chars today)
    kDecimal,   // 0-9 without a leading zero: a Weibo uid is an int64, so one value has one form
    kToken,     // printable ASCII without space (0x21-0x7e): opaque access tokens
  };
  std::string_view name;  // for the log: "openid"
  std::size_t max_length;
  Charset charset;
  bool secret = false;  // a credential: not even a prefix of it is logged
};

// Lengths leave room for growth (openids are 28 characters, Weibo uids at most 19 digits, WeChat
// access tokens about 90 to 160) yet keep a row, a URL and a log line small.
inline constexpr ProviderIdRule kWechatOpenid{"openid", 64, ProviderIdRule::Charset::kWechatId};
inline constexpr ProviderIdRule kWechatUnionid{"unionid", 64, ProviderIdRule::Charset::kWechatId};
inline constexpr ProviderIdRule kWeiboUid{"uid", 20, ProviderIdRule::Charset::kDecimal};
inline constexpr ProviderIdRule kAccessToken{"access_token", 512, ProviderIdRule::Charset::kToken,
                                             true};

// nullopt when `value` follows `rule`. Otherwise what is wrong, fit for a log line without
// echoing the value: "an unusable openid (60001 bytes, longer than 64; byte 0x0a at 5; starts
// \"oLINE\")". The quoted prefix holds at most 8 characters, all of the rule's charset; a secret
// rule's problem quotes none.
std::optional<std::string> provider_id_problem(const ProviderIdRule& rule, std::string_view value);

}  // namespace ciamd
