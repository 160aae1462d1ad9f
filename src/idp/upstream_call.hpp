// idp/upstream_call: one request to a provider, with a transport failure (DNS, connect, TLS,
// timeout, malformed response) turned into the error every connector answers for it:
// kSystemBusy "<endpoint> unreachable: <reason>". The reason names the origin only, never the
// path or query, so no token or secret reaches a log. The provider wire helpers (wechat_wire,
// weibo_wire) read the answer.
//
//   Result<ClientResponse> r = co_await send_upstream(client, std::move(request), "sns/userinfo");
#pragma once

#include <string_view>

#include "core/result.hpp"
#include "net/client.hpp"
#include "net/task.hpp"

namespace ciamd {

Task<Result<ClientResponse>> send_upstream(HttpClient& client, ClientRequest request,
                                           std::string_view endpoint);

}  // namespace ciamd
