#include "api/sdk_login/login_endpoint.hpp"

#include "api/sdk_endpoint.hpp"

namespace ciamd {
namespace {

Task<Result<EndpointReply>> as_reply(Task<Result<LoginOutcome>> outcome) {
  Result<LoginOutcome> r = co_await std::move(outcome);
  if (!r) co_return r.error();
  co_return EndpointReply{std::move(r.value())};
}

}  // namespace

Task<HttpResponse> run_login_endpoint(const ApiServices& api, const HttpRequest& http,
                                      std::string_view provider, LoginSteps steps) {
  return run_sdk_endpoint(api, http, EndpointSpec{"login", provider, {}},
                          [steps = std::move(steps)](const SdkCall& call) {
                            return as_reply(steps(call.sdk, call.body));
                          });
}

}  // namespace ciamd
