#include "api/admin/routes.hpp"

#include "api/admin/applications.hpp"
#include "api/admin/audit.hpp"
#include "api/admin/keys.hpp"
#include "api/admin/tenants.hpp"
#include "api/admin/users.hpp"
#include "api/render.hpp"

namespace ciamd {

Router build_admin_router(const AdminServices& admin) {
  Router r;
  add_tenant_routes(r, admin);
  add_application_routes(r, admin);
  add_user_routes(r, admin);
  add_audit_routes(r, admin);
  add_key_routes(r, admin);
  r.on_miss([](const HttpRequest& http, RouteMiss miss) {
    const ErrorCode code =
        miss == RouteMiss::kWrongMethod ? ErrorCode::kAdminWrongMethod : ErrorCode::kAdminNoRoute;
    return render_error(ApiError{code}, language_from_header(http.headers.get("X-L")),
                        http.request_id);
  });
  return r;
}

}  // namespace ciamd
