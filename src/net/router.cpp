#include "net/router.hpp"

#include <string_view>
#include <utility>

namespace ciamd {

void Router::add(std::string method, std::string path, Handler handler) {
  order_.emplace_back(method, path);
  by_path_[std::move(path)][std::move(method)] = std::move(handler);
}

void Router::on_miss(MissHandler handler) {
  miss_ = std::move(handler);
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  return order_;
}

Task<HttpResponse> Router::dispatch(const HttpRequest& request) const {
  // The server fills `path`; requests built by hand (tests, internal callers) may only carry the
  // target, so fall back to cutting it at '?'.
  const std::string_view path =
      request.path.empty() ? std::string_view(request.target).substr(0, request.target.find('?'))
                           : std::string_view(request.path);

  const auto by_method = by_path_.find(std::string(path));
  RouteMiss miss = RouteMiss::kUnknownPath;
  if (by_method != by_path_.end()) {
    const auto handler = by_method->second.find(request.method);
    if (handler != by_method->second.end()) co_return co_await handler->second(request);
    miss = RouteMiss::kWrongMethod;
  }
  if (miss_) co_return miss_(request, miss);
  co_return HttpResponse::empty(miss == RouteMiss::kWrongMethod ? 405 : 404);
}

}  // namespace ciamd
