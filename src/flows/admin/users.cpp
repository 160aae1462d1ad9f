#include "flows/admin/users.hpp"

#include "core/phone.hpp"
#include "flows/admin/applications.hpp"
#include "flows/ids.hpp"
#include "flows/verification/verification.hpp"
#include "store/store.hpp"

namespace ciamd {
namespace {

ApiError invalid(std::string what) {
  return ApiError{ErrorCode::kAdminInvalidArgument, std::move(what)};
}

ApiError no_user(const std::string& id) {
  return ApiError{ErrorCode::kAdminNotFound, "no user " + id};
}

// Applies name, mobile and email of `c` onto `user`.
std::optional<ApiError> apply(const UserChanges& c, User& user) {
  if (c.name) {
    if (c.name->size() > 256) return invalid("name must be at most 256 bytes");
    user.name = *c.name;
  }
  if (c.mobile) {
    if (c.mobile->empty()) {
      user.mobile.clear();
    } else {
      std::optional<std::string> e164 = normalize_phone(*c.mobile);
      if (!e164) return invalid("mobile is not a valid phone number");
      user.mobile = *e164;
    }
  }
  if (c.email) {
    if (c.email->empty()) {
      user.email.clear();
    } else {
      std::optional<std::string> email = normalize_email(*c.email);
      if (!email) return invalid("email is not a valid address");
      user.email = *email;
    }
  }
  return std::nullopt;
}

ApiError taken() {
  return ApiError{ErrorCode::kAdminConflict, "the mobile or email belongs to another user"};
}

}  // namespace

Result<User> create_user(Store& store, const UserChanges& changes, UnixSeconds now) {
  if (changes.enabled) return invalid("a new user is enabled; disable it afterwards");
  User user;
  user.id = new_user_id();
  user.username = new_username("user");
  user.created_at = now;
  user.updated_at = now;
  if (auto e = apply(changes, user)) return *e;
  LoginCommit commit;
  commit.now = now;
  commit.new_user = user;
  if (store.commit_login(commit) != CommitResult::kOk) return taken();
  return user;
}

Result<User> update_user(Store& store, const std::string& user_id, const UserChanges& changes,
                         UnixSeconds now) {
  std::optional<User> user = store.find_user(user_id);
  if (!user) return no_user(user_id);
  if (changes.name || changes.mobile || changes.email) {
    if (auto e = apply(changes, *user)) return *e;
    user->updated_at = now;
    if (store.update_user(*user) != CommitResult::kOk) return taken();
  }
  if (changes.enabled) return set_user_enabled(store, user_id, *changes.enabled, now);
  return std::move(*user);
}

Result<Done> delete_user(Store& store, const std::string& user_id) {
  if (!store.delete_user(user_id)) return no_user(user_id);
  return Done{};
}

Result<Done> unlink_identity(Store& store, const std::string& user_id, const Identity& identity) {
  std::optional<Identity> found =
      store.find_identity(identity.provider, identity.provider_app_id, identity.subject);
  if (!found || found->user_id != user_id) {
    return ApiError{ErrorCode::kAdminNotFound, "the user has no such identity"};
  }
  if (!store.unlink_identity(identity.provider, identity.provider_app_id, identity.subject)) {
    return ApiError{ErrorCode::kAdminNotFound, "the user has no such identity"};
  }
  return Done{};
}

}  // namespace ciamd
