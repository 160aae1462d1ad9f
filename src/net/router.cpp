#include "net/router.hpp"

#include <array>
#include <string_view>
#include <utility>

#include "net/metrics.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kUnmatched = "unmatched";

// The method label of a miss: the method is whatever the client sent, so anything outside the
// standard set is folded into "other" to keep the series count bounded.
std::string_view miss_method(std::string_view method) {
  static constexpr std::array<std::string_view, 9> kKnown{
      "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  for (const std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

}  // namespace

void Router::add(std::string method, std::string path, Handler handler) {
  order_.emplace_back(method, path);
  Histogram* duration = metrics_ != nullptr ? &metrics_->http_duration(listener_, method, path)
                                            : nullptr;
  by_path_[std::move(path)][std::move(method)] = Route{std::move(handler), duration};
}

void Router::on_miss(MissHandler handler) {
  miss_ = std::move(handler);
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  return order_;
}

void Router::instrument(Metrics& metrics, std::string listener) {
  metrics_ = &metrics;
  listener_ = std::move(listener);
  for (auto& [path, by_method] : by_path_) {
    for (auto& [method, route] : by_method) {
      route.duration = &metrics.http_duration(listener_, method, path);
    }
  }
}

void Router::observe(std::string_view method, std::string_view route, Histogram* duration,
                     int status, std::chrono::steady_clock::time_point start) const {
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  if (duration == nullptr) duration = &metrics_->http_duration(listener_, method, route);
  duration->observe(elapsed.count());
  metrics_->count_http(listener_, method, route, status);
}

Task<HttpResponse> Router::dispatch(const HttpRequest& request) const {
  const auto start = std::chrono::steady_clock::now();
  // The server fills `path`; requests built by hand (tests, internal callers) may only carry the
  // target, so fall back to cutting it at '?'.
  const std::string_view path =
      request.path.empty() ? std::string_view(request.target).substr(0, request.target.find('?'))
                           : std::string_view(request.path);

  const auto by_method = by_path_.find(std::string(path));
  RouteMiss miss = RouteMiss::kUnknownPath;
  if (by_method != by_path_.end()) {
    const auto found = by_method->second.find(request.method);
    if (found != by_method->second.end()) {
      const Route& route = found->second;
      if (metrics_ == nullptr) co_return co_await route.handler(request);
      // The labels come from the route table, never from the request.
      const std::string_view method = found->first;
      const std::string_view registered = by_method->first;
      HttpResponse response;
      try {
        response = co_await route.handler(request);
      } catch (...) {
        // The server answers a throwing handler with its internal-error response (500).
        observe(method, registered, route.duration, 500, start);
        throw;
      }
      observe(method, registered, route.duration, response.status, start);
      co_return response;
    }
    miss = RouteMiss::kWrongMethod;
  }
  HttpResponse response = miss_ ? miss_(request, miss)
                                : HttpResponse::empty(miss == RouteMiss::kWrongMethod ? 405 : 404);
  if (metrics_ != nullptr) {
    observe(miss_method(request.method), kUnmatched, nullptr, response.status, start);
  }
  co_return response;
}

}  // namespace ciamd
