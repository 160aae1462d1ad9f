// flows/admin/users: operator actions on users beyond enable/disable (flows/admin/applications):
// create, change, delete, unlink an identity. Validation lives here once, for the admin API and the
// CLI. Synchronous: callers on a network thread go through the BlockingPool.
//
//   UserChanges c; c.name = "Alice"; c.mobile = "+86 159 0713 2852";
//   Result<User> u = create_user(store, c, now);      // ADMIN.PARAM.0001 / RESOURCE.0409
#pragma once

#include <optional>
#include <string>

#include "core/model.hpp"
#include "core/result.hpp"

namespace ciamd {

class Store;

// Every field optional: create uses defaults for what is absent, update changes only what is set.
// An empty mobile or email removes it.
struct UserChanges {
  std::optional<std::string> name;
  std::optional<std::string> mobile;  // any form core/phone accepts; stored E.164
  std::optional<std::string> email;   // stored lower-case
  std::optional<bool> enabled;        // update only; disabling revokes the user's sessions
};

Result<User> create_user(Store& store, const UserChanges& changes, UnixSeconds now);
Result<User> update_user(Store& store, const std::string& user_id, const UserChanges& changes,
                         UnixSeconds now);
// Removes the user, identities, sessions, devices and assignments; the audit trail stays.
Result<Done> delete_user(Store& store, const std::string& user_id);
Result<Done> unlink_identity(Store& store, const std::string& user_id, const Identity& identity);

}  // namespace ciamd
