// store/tenant_store: the tenants every application belongs to.
//
// Calls block (run them on the BlockingPool) and are safe from several threads; failures of the
// database throw StoreError.
//
//   if (!tenants.create_tenant(Tenant{"acme", "ACME", now, now})) { /* the id exists */ }
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace ciamd {

class TenantStore {
 public:
  virtual ~TenantStore() = default;

  // False when the id exists.
  virtual bool create_tenant(const Tenant& tenant) = 0;
  virtual std::optional<Tenant> find_tenant(std::string_view id) = 0;
  // By id.
  virtual std::vector<Tenant> list_tenants() = 0;
  // Writes name and updated_at; false when the id is unknown.
  virtual bool update_tenant(const Tenant& tenant) = 0;
};

}  // namespace ciamd
