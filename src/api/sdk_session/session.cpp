#include "api/sdk_session/session.hpp"

#include "api/sdk_endpoint.hpp"
#include "flows/session/session_refresh.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kSessionTokenHeader = "session-token";

// The header's value without surrounding blanks; "" when absent or blank.
std::string presented_token(const HttpRequest& http) {
  std::string_view v = http.headers.get(kSessionTokenHeader);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return std::string(v);
}

Task<Result<EndpointReply>> refresh_steps(const ApiServices& api, const SdkCall& call) {
  std::string token = presented_token(call.http);
  if (token.empty()) co_return ApiError{ErrorCode::kSessionTokenInvalid, {}};
  Result<RefreshedSession> r = co_await api.sessions.refresh(call.app(), std::move(token));
  if (!r) co_return r.error();
  JsonReply reply;
  reply.body["session_token"] = r.value().session_token;
  reply.body["expire"] = r.value().expire;
  reply.body["id_token"] = r.value().id_token;
  reply.user_id = r.value().user_id;
  co_return EndpointReply{std::move(reply)};
}

Task<Result<EndpointReply>> logout_steps(const ApiServices& api, const SdkCall& call) {
  std::string token = presented_token(call.http);
  if (token.empty()) co_return ApiError{ErrorCode::kSessionTokenInvalid, {}};
  co_await api.sessions.logout(call.app(), std::move(token));
  co_return EndpointReply{NoContent{}};
}

}  // namespace

Task<HttpResponse> handle_session_refresh(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"session_refresh", "", {}, /*json_body=*/false},
                          refresh_steps);
}

Task<HttpResponse> handle_logout(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"logout", "", {}, /*json_body=*/false},
                          logout_steps);
}

}  // namespace ciamd
