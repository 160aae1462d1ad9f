#include "idp/upstream_call.hpp"

#include <array>
#include <chrono>
#include <utility>

#include "metrics/metrics.hpp"

namespace ciamd {
namespace {

// Records one call when the client carries a Metrics; the label values are the connector's
// constants, so the series lookup allocates nothing after the first call.
void record(HttpClient& client, std::string_view endpoint, UpstreamOutcome outcome,
            std::chrono::steady_clock::time_point start) {
  Metrics* metrics = client.metrics();
  if (metrics == nullptr) return;
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  // The label drops the leading '/', as the providers' documentation writes the paths.
  const std::string_view label = endpoint.starts_with('/') ? endpoint.substr(1) : endpoint;
  metrics->record_upstream(upstream_provider(endpoint), label, outcome, elapsed.count());
}

}  // namespace

std::string_view upstream_provider(std::string_view endpoint) {
  if (endpoint.starts_with('/')) endpoint.remove_prefix(1);
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kPrefixes{{
      {"sns/", "wechat"},
      {"wxa/", "wechat"},
      {"cgi-bin/", "wechat"},
      {"oauth2/", "weibo"},
      {"2/", "weibo"},
  }};
  for (const auto& [prefix, provider] : kPrefixes) {
    if (endpoint.starts_with(prefix)) return provider;
  }
  return "unknown";
}

Task<Result<ClientResponse>> send_upstream(HttpClient& client, ClientRequest request,
                                           std::string_view endpoint) {
  const auto start = std::chrono::steady_clock::now();
  try {
    ClientResponse response = co_await client.send(std::move(request));
    const bool ok = response.status >= 200 && response.status < 300;
    record(client, endpoint, ok ? UpstreamOutcome::kOk : UpstreamOutcome::kHttpError, start);
    co_return response;
  } catch (const UpstreamError& e) {
    const bool timeout = e.kind() == UpstreamError::Kind::kTimeout;
    record(client, endpoint, timeout ? UpstreamOutcome::kTimeout : UpstreamOutcome::kError, start);
    co_return ApiError{ErrorCode::kSystemBusy, std::string(endpoint) + " unreachable: " + e.what()};
  } catch (...) {
    // Not a transport failure (a malformed URL is a configuration bug); counted, then passed on.
    record(client, endpoint, UpstreamOutcome::kError, start);
    throw;
  }
}

}  // namespace ciamd
