// api/admin/tenants: the tenants applications belong to ("default" exists from the start).
//   GET   /admin/v1/tenants                           {"items":[tenant, ...]}
//   POST  /admin/v1/tenants                           {"id","name"} -> 201 tenant
//   GET   /admin/v1/tenants/{tenant_id}                      tenant
//   PATCH /admin/v1/tenants/{tenant_id}                      {"name"} -> tenant
//   GET   /admin/v1/tenants/{tenant_id}/applications         the tenant's applications, paginated
#pragma once

#include "api/admin/admin_endpoint.hpp"
#include "net/router.hpp"

namespace ciamd {

void add_tenant_routes(Router& router, const AdminServices& admin);

}  // namespace ciamd
