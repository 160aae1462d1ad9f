// api/admin/routes: every endpoint the admin listener serves (docs/admin-api.md). The health and
// metrics endpoints (api/ops) are added by the caller, because they need no admin token.
#pragma once

#include "api/admin/admin_endpoint.hpp"
#include "net/router.hpp"

namespace ciamd {

Router build_admin_router(const AdminServices& admin);

}  // namespace ciamd
