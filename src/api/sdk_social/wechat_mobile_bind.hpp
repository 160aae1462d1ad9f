// api/sdk_social/wechat_mobile_bind: finishing a flow with the phone number WeChat vouches for
// (docs/api.md "Finishing a flow with WeChat's phone number").
//   POST /api/v2/sdk/social/wechat-mobile-bind           (SOCIAL_BIND state token)
//   POST /api/v2/sdk/social/wechat-mobile-register-bind  (USER_REGISTER state token)
// Body {"wechat_code"} (the customer's document spells it "wchat_code" in one place: both are
// read). Checks: common, state token (COMMON.1007), the code (PARAM.0011), mini program
// credentials (LOGIN.1003); then wxa/business/getuserphonenumber gives the number and
// flows/social/social_bind decides as for a verified SMS code. A WeChat failure leaves the flow
// usable.
#pragma once

#include "api/services.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

Task<HttpResponse> handle_wechat_mobile_bind(const ApiServices& api, const HttpRequest& http);
Task<HttpResponse> handle_wechat_mobile_register_bind(const ApiServices& api,
                                                      const HttpRequest& http);

}  // namespace ciamd
