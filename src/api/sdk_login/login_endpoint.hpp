// api/sdk_login/login_endpoint: the shape every login-type endpoint shares, written once:
//   common checks -> JSON body -> the endpoint's own steps -> render -> one audit event.
// Anything thrown becomes COM.0002 (500), logged with the request id.
//
//   co_return co_await run_login_endpoint(api, http, "wechat",
//       [&api](const SdkRequest& sdk, const boost::json::object& body) { return ...; });
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <string_view>

#include "api/sdk_request.hpp"
#include "api/services.hpp"
#include "flows/outcome.hpp"
#include "net/http.hpp"

namespace ciamd {

using LoginSteps =
    std::function<Task<Result<LoginOutcome>>(const SdkRequest&, const boost::json::object&)>;

// `steps` is taken by value: it must live as long as the coroutine, not the caller's expression.
Task<HttpResponse> run_login_endpoint(const ApiServices& api, const HttpRequest& http,
                                      std::string_view provider, LoginSteps steps);

}  // namespace ciamd
