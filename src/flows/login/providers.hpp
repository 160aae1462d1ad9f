// flows/login/providers: the provider connectors the login and bind flows call, and the checks
// every flow makes before it spends a provider's single-use code: the application has that
// provider's credentials (else LOGIN.1003), and the code is no longer than any the provider issues
// (else the provider's "invalid code" error, without calling it).
//
//   const Providers providers{wechat, wechat_mini, weibo};  // built once by app/
//   if (Status ok = check_miniprogram_code(app, code); !ok) co_return ok.error();
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/model.hpp"
#include "core/result.hpp"

namespace ciamd {

class WechatOpenConnector;
class WechatMiniConnector;
class WeiboConnector;

struct Providers {
  WechatOpenConnector& wechat;
  WechatMiniConnector& wechat_mini;
  WeiboConnector& weibo;
};

// WeChat's codes are 32 (app login, wx.login) or 64 (phone) characters; Weibo's tokens about 32
// and its uids at most 20 digits. Anything far longer cannot be one and is not sent upstream.
inline constexpr std::size_t kMaxWechatCodeLength = 512;
inline constexpr std::size_t kMaxWeiboTokenLength = 512;
inline constexpr std::size_t kMaxWeiboUidLength = 64;

// A mini program code (login or phone) this application may spend: LOGIN.1003 without mini
// program credentials; LOGIN.1001 when longer than any WeChat code.
Status check_miniprogram_code(const Application& app, std::string_view code);

}  // namespace ciamd
