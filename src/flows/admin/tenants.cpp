#include "flows/admin/tenants.hpp"

#include "flows/admin/checks.hpp"
#include "store/tenant_store.hpp"

namespace ciamd {

Result<Tenant> TenantAdmin::create(const std::string& id, const std::string& name,
                                   UnixSeconds now) const {
  if (!valid_record_id(id, 2)) {
    return invalid_argument("tenant id must be 2 to 64 characters of [A-Za-z0-9_-]");
  }
  if (auto e = check_display_name(name)) return *e;
  const Tenant tenant{id, name, now, now};
  if (!tenants_.create_tenant(tenant)) {
    return ApiError{ErrorCode::kAdminConflict, "tenant " + id + " exists"};
  }
  return tenant;
}

Result<Tenant> TenantAdmin::get(const std::string& id) const {
  std::optional<Tenant> tenant = tenants_.find_tenant(id);
  if (!tenant) return ApiError{ErrorCode::kAdminNotFound, "no tenant " + id};
  return std::move(*tenant);
}

Result<Tenant> TenantAdmin::rename(const std::string& id, const std::string& name,
                                   UnixSeconds now) const {
  if (auto e = check_display_name(name)) return *e;
  Result<Tenant> tenant = get(id);
  if (!tenant) return tenant;
  tenant.value().name = name;
  tenant.value().updated_at = now;
  if (!tenants_.update_tenant(tenant.value())) {
    return ApiError{ErrorCode::kAdminNotFound, "no tenant " + id};
  }
  return tenant;
}

std::vector<Tenant> TenantAdmin::all() const {
  return tenants_.list_tenants();
}

}  // namespace ciamd
