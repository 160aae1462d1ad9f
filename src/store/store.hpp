// store/store: the database behind ciamd, as one object that plays every role. Flows never take
// it whole: each takes the roles it uses (store/*_store.hpp, each a short contract of its own),
// and only the wiring in app/ holds a Store. One implementation (store/sql) on two backends
// (store/sqlite, store/postgres); nothing outside store/ sees SQL.
//
// Every role's calls block: call them from the BlockingPool, never from a network thread. They
// are safe to call from several threads at once. Infrastructure failures throw StoreError.
// Provider secrets in Application are clear text here; the backend seals them at rest with the
// Sealer it was given.
//
//   std::unique_ptr<Store> store = open_store("sqlite:///var/lib/ciamd/ciamd.db", sealer);
//   store->migrate();
//   SocialLogin login(services, *store, providers);  // takes the LoginStore role only
#pragma once

#include <memory>
#include <string_view>

#include "store/admin_token_store.hpp"
#include "store/application_store.hpp"
#include "store/audit_store.hpp"
#include "store/code_store.hpp"
#include "store/key_store.hpp"
#include "store/login_store.hpp"
#include "store/maintenance_store.hpp"
#include "store/session_store.hpp"
#include "store/shared_state_store.hpp"
#include "store/store_error.hpp"
#include "store/tenant_store.hpp"
#include "store/user_admin_store.hpp"

namespace ciamd {

class Sealer;

class Store : public LoginStore,
              public SessionStore,
              public CodeStore,
              public SharedStateStore,
              public SigningKeyStore,
              public AuditStore,
              public ApplicationStore,
              public TenantStore,
              public UserAdminStore,
              public AdminTokenStore,
              public MaintenanceStore {
 public:
  ~Store() override = default;
};

// Opens the backend the URL names: "sqlite:///absolute/path.db", "sqlite://relative.db",
// "sqlite::memory:" or "postgresql://user:password@host:port/database" (any libpq URL; also
// "postgres://"), with at most `pool_size` connections. Throws StoreError for an unknown scheme or
// a database that cannot be opened; the message never holds the URL past its scheme.
std::unique_ptr<Store> open_store(std::string_view url, const Sealer& sealer, int pool_size = 8);

}  // namespace ciamd
