// api/admin/users: users, their identities and their sessions.
//   GET    /admin/v1/users?q=&after=&limit=          search by id, username, mobile or email
//                                                    (exact); without q, all users by id
//   POST   /admin/v1/users                           create {"name","mobile","email"}
//   GET    /admin/v1/users/{id}                      read
//   PATCH  /admin/v1/users/{id}                      {"name","mobile","email","enabled"}
//   DELETE /admin/v1/users/{id}                      delete (identities, sessions go; audit stays)
//   GET    /admin/v1/users/{id}/identities           list
//   DELETE /admin/v1/users/{id}/identities/{provider}/{app_id}/{subject}   unlink
//   GET    /admin/v1/users/{id}/sessions             list, newest first
//   DELETE /admin/v1/users/{id}/sessions             revoke all
//   DELETE /admin/v1/sessions/{session_id}           revoke one
#pragma once

#include "api/admin/admin_endpoint.hpp"
#include "net/router.hpp"

namespace ciamd {

void add_user_routes(Router& router, const AdminServices& admin);

}  // namespace ciamd
