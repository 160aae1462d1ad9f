// net/router: maps (method, path) to a coroutine handler. A path is exact, or a template whose
// `{name}` segments match any one non-empty segment ("/admin/v1/users/{id}"); exact paths win, then
// templates in registration order. Handlers read a template's values with path_segment().
//
//   Router r;
//   r.add("POST", "/api/v2/sdk/login/wechat", [&](const HttpRequest& req) -> Task<HttpResponse>
//   {...}); r.on_miss([](const HttpRequest& req, RouteMiss miss) { return HttpResponse::json(404,
//   ...); });
//
// The server keeps the request alive until the handler's task completes, so handlers may hold
// references into it across co_await.
//
// r.instrument(metrics, "public") counts and times every dispatched request in
// ciamd_http_requests_total and ciamd_http_request_duration_seconds (metrics/metrics.hpp). The
// route label is the registered path, or "unmatched" for a miss, so a client cannot create series.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

using Handler = std::function<Task<HttpResponse>(const HttpRequest&)>;

enum class RouteMiss { kUnknownPath, kWrongMethod };
using MissHandler = std::function<HttpResponse(const HttpRequest&, RouteMiss)>;

class Histogram;
class Metrics;

class Router {
 public:
  void add(std::string method, std::string path, Handler handler);
  void on_miss(MissHandler handler);
  // The registered (method, path) pairs, in registration order (templates as written).
  std::vector<std::pair<std::string, std::string>> routes() const;
  // The registered path (or template) `request` goes to; "" when none does.
  std::string route_of(const HttpRequest& request) const;

  // Records every later dispatch in `metrics` under listener=`listener`; routes added before or
  // after this call are both covered. `metrics` must outlive the router.
  void instrument(Metrics& metrics, std::string listener);

  Task<HttpResponse> dispatch(const HttpRequest& request) const;

 private:
  struct Route {
    Handler handler;
    Histogram* duration = nullptr;  // cached when instrumented: no series lookup per request
  };
  using ByMethod = std::unordered_map<std::string, Route>;
  // The handlers for `path` (exact first, then templates) and, when found, the registered path or
  // template they were added under (it outlives the router's use of it).
  const ByMethod* find(std::string_view path, std::string_view* route) const;
  void observe(std::string_view method, std::string_view route, Histogram* duration, int status,
               std::chrono::steady_clock::time_point start) const;

  std::unordered_map<std::string, ByMethod> by_path_;
  std::vector<std::pair<std::string, ByMethod>> templates_;
  std::vector<std::pair<std::string, std::string>> order_;
  MissHandler miss_;
  Metrics* metrics_ = nullptr;
  std::string listener_;
};

// Segment `index` (0-based, after the leading '/') of `path`: path_segment("/a/b/c", 2) is "c";
// "" when there is no such segment. Not percent-decoded.
std::string_view path_segment(std::string_view path, std::size_t index);

}  // namespace ciamd
