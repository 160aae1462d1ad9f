// Store on SQLite, migration 007: tenants, and the tenant each application belongs to.
#include <string>
#include <vector>

#include "store/migrations/migrations.hpp"
#include "unit/store_test_support.hpp"

namespace ciamd {
namespace {

using testing_support::RawDb;
using testing_support::StoreTest;

Tenant sample_tenant(const std::string& id, UnixSeconds at = 1700000000) {
  Tenant tenant;
  tenant.id = id;
  tenant.name = "Tenant " + id;
  tenant.created_at = at;
  tenant.updated_at = at + 1;
  return tenant;
}

std::vector<std::string> ids_of(const std::vector<Tenant>& tenants) {
  std::vector<std::string> ids;
  for (const Tenant& t : tenants) ids.push_back(t.id);
  return ids;
}

std::vector<std::string> tenants_of(const std::vector<Application>& apps) {
  std::vector<std::string> tenants;
  for (const Application& a : apps) tenants.push_back(a.client_id + ":" + a.tenant_id);
  return tenants;
}

// --- migration 007 -----------------------------------------------------------------------------

TEST_F(StoreTest, MigrationCreatesTheDefaultTenant) {
  const auto found = store_->find_tenant(kDefaultTenant);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "default");
  EXPECT_EQ(found->name, "Default");
  EXPECT_EQ(found->created_at, 0);
  EXPECT_EQ(found->updated_at, 0);
  EXPECT_EQ(ids_of(store_->list_tenants()), (std::vector<std::string>{"default"}));
  EXPECT_EQ(RawDb(path_).scalar("SELECT name FROM schema_migrations WHERE version = 7"), "tenants");
}

TEST_F(StoreTest, UpgradesAVersionSixDatabaseWithItsApplicationsInTheDefaultTenant) {
  const auto v6_path = dir_ / "v6.db";
  create_legacy_database(v6_path, 6);
  Application old_app = sample_app("client-old");
  old_app.miniprogram = {};  // insert_legacy_application writes the columns of 001 only
  insert_legacy_application(v6_path, old_app);
  auto store = open_store("sqlite://" + v6_path.string(), sealer_);
  ASSERT_EQ(store->schema_version(), 6);
  EXPECT_EQ(store->migrate(), embedded_migrations().back().version);
  EXPECT_GE(store->schema_version(), 7);

  const auto found = store->find_application("client-old");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->tenant_id, kDefaultTenant);
  EXPECT_EQ(found->name, old_app.name);
  EXPECT_EQ(found->wechat.secret, old_app.wechat.secret);
  EXPECT_EQ(tenants_of(store->list_applications()),
            (std::vector<std::string>{"client-old:default"}));
  EXPECT_EQ(ids_of(store->list_tenants()), (std::vector<std::string>{"default"}));
}

// --- tenants -----------------------------------------------------------------------------------

TEST_F(StoreTest, CreatesFindsAndListsTenantsById) {
  ASSERT_TRUE(store_->create_tenant(sample_tenant("t-b", 1700000100)));
  ASSERT_TRUE(store_->create_tenant(sample_tenant("t-a", 1700000200)));

  const auto found = store_->find_tenant("t-b");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "t-b");
  EXPECT_EQ(found->name, "Tenant t-b");
  EXPECT_EQ(found->created_at, 1700000100);
  EXPECT_EQ(found->updated_at, 1700000101);
  EXPECT_FALSE(store_->find_tenant("t-unknown").has_value());
  EXPECT_FALSE(store_->find_tenant("").has_value());

  // By id, not by creation time.
  EXPECT_EQ(ids_of(store_->list_tenants()), (std::vector<std::string>{"default", "t-a", "t-b"}));
}

