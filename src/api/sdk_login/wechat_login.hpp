// api/sdk_login/wechat_login: POST /api/v2/sdk/login/wechat {"code"} (docs/api.md).
// The code from the WeChat SDK is exchanged server-side; the identity then follows SocialLogin.
#pragma once

#include "api/services.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

Task<HttpResponse> handle_wechat_login(const ApiServices& api, const HttpRequest& http);

}  // namespace ciamd
