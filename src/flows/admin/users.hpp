// flows/admin/users: operator actions on users beyond enable/disable (flows/admin/applications):
// create, change, delete, unlink an identity. Validation lives here once, for the admin API and the
// CLI. Synchronous: callers on a network thread go through the BlockingPool.
//
//   UserChanges c; c.name = "Alice"; c.mobile = "+86 159 0713 2852";
//   Result<User> u = create_user(store, c, now);      // ADMIN.PARAM.0001 / RESOURCE.0409
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"
#include "flows/admin/page.hpp"

namespace ciamd {

class LoginStore;
class UserAdminStore;

// Every field optional: create uses defaults for what is absent, update changes only what is set.
// An empty mobile or email removes it.
struct UserChanges {
  std::optional<std::string> name;
  std::optional<std::string> mobile;  // any form core/phone accepts; stored E.164
  std::optional<std::string> email;   // stored lower-case
  std::optional<bool> enabled;        // update only; disabling revokes the user's sessions
};

class UserAdmin {
 public:
  UserAdmin(LoginStore& logins, UserAdminStore& users) : logins_(logins), users_(users) {}

  Result<User> get(const std::string& user_id) const;
  // Disabling revokes every session of the user at once.
  Result<User> set_enabled(const std::string& user_id, bool enabled, UnixSeconds now) const;
  Result<User> create(const UserChanges& changes, UnixSeconds now) const;
  Result<User> update(const std::string& user_id, const UserChanges& changes,
                      UnixSeconds now) const;
  // Removes the user, identities, sessions, devices and assignments; the audit trail stays.
  Result<Done> remove(const std::string& user_id) const;
  Result<Done> unlink(const std::string& user_id, const Identity& identity) const;
  // Users whose id, username, mobile (any written form) or email equals `q`; everyone when `q`
  // is "". By id, after the cursor `after`, at most `limit`.
  Page<User> search(std::string_view q, std::string_view after, int limit) const;
  Result<std::vector<Identity>> identities(const std::string& user_id) const;

 private:
  LoginStore& logins_;
  UserAdminStore& users_;
};

}  // namespace ciamd
