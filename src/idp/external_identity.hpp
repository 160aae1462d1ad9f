// idp/external_identity: what a provider proved about a person, in provider-neutral terms.
// Connectors produce it; flows decide what it means for our users.
#pragma once

#include <string>
#include <string_view>

namespace ciamd {

struct ExternalIdentity {
  std::string provider;         // "wechat", "weibo"
  std::string provider_app_id;  // the WeChat appid or Weibo app key the proof was made for
  std::string subject;          // openid or Weibo uid
  std::string unionid;          // WeChat Open Platform unionid; may be empty
  std::string display_name;     // nickname or screen name; may be empty
  std::string profile_json;     // the provider's profile as a JSON object ("{}" when unknown)
  // How the proof was obtained, for sessions and the audit trail: kLoginWechatMiniProgram for the
  // mini program; "" means the provider's own login.
  std::string login_method{};

  std::string_view login() const { return login_method.empty() ? provider : login_method; }
};

}  // namespace ciamd
