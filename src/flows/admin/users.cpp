#include "flows/admin/users.hpp"

#include "core/phone.hpp"
#include "flows/admin/checks.hpp"
#include "flows/ids.hpp"
#include "flows/verification/verification.hpp"
#include "store/login_store.hpp"
#include "store/user_admin_store.hpp"

namespace ciamd {
namespace {

ApiError no_user(const std::string& id) {
  return ApiError{ErrorCode::kAdminNotFound, "no user " + id};
}

// Applies name, mobile and email of `c` onto `user`.
std::optional<ApiError> apply(const UserChanges& c, User& user) {
  if (c.name) {
    if (c.name->size() > 256) return invalid_argument("name must be at most 256 bytes");
    user.name = *c.name;
  }
  if (c.mobile) {
    if (c.mobile->empty()) {
      user.mobile.clear();
    } else {
      std::optional<std::string> e164 = normalize_phone(*c.mobile);
      if (!e164) return invalid_argument("mobile is not a valid phone number");
      user.mobile = *e164;
    }
  }
  if (c.email) {
    if (c.email->empty()) {
      user.email.clear();
    } else {
      std::optional<std::string> email = normalize_email(*c.email);
      if (!email) return invalid_argument("email is not a valid address");
      user.email = *email;
    }
  }
  return std::nullopt;
}

ApiError taken() {
  return ApiError{ErrorCode::kAdminConflict, "the mobile or email belongs to another user"};
}

ApiError no_such_identity() {
  return ApiError{ErrorCode::kAdminNotFound, "the user has no such identity"};
}

// The term as stored: a phone in E.164, an email lower-case; anything else as given (id,
// username).
std::string search_term(std::string_view q) {
  if (std::optional<std::string> e164 = normalize_phone(q)) return *e164;
  if (std::optional<std::string> email = normalize_email(q)) return *email;
  return std::string(q);
}

}  // namespace

Result<User> UserAdmin::get(const std::string& user_id) const {
  std::optional<User> user = logins_.find_user(user_id);
  if (!user) return no_user(user_id);
  return std::move(*user);
}

Result<User> UserAdmin::set_enabled(const std::string& user_id, bool enabled,
                                    UnixSeconds now) const {
  const UserStatus status = enabled ? UserStatus::kActive : UserStatus::kDisabled;
  if (!users_.set_user_status(user_id, status, now)) return no_user(user_id);
  return get(user_id);
}

Result<User> UserAdmin::create(const UserChanges& changes, UnixSeconds now) const {
  if (changes.enabled) return invalid_argument("a new user is enabled; disable it afterwards");
  User user;
  user.id = new_user_id();
  user.username = new_username("user");
  user.created_at = now;
  user.updated_at = now;
  if (auto e = apply(changes, user)) return *e;
  LoginCommit commit;
  commit.now = now;
  commit.new_user = user;
  if (logins_.commit_login(commit) != CommitResult::kOk) return taken();
  return user;
}

Result<User> UserAdmin::update(const std::string& user_id, const UserChanges& changes,
                               UnixSeconds now) const {
  std::optional<User> user = logins_.find_user(user_id);
  if (!user) return no_user(user_id);
  if (changes.name || changes.mobile || changes.email) {
    if (auto e = apply(changes, *user)) return *e;
    user->updated_at = now;
    switch (users_.update_user(*user)) {
      case UserUpdate::kOk:
        break;
      case UserUpdate::kContactTaken:
        return taken();
      case UserUpdate::kUnknownUser:  // deleted since it was read
        return no_user(user_id);
    }
  }
  if (changes.enabled) return set_enabled(user_id, *changes.enabled, now);
  return std::move(*user);
}

Result<Done> UserAdmin::remove(const std::string& user_id) const {
  if (!users_.delete_user(user_id)) return no_user(user_id);
  return Done{};
}

Result<Done> UserAdmin::unlink(const std::string& user_id, const Identity& identity) const {
  std::optional<Identity> found =
      logins_.find_identity(identity.provider, identity.provider_app_id, identity.subject);
  if (!found || found->user_id != user_id) return no_such_identity();
  if (!users_.unlink_identity(identity.provider, identity.provider_app_id, identity.subject)) {
    return no_such_identity();
  }
  return Done{};
}

Page<User> UserAdmin::search(std::string_view q, std::string_view after, int limit) const {
  // One more than asked tells whether a next page exists.
  Page<User> page;
  page.items = users_.find_users(q.empty() ? std::string() : search_term(q), after, limit + 1);
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.pop_back();
    page.next = page.items.back().id;
  }
  return page;
}

Result<std::vector<Identity>> UserAdmin::identities(const std::string& user_id) const {
  if (!logins_.find_user(user_id)) return no_user(user_id);
  return logins_.list_identities(user_id);
}

}  // namespace ciamd
