// api/routes: every endpoint the public listener serves, and how requests that never reach one
// (unknown paths, wrong methods, limit violations, handler faults) are answered.
#pragma once

#include "api/services.hpp"
#include "net/router.hpp"
#include "net/server.hpp"

namespace ciamd {

Router build_sdk_router(const ApiServices& api);

// Fills the error renderers of `options` from the one error catalog, and installs the header rules
// of api/request_screen, whose errors are the catalog's too.
void install_error_renderers(ServerOptions& options);

}  // namespace ciamd
