// Env's requests to the WeChat mini program endpoints. Kept apart from env.cpp, which holds the
// processes and the audit bookkeeping these go through (post_sdk).
#include <boost/json/serialize.hpp>

#include "integration/support/env.hpp"

namespace it {
namespace {

Headers merged(Headers h, const Headers& extra) {
  for (const auto& [k, v] : extra) h = with(std::move(h), k, v);
  return h;
}

}  // namespace

HttpResult Env::login_miniprogram(const std::string& client_id, const std::string& code,
                                  const Headers& extra) {
  return post_sdk(kMiniLoginPath, merged(login_headers(client_id), extra),
                  boost::json::serialize(boost::json::object{{"code", code}}));
}

HttpResult Env::login_phone(const std::string& client_id, const std::string& code,
                            const Headers& extra) {
  return post_sdk(kPhoneLoginPath, merged(login_headers(client_id), extra),
                  boost::json::serialize(boost::json::object{{"code", code}}));
}

HttpResult Env::wechat_mobile_bind(const std::string& client_id, const std::string& state_token,
                                   const boost::json::object& body, bool register_bind,
                                   const Headers& extra) {
  Headers h = login_headers(client_id);
  h.emplace_back("X-state-token", state_token);
  return post_sdk(register_bind ? kWechatMobileRegisterBindPath : kWechatMobileBindPath,
                  merged(std::move(h), extra), boost::json::serialize(body));
}

}  // namespace it
