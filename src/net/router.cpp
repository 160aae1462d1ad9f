#include "net/router.hpp"

#include <array>
#include <string_view>
#include <utility>

#include "metrics/metrics.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kUnmatched = "unmatched";

bool is_template(std::string_view path) {
  return path.find('{') != std::string_view::npos;
}

bool is_variable(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Cuts the next segment off `rest` (which starts after a '/'); false when none is left.
bool next_segment(std::string_view& rest, std::string_view& segment, bool& more) {
  if (!more) return false;
  const auto slash = rest.find('/');
  segment = rest.substr(0, slash);
  more = slash != std::string_view::npos;
  rest = more ? rest.substr(slash + 1) : std::string_view();
  return true;
}

// Whether `path` has the template's segments, each `{name}` standing for one non-empty segment.
bool matches(std::string_view pattern, std::string_view path) {
  if (!pattern.starts_with('/') || !path.starts_with('/')) return false;
  pattern.remove_prefix(1);
  path.remove_prefix(1);
  bool pattern_more = true;
  bool path_more = true;
  std::string_view want;
  std::string_view got;
  for (;;) {
    const bool has_want = next_segment(pattern, want, pattern_more);
    const bool has_got = next_segment(path, got, path_more);
    if (has_want != has_got) return false;
    if (!has_want) return true;
    if (is_variable(want) ? got.empty() : want != got) return false;
  }
}

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

// The server fills `path`; requests built by hand (tests, internal callers) may only carry the
// target, so fall back to cutting it at '?'.
std::string_view path_of(const HttpRequest& request) {
  return request.path.empty() ? std::string_view(request.target).substr(0, request.target.find('?'))
                              : std::string_view(request.path);
}

}  // namespace

std::string_view path_segment(std::string_view path, std::size_t index) {
  if (path.starts_with('/')) path.remove_prefix(1);
  bool more = true;
  std::string_view segment;
  for (std::size_t i = 0; next_segment(path, segment, more); ++i) {
    if (i == index) return segment;
  }
  return {};
}

void Router::add(std::string method, std::string path, Handler handler) {
  order_.emplace_back(method, path);
  Histogram* duration =
      metrics_ != nullptr ? &metrics_->http_duration(listener_, method, path) : nullptr;
  Route route{std::move(handler), duration};
  if (!is_template(path)) {
    by_path_[std::move(path)][std::move(method)] = std::move(route);
    return;
  }
  for (auto& [pattern, by_method] : templates_) {
    if (pattern == path) {
      by_method[std::move(method)] = std::move(route);
      return;
    }
  }
  ByMethod by_method;
  by_method.emplace(std::move(method), std::move(route));
  templates_.emplace_back(std::move(path), std::move(by_method));
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
  for (auto& [pattern, by_method] : templates_) {
    for (auto& [method, route] : by_method) {
      route.duration = &metrics.http_duration(listener_, method, pattern);
    }
  }
}

const Router::ByMethod* Router::find(std::string_view path, std::string_view* route) const {
  if (const auto exact = by_path_.find(std::string(path)); exact != by_path_.end()) {
    *route = exact->first;
    return &exact->second;
  }
  for (const auto& [pattern, by_method] : templates_) {
    if (matches(pattern, path)) {
      *route = pattern;
      return &by_method;
    }
  }
  return nullptr;
}

std::string Router::route_of(const HttpRequest& request) const {
  std::string_view route;
  const ByMethod* by_method = find(path_of(request), &route);
  if (by_method == nullptr || !by_method->contains(request.method)) return "";
  return std::string(route);
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
  std::string_view registered;
  const ByMethod* by_method = find(path_of(request), &registered);
  RouteMiss miss = RouteMiss::kUnknownPath;
  if (by_method != nullptr) {
    const auto found = by_method->find(request.method);
    if (found != by_method->end()) {
      const Route& route = found->second;
      if (metrics_ == nullptr) co_return co_await route.handler(request);
      // The labels come from the route table, never from the request: the router is not changed
      // while it serves, so both views stay valid across the co_await.
      const std::string_view method = found->first;
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
