#include "api/sdk_login/weibo_login.hpp"

#include "api/json_body.hpp"
#include "api/sdk_endpoint.hpp"
#include "flows/login/social_login.hpp"

namespace ciamd {
namespace {

// The uid as a string: clients send it as a JSON string (the API contract) or, carelessly, a
// number.
Result<std::string> read_uid(const boost::json::object& body) {
  if (const auto* v = body.if_contains("uid"); v != nullptr) {
    if (v->is_int64() && v->as_int64() > 0) return std::to_string(v->as_int64());
    if (v->is_uint64()) return std::to_string(v->as_uint64());
  }
  return required_string(body, "uid", ErrorCode::kWeiboUidEmpty);
}

Task<Result<EndpointReply>> weibo_steps(const ApiServices& api, const SdkCall& call) {
  Result<std::string> token =
      required_string(call.body, "access_token", ErrorCode::kWeiboTokenEmpty);
  if (!token) co_return token.error();
  Result<std::string> uid = read_uid(call.body);
  if (!uid) co_return uid.error();
  co_return as_reply(co_await api.social_login.with_weibo_token(
      call.app(), std::move(token.value()), std::move(uid.value()), call.sdk.device));
}

}  // namespace

Task<HttpResponse> handle_weibo_login(const ApiServices& api, const HttpRequest& http) {
  return run_sdk_endpoint(api, http, EndpointSpec{"login", kProviderWeibo, {}}, weibo_steps);
}

}  // namespace ciamd
