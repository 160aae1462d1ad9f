// flows/admin/tenants: operator actions on tenants, for the admin API and the CLI. Ids are as
// client ids ([A-Za-z0-9_-], 2 to 64), names 1 to 128 characters. Synchronous: callers on a
// network thread go through the BlockingPool.
//
//   const TenantAdmin tenants(store);  // the TenantStore role
//   Result<Tenant> t = tenants.create("acme", "ACME Inc.", now);
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace ciamd {

class TenantStore;

class TenantAdmin {
 public:
  explicit TenantAdmin(TenantStore& tenants) : tenants_(tenants) {}

  Result<Tenant> create(const std::string& id, const std::string& name, UnixSeconds now) const;
  Result<Tenant> get(const std::string& id) const;
  Result<Tenant> rename(const std::string& id, const std::string& name, UnixSeconds now) const;
  // By id.
  std::vector<Tenant> all() const;

 private:
  TenantStore& tenants_;
};

}  // namespace ciamd