TEST_F(StoreTest, CreateTenantRefusesAnExistingIdAndKeepsTheFirst) {
  ASSERT_TRUE(store_->create_tenant(sample_tenant("t-a")));
  Tenant again = sample_tenant("t-a", 1800000000);
  again.name = "Impostor";
  EXPECT_FALSE(store_->create_tenant(again));
  EXPECT_FALSE(store_->create_tenant(sample_tenant(std::string(kDefaultTenant))));

  EXPECT_EQ(store_->find_tenant("t-a")->name, "Tenant t-a");
  EXPECT_EQ(store_->find_tenant("t-a")->created_at, 1700000000);
  EXPECT_EQ(store_->find_tenant(kDefaultTenant)->name, "Default");
  EXPECT_EQ(RawDb(path_).count("tenants"), 2);
}

TEST_F(StoreTest, UpdateTenantWritesNameAndUpdatedAtOnly) {
  ASSERT_TRUE(store_->create_tenant(sample_tenant("t-a")));
  Tenant edit = sample_tenant("t-a", 1900000000);  // another created_at, which must not be written
  edit.name = "Renamed";
  edit.updated_at = 1700005000;
  EXPECT_TRUE(store_->update_tenant(edit));

  const auto found = store_->find_tenant("t-a");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "Renamed");
  EXPECT_EQ(found->updated_at, 1700005000);
  EXPECT_EQ(found->created_at, 1700000000);

  Tenant renamed_default = *store_->find_tenant(kDefaultTenant);
  renamed_default.name = "Everyone";
  renamed_default.updated_at = 1700006000;
  EXPECT_TRUE(store_->update_tenant(renamed_default));
  EXPECT_EQ(store_->find_tenant(kDefaultTenant)->name, "Everyone");
}

TEST_F(StoreTest, UpdateTenantReturnsFalseForAnUnknownId) {
  EXPECT_FALSE(store_->update_tenant(sample_tenant("t-unknown")));
  EXPECT_FALSE(store_->find_tenant("t-unknown").has_value());
  EXPECT_EQ(ids_of(store_->list_tenants()), (std::vector<std::string>{"default"}));
}

// --- applications' tenant ----------------------------------------------------------------------

TEST_F(StoreTest, AnApplicationsTenantRoundTripsThroughCreateFindListAndUpdate) {
  ASSERT_TRUE(store_->create_tenant(sample_tenant("t-a")));
  ASSERT_TRUE(store_->create_tenant(sample_tenant("t-b")));
  Application in_a = sample_app("client-a");
  in_a.tenant_id = "t-a";
  ASSERT_TRUE(store_->create_application(in_a));
  ASSERT_TRUE(store_->create_application(sample_app("client-d")));  // the default tenant

  EXPECT_EQ(store_->find_application("client-a")->tenant_id, "t-a");
  EXPECT_EQ(store_->find_application("client-d")->tenant_id, kDefaultTenant);
  EXPECT_EQ(RawDb(path_).scalar("SELECT tenant_id FROM applications WHERE client_id = 'client-a'"),
            "t-a");
  EXPECT_EQ(tenants_of(store_->list_applications()),
            (std::vector<std::string>{"client-a:t-a", "client-d:default"}));

  // An update moves the application and keeps the rest of it.
  Application moved = *store_->find_application("client-a");
  moved.tenant_id = "t-b";
  moved.updated_at = 1700000500;
  EXPECT_TRUE(store_->update_application(moved));
  const auto found = store_->find_application("client-a");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->tenant_id, "t-b");
  EXPECT_EQ(found->name, in_a.name);
  EXPECT_EQ(found->wechat.secret, in_a.wechat.secret);
  EXPECT_EQ(found->miniprogram.secret, in_a.miniprogram.secret);
  EXPECT_EQ(found->created_at, in_a.created_at);
  EXPECT_EQ(found->updated_at, 1700000500);
  EXPECT_EQ(tenants_of(store_->list_applications()),
            (std::vector<std::string>{"client-a:t-b", "client-d:default"}));
}

}  // namespace
}  // namespace ciamd
