// store/user_admin_store: what operators do to users (the admin API and the CLI): search, edit,
// disable, delete, unlink. Users are created through LoginStore::commit_login, the one path that
// writes a user.
//
// Calls block (run them on the BlockingPool) and are safe from several threads; failures of the
// database throw StoreError.
//
//   std::vector<User> page = users.find_users("", /*after_id=*/"", 50);  // everyone, by id
//   std::vector<User> next = users.find_users("", page.back().id, 50);
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace ciamd {

enum class UserUpdate {
  kOk,
  kContactTaken,  // the new mobile or email belongs to another user
  kUnknownUser,   // no such user (deleted meanwhile)
};

class UserAdminStore {
 public:
  virtual ~UserAdminStore() = default;

  // Every user whose id, username, mobile (E.164) or email (lower case) equals `term` exactly, or
  // all users when `term` is empty; by id, at most `limit` after the cursor `after_id` ("" from
  // the start).
  virtual std::vector<User> find_users(std::string_view term, std::string_view after_id,
                                       int limit) = 0;
  // Writes name, mobile, email and updated_at of an existing user.
  virtual UserUpdate update_user(const User& user) = 0;
  // Disabling a user revokes every session of theirs in the same transaction. False when unknown.
  virtual bool set_user_status(std::string_view user_id, UserStatus status, UnixSeconds now) = 0;
  // Deletes the user with their identities, unionid claims, sessions (and retired tokens),
  // devices and application assignments, in one transaction; the audit trail keeps its rows.
  // False when there is no such user.
  virtual bool delete_user(std::string_view user_id) = 0;
  // Removes one identity link (the next login with it is a new identity). False when unknown.
  virtual bool unlink_identity(std::string_view provider, std::string_view provider_app_id,
                               std::string_view subject) = 0;
};

}  // namespace ciamd
