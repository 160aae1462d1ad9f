#include "api/routes.hpp"

#include "api/oauth2_keys/keys.hpp"
#include "api/render.hpp"
#include "api/request_screen.hpp"
#include "api/sdk_login/miniprogram_login.hpp"
#include "api/sdk_login/wechat_login.hpp"
#include "api/sdk_login/weibo_login.hpp"
#include "api/sdk_mfa/mfa.hpp"
#include "api/sdk_session/session.hpp"
#include "api/sdk_social/bind.hpp"
#include "api/sdk_social/wechat_mobile_bind.hpp"
#include "api/sdk_verify/code_send.hpp"

namespace ciamd {
namespace {

template <class Fn>
Handler bind(const ApiServices& api, Fn fn) {
  return [&api, fn](const HttpRequest& http) { return fn(api, http); };
}

ErrorCode limit_code(LimitError e) {
  switch (e) {
    case LimitError::kHeaderTooLarge:
      return ErrorCode::kHeaderTooLarge;
    case LimitError::kBodyTooLarge:
      return ErrorCode::kBodyTooLarge;
    case LimitError::kTimeout:
      return ErrorCode::kRequestTimeout;
    case LimitError::kMalformed:
      return ErrorCode::kMalformedRequest;
  }
  return ErrorCode::kMalformedRequest;
}

}  // namespace

Router build_sdk_router(const ApiServices& api) {
  Router r;
  r.add("POST", "/api/v2/sdk/login/wechat", bind(api, handle_wechat_login));
  r.add("POST", "/api/v2/sdk/login/wechat-miniprogram", bind(api, handle_miniprogram_login));
  r.add("POST", "/api/v2/sdk/login/wechat-mini-program-mobile",
        bind(api, handle_miniprogram_phone_login));
  r.add("POST", "/api/v2/sdk/login/weibo", bind(api, handle_weibo_login));
  r.add("POST", "/api/v2/sdk/sms/send", bind(api, handle_sms_send));
  r.add("POST", "/api/v2/sdk/email/send", bind(api, handle_email_send));
  r.add("POST", "/api/v2/sdk/social/bind", bind(api, handle_social_bind));
  r.add("POST", "/api/v2/sdk/social/register-bind", bind(api, handle_social_register_bind));
  r.add("POST", "/api/v2/sdk/social/wechat-mobile-bind", bind(api, handle_wechat_mobile_bind));
  r.add("POST", "/api/v2/sdk/social/wechat-mobile-register-bind",
        bind(api, handle_wechat_mobile_register_bind));
  r.add("GET", "/api/v2/sdk/mobile-by-token", bind(api, handle_mobile_by_token));
  r.add("POST", "/api/v2/sdk/mfa/sms", bind(api, handle_mfa_sms));
  r.add("POST", "/api/v2/sdk/mfa/email", bind(api, handle_mfa_email));
  r.add("POST", "/api/v2/sdk/sso/session-token/id-token", bind(api, handle_session_refresh));
  r.add("POST", "/api/v2/sdk/logout", bind(api, handle_logout));
  r.add("GET", std::string(kJwksPath), bind(api, handle_jwks));
  r.add("GET", "/.well-known/openid-configuration", bind(api, handle_openid_configuration));
  r.on_miss([](const HttpRequest& http, RouteMiss miss) {
    const ErrorCode code =
        miss == RouteMiss::kWrongMethod ? ErrorCode::kMethodNotAllowed : ErrorCode::kNotFound;
    return render_error(ApiError{code}, language_from_header(http.headers.get("X-L")),
                        http.request_id);
  });
  return r;
}

void install_error_renderers(ServerOptions& options) {
  options.render_limit_error = [](LimitError e, std::string_view x_l) {
    return render_error(ApiError{limit_code(e)}, language_from_header(x_l), "");
  };
  options.render_internal_error = [](std::string_view x_l) {
    return render_error(ApiError{ErrorCode::kSystemBusy}, language_from_header(x_l), "");
  };
  options.screen_request = screen_request;
}

}  // namespace ciamd
