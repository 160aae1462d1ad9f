// flows/admin/admin_flows: every operator use case, built once on the store's roles and shared by
// the admin API (api/admin) and the CLI (app/cmd_*), so both act through the same rules.
//
//   const AdminFlows admin{AdminTokens(store), ApplicationAdmin(store, store), TenantAdmin(store),
//                          UserAdmin(store, store), SessionAdmin(store, store),
//                          AuditTrail(store), KeyRotation(store, store, sealer)};
//   Result<Application> app = admin.applications.get("demo-app");
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include "flows/admin/admin_tokens.hpp"
#include "flows/admin/applications.hpp"
#include "flows/admin/audit_trail.hpp"
#include "flows/admin/sessions.hpp"
#include "flows/admin/tenants.hpp"
#include "flows/admin/users.hpp"
#include "flows/keys/key_rotation.hpp"

namespace ciamd {

struct AdminFlows {
  AdminTokens tokens;
  ApplicationAdmin applications;
  TenantAdmin tenants;
  UserAdmin users;
  SessionAdmin sessions;
  AuditTrail audit_trail;
  KeyRotation keys;
};

}  // namespace ciamd
