// idp/upstream_call: one request to a provider, with a transport failure (DNS, connect, TLS,
// timeout, malformed response) turned into the error every connector answers for it:
// kSystemBusy "<endpoint> unreachable: <reason>". The reason names the origin only, never the
// path or query, so no token or secret reaches a log. The provider wire helpers (wechat_wire,
// weibo_wire) read the answer.
//
//   Result<ClientResponse> r = co_await send_upstream(client, std::move(request), "sns/userinfo");
//
// When the client carries a Metrics (ClientOptions::metrics), every call is counted and timed in
// ciamd_upstream_requests_total{provider,endpoint,outcome} and
// ciamd_upstream_request_duration_seconds{provider,endpoint}. `endpoint` must be one of the
// connectors' constant paths (it is a label value); the provider is told from its first segment
// (upstream_provider below), so a new endpoint under a new prefix needs a line there.
#pragma once

#include <string_view>

#include "core/result.hpp"
#include "exec/task.hpp"
#include "net/client.hpp"

namespace ciamd {

Task<Result<ClientResponse>> send_upstream(HttpClient& client, ClientRequest request,
                                           std::string_view endpoint);

// "wechat" for /sns/, /wxa/ and /cgi-bin/ paths, "weibo" for /oauth2/ and /2/, else "unknown".
std::string_view upstream_provider(std::string_view endpoint);

}  // namespace ciamd
