// api/admin/applications: /admin/v1/applications. Provider secrets are write-only: a reply says
// whether one is set (`wechat_secret_set`), never what it is.
//   GET    /admin/v1/applications?tenant_id=&after=&limit= list by client id, paginated
//   POST   /admin/v1/applications                         create (AppChanges fields as JSON)
//   GET    /admin/v1/applications/{client_id}             read
//   PATCH  /admin/v1/applications/{client_id}             update the fields given ("enabled")
//   GET    /admin/v1/applications/{client_id}/users       users assigned to it
//   PUT    /admin/v1/applications/{client_id}/users/{id}  assign
//   DELETE /admin/v1/applications/{client_id}/users/{id}  unassign
#pragma once

#include "api/admin/admin_endpoint.hpp"
#include "net/router.hpp"

namespace ciamd {

void add_application_routes(Router& router, const AdminServices& admin);

// A page of applications by client id after the cursor `after` (query), of `tenant` unless "".
Result<AdminReply> list_applications_page(const AdminServices& admin, const AdminCall& call,
                                          const std::string& tenant);

}  // namespace ciamd
