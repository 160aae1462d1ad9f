#include "idp/upstream_call.hpp"

namespace ciamd {

Task<Result<ClientResponse>> send_upstream(HttpClient& client, ClientRequest request,
                                           std::string_view endpoint) {
  try {
    co_return co_await client.send(std::move(request));
  } catch (const UpstreamError& e) {
    co_return ApiError{ErrorCode::kSystemBusy, std::string(endpoint) + " unreachable: " + e.what()};
  }
}

}  // namespace ciamd
