#include "flows/admin/sessions.hpp"

#include "store/store.hpp"

namespace ciamd {
namespace {

ApiError no_user(const std::string& user_id) {
  return ApiError{ErrorCode::kAdminNotFound, "no user " + user_id};
}

}  // namespace

Result<std::vector<Session>> list_user_sessions(Store& store, const std::string& user_id) {
  if (!store.find_user(user_id)) return no_user(user_id);
  return store.list_sessions(user_id);
}

Result<Session> revoke_session_by_id(Store& store, const std::string& session_id, UnixSeconds now) {
  store.revoke_session(session_id, now);
  std::optional<Session> session = store.find_session(session_id);
  if (!session) return ApiError{ErrorCode::kAdminNotFound, "no session " + session_id};
  return std::move(*session);
}

Result<int> revoke_all_user_sessions(Store& store, const std::string& user_id, UnixSeconds now) {
  if (!store.find_user(user_id)) return no_user(user_id);
  return store.revoke_user_sessions(user_id, now);
}

std::string_view session_state(const Session& session, UnixSeconds now) {
  if (session.revoked) return "revoked";
  return session.expires_at <= now ? "expired" : "live";
}

}  // namespace ciamd
