// The SqlStore methods for tenants (migration 007). Applications name their tenant in
// applications.tenant_id, which rows.hpp maps with the other application columns.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sql/rows.hpp"
#include "store/sql/sql_store.hpp"

namespace ciamd {
namespace {

using sql::Statement;

// tenants is read and written only here, so its mapping lives here rather than in rows.hpp.
constexpr sql::Table kTenants{"tenants", "id, name, created_at, updated_at"};

Tenant read_tenant(const Statement& row) {
  Tenant tenant;
  tenant.id = row.text(0);
  tenant.name = row.text(1);
  tenant.created_at = row.int64(2);
  tenant.updated_at = row.int64(3);
  return tenant;
}

}  // namespace

bool SqlStore::create_tenant(const Tenant& tenant) {
  static const std::string sql = sql::insert_sql(kTenants);
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(sql);
  stmt.bind_all(tenant.id, tenant.name, tenant.created_at, tenant.updated_at);
  // The id is the only UNIQUE key of tenants.
  return stmt.execute_unless_duplicate().has_value();
}

std::optional<Tenant> SqlStore::find_tenant(std::string_view id) {
  static const std::string sql = sql::select_sql(kTenants, "WHERE id = ?1");
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(sql);
  stmt.bind_all(id);
  if (!stmt.step()) return std::nullopt;
  return read_tenant(stmt);
}

std::vector<Tenant> SqlStore::list_tenants() {
  static const std::string sql = sql::select_sql(kTenants, "ORDER BY id");
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(sql);
  std::vector<Tenant> tenants;
  while (stmt.step()) tenants.push_back(read_tenant(stmt));
  return tenants;
}

bool SqlStore::update_tenant(const Tenant& tenant) {
  // The id and created_at are not the operator's to edit.
  auto conn = pool_->acquire();
  auto stmt = conn->prepare("UPDATE tenants SET name = ?2, updated_at = ?3 WHERE id = ?1");
  stmt.bind_all(tenant.id, tenant.name, tenant.updated_at);
  return stmt.execute() > 0;
}

}  // namespace ciamd
