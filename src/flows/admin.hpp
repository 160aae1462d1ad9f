// flows/admin: operator actions on applications and users. The CLI (app/cmd_*.cpp) and the admin
// API (api/admin/) both call these functions; validation lives here, once. Synchronous: callers on
// a network thread go through the BlockingPool.
//
//   AppChanges c; c.name = "Demo"; c.unbound = "auto_create";
//   Result<Application> app = create_application(store, c, now);
//   if (!app) print(app.error().detail);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace ciamd {

class Store;

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
  std::optional<bool> enabled;
};

Result<Application> create_application(Store& store, const AppChanges& changes, UnixSeconds now);
Result<Application> update_application(Store& store, const std::string& client_id,
                                       const AppChanges& changes, UnixSeconds now);
Result<Application> get_application(Store& store, const std::string& client_id);
Result<Done> assign_user_to_application(Store& store, const std::string& client_id,
                                        const std::string& user_id);

// Tenants: ids as client ids ([A-Za-z0-9_-], 2 to 64), names 1 to 128 characters.
Result<Tenant> create_tenant(Store& store, const std::string& id, const std::string& name,
                             UnixSeconds now);
Result<Tenant> get_tenant(Store& store, const std::string& id);
Result<Tenant> rename_tenant(Store& store, const std::string& id, const std::string& name,
                             UnixSeconds now);

Result<User> get_user(Store& store, const std::string& user_id);
Result<User> set_user_enabled(Store& store, const std::string& user_id, bool enabled,
                              UnixSeconds now);

}  // namespace ciamd
