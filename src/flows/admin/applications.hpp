// flows/admin/applications: operator actions on applications and users. The CLI calls these today
// and the admin API will call the same functions; validation lives here, once. Synchronous: callers
// on a network thread go through the BlockingPool.
//
//   AppChanges c; c.name = "Demo"; c.unbound = "auto_create";
//   Result<Application> app = create_application(store, c, now);
//   if (!app) print(app.error().detail);
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"
#include "flows/admin/page.hpp"

namespace ciamd {

class ApplicationStore;
class TenantStore;

// Every field optional: create uses defaults for what is absent, update changes only what is set.
struct AppChanges {
  std::optional<std::string> client_id;  // create only; generated when absent
  std::optional<std::string> tenant_id;  // must exist; "default" when absent at create
  std::optional<std::string> name;
  std::optional<std::string> unbound;       // register | bind | auto_create | reject
  std::optional<std::string> bind_methods;  // "VERIFY_PHONE,VERIFY_EMAIL"
  std::optional<std::string> access;        // all | assigned
  std::optional<std::string> mfa;           // off | always | new_device
  std::optional<std::string> mfa_factors;   // "SMS,EMAIL"
  std::optional<std::string> wechat_appid;
  std::optional<std::string> wechat_secret;
  std::optional<std::string> miniprogram_appid;  // with miniprogram_secret, as for wechat_*
  std::optional<std::string> miniprogram_secret;
  std::optional<std::string> weibo_app_key;  // digits; "" for no Weibo
  std::optional<std::int64_t> id_token_ttl;
  std::optional<std::int64_t> wechat_session_ttl;
  std::optional<std::int64_t> miniprogram_session_ttl;
  std::optional<std::int64_t> weibo_session_ttl;
  std::optional<std::string> id_token_alg;      // RS256 | ES256
  std::optional<std::string> session_lifetime;  // fixed | sliding
  std::optional<std::int64_t> session_max_lifetime;
  std::optional<bool> rotate_session_token;
  // Country calling codes whose numbers get SMS codes, "86,852" ("+852" and spaces accepted);
  // at least one.
  std::optional<std::string> allowed_country_codes;
  std::optional<std::int64_t> hourly_send_budget;  // codes sent per hour, 1 to 1,000,000
  std::optional<bool> enabled;
};

class ApplicationAdmin {
 public:
  ApplicationAdmin(ApplicationStore& apps, TenantStore& tenants);

  Result<Application> create(const AppChanges& changes, UnixSeconds now) const;
  Result<Application> get(const std::string& client_id) const;
  // Changes only what `changes` sets; a client id cannot change.
  Result<Application> update(const std::string& client_id, const AppChanges& changes,
                             UnixSeconds now) const;
  // Every application, by client id.
  std::vector<Application> all() const;
  // By client id, after the cursor `after` ("" from the start), at most `limit`; only `tenant`'s
  // when it is not "".
  Page<Application> page(std::string_view tenant, std::string_view after, int limit) const;

  // Assignments (access policy `assigned`).
  Result<Done> assign(const std::string& client_id, const std::string& user_id) const;
  Result<Done> unassign(const std::string& client_id, const std::string& user_id) const;
  Result<std::vector<std::string>> assigned_users(const std::string& client_id) const;

 private:
  std::optional<ApiError> check_tenant(const AppChanges& changes) const;

  ApplicationStore& apps_;
  TenantStore& tenants_;
};

}  // namespace ciamd
