// idp-sim/wechat_mini_state: the WeChat Mini Program login and phone-number rules
// (docs/providers.md#wechat-mini-program) without HTTP: wx.login codes and their jscode2session
// exchange, phone-number codes and their getuserphonenumber exchange. Thread-safe; wechat_mini.cpp
// puts them on the wire.
//
// Mini program appids and users are the Open Platform ones, read from WechatState: the same user
// has the same unionid (or none) and the per-appid openid of derive_openid(). Both kinds of code
// are single-use and live 5 minutes unless told otherwise.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "idp-sim/clock.hpp"
#include "idp-sim/outcome.hpp"
#include "idp-sim/wechat_server_tokens.hpp"
#include "idp-sim/wechat_state.hpp"

namespace idp_sim {

inline constexpr std::int64_t kMiniCodeTtl = 300;  // "有效期五分钟" for both kinds of code

// The query of GET /sns/jscode2session; "" means absent.
struct JsCodeExchange {
  std::string appid, secret, js_code, grant_type;
};

struct MiniSession {
  std::string openid;
  std::string session_key;
  std::optional<std::string> unionid;  // absent for a user without one
};

// phone_info of a getuserphonenumber answer.
struct PhoneInfo {
  std::string phone_number;       // pure for +86, "+<cc> <pure>" otherwise
  std::string pure_phone_number;  // digits only
  std::string country_code;       // digits; a JSON number on the wire unless as_string
  bool country_code_as_string = false;
  std::int64_t timestamp = 0;  // watermark: when the user granted the number (the mint time)
  std::string appid;           // watermark: the mini program the code was minted for
};

struct MintedPhoneCode {
  std::string code;
  PhoneInfo info;  // what the exchange will answer
};

// The "code" of a getuserphonenumber body; "" when the body is not a JSON object or has no
// non-empty string "code" (all of which WeChat answers with 47001).
std::string phone_code_from_body(std::string_view body);

// "+<cc> <pure>", or the pure number for China: WeChat's phoneNumber "includes the area code for
// non-China numbers".
std::string wire_phone_number(const WechatPhone& phone);

class WechatMiniState {
 public:
  // `default_code_ttl`: seconds, for codes minted without an explicit ttl (--mini-code-ttl).
  WechatMiniState(const SimClock& clock, const WechatState& wechat,
                  const WechatServerTokens& tokens, std::int64_t default_code_ttl);

  // Control side. 404 for an unknown appid or user_key; 400 for a user without a phone.
  ControlResult<MintedCode> mint_login_code(const std::string& appid, const std::string& user_key,
                                            std::optional<std::int64_t> ttl);
  ControlResult<MintedPhoneCode> mint_phone_code(const std::string& appid,
                                                 const std::string& user_key,
                                                 std::optional<std::int64_t> ttl,
                                                 bool country_code_as_string);
  // Forgets both kinds of code.
  void reset();

  // GET /sns/jscode2session, in the order documented in docs/idp-sim.md.
  WxResult<MiniSession> jscode2session(const JsCodeExchange& req);
  // POST /wxa/business/getuserphonenumber; `code` as phone_code_from_body returns it.
  WxResult<PhoneInfo> phone_number(const std::string& access_token, const std::string& code);

 private:
  struct LoginCode {
    std::string appid, user_key;
    std::int64_t expires_at = 0;
    bool used = false;
  };
  struct PhoneCode {
    PhoneInfo info;  // captured at mint time, as the grant the user gave
    std::int64_t expires_at = 0;
    bool used = false;
  };

  ControlResult<WechatUser> known_user(const std::string& appid, const std::string& user_key) const;
  ControlResult<std::int64_t> expiry(std::optional<std::int64_t> ttl) const;

  const SimClock& clock_;
  const WechatState& wechat_;
  const WechatServerTokens& tokens_;
  const std::int64_t default_code_ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, LoginCode> login_codes_;
  std::unordered_map<std::string, PhoneCode> phone_codes_;
};

}  // namespace idp_sim
