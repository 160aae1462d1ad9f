#include "idp-sim/routes.hpp"

#include <spdlog/spdlog.h>

#include "idp-sim/control.hpp"
#include "idp-sim/wechat_mini.hpp"
#include "idp-sim/wechat_open.hpp"
#include "idp-sim/weibo.hpp"
#include "idp-sim/wire.hpp"

namespace idp_sim {

ciamd::Router make_router(SimState& state) {
  ciamd::Router router;
  add_wechat_open_routes(router, state);
  add_wechat_mini_routes(router, state);
  add_weibo_routes(router, state);
  add_control_routes(router, state);
  // Unknown provider paths get HTTP 404 with an empty body: what a gateway in front of the real
  // API answers for a URL it does not route (the providers' own JSON errors are only for known
  // paths).
  // The control API keeps its {"error": ...} shape.
  router.on_miss([](const ciamd::HttpRequest& request, ciamd::RouteMiss miss) {
    const int status = miss == ciamd::RouteMiss::kWrongMethod ? 405 : 404;
    spdlog::info("{} {} -> {} (no route)", request.method, request.path, status);
    if (request.path.starts_with("/_sim/")) {
      return control_error(
          ControlError{status, status == 404 ? "not found" : "method not allowed"});
    }
    return ciamd::HttpResponse::empty(status);
  });
  return router;
}

ciamd::ServerOptions make_server_options(const std::string& host, std::uint16_t port) {
  ciamd::ServerOptions options;
  options.host = host;
  options.port = port;
  options.render_limit_error = [](ciamd::LimitError error, std::string_view) {
    switch (error) {
      case ciamd::LimitError::kHeaderTooLarge:
        return ciamd::HttpResponse::empty(431);
      case ciamd::LimitError::kBodyTooLarge:
        return ciamd::HttpResponse::empty(413);
      case ciamd::LimitError::kTimeout:
        return ciamd::HttpResponse::empty(408);
      case ciamd::LimitError::kMalformed:
        break;
    }
    return ciamd::HttpResponse::empty(400);
  };
  options.render_internal_error = [](std::string_view) {
    return control_error(ControlError{500, "internal error"});
  };
  return options;
}

}  // namespace idp_sim
