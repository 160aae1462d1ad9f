// api/sdk_login/weibo_login: POST /api/v2/sdk/login/weibo {"access_token","uid"} (docs/api.md,
// that endpoint). The token is proven to be this application's and this uid's at Weibo
// (idp/weibo) before the identity follows SocialLogin. Checks after the common ones:
// access_token (PARAM.0026), uid (PARAM.0027; a JSON number is read as its digits), the
// application's Weibo app key (LOGIN.1003).
#pragma once

#include "api/services.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

Task<HttpResponse> handle_weibo_login(const ApiServices& api, const HttpRequest& http);

}  // namespace ciamd
