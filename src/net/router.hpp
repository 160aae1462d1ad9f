// net/router: maps (method, exact path) to a coroutine handler.
//
//   Router r;
//   r.add("POST", "/api/v2/sdk/login/wechat", [&](const HttpRequest& req) -> Task<HttpResponse>
//   {...}); r.on_miss([](const HttpRequest& req, RouteMiss miss) { return HttpResponse::json(404,
//   ...); });
//
// The server keeps the request alive until the handler's task completes, so handlers may hold
// references into it across co_await.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/http.hpp"
#include "net/task.hpp"

namespace ciamd {

using Handler = std::function<Task<HttpResponse>(const HttpRequest&)>;

enum class RouteMiss { kUnknownPath, kWrongMethod };
using MissHandler = std::function<HttpResponse(const HttpRequest&, RouteMiss)>;

class Router {
 public:
  void add(std::string method, std::string path, Handler handler);
  void on_miss(MissHandler handler);
  // The registered (method, path) pairs, in registration order.
  std::vector<std::pair<std::string, std::string>> routes() const;

  Task<HttpResponse> dispatch(const HttpRequest& request) const;

 private:
  std::unordered_map<std::string, std::unordered_map<std::string, Handler>> by_path_;
  std::vector<std::pair<std::string, std::string>> order_;
  MissHandler miss_;
};

}  // namespace ciamd
