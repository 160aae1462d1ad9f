// api/sdk_login/miniprogram_login: the WeChat mini program logins.
//   POST /api/v2/sdk/login/wechat-miniprogram {"code"}: the wx.login code, exchanged server-side
//        (sns/jscode2session); the identity then follows SocialLogin like the app login.
//   POST /api/v2/sdk/login/wechat-mini-program-mobile {"code"} (docs/api.md,
//        that endpoint): the phone-number authorization code, turned into the number by WeChat
//        (wxa/business/getuserphonenumber); the number then follows PhoneLogin.
// Checks after the common ones: code present (PARAM.0011), the application has mini program
// credentials (LOGIN.1003). WeChat refusing the code is LOGIN.1001; WeChat failing is COM.0002.
#pragma once

#include "api/services.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

Task<HttpResponse> handle_miniprogram_login(const ApiServices& api, const HttpRequest& http);
Task<HttpResponse> handle_miniprogram_phone_login(const ApiServices& api, const HttpRequest& http);

}  // namespace ciamd
