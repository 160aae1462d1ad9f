#include "flows/admin/sessions.hpp"

#include "store/login_store.hpp"
#include "store/session_store.hpp"

namespace ciamd {
namespace {

ApiError no_user(const std::string& user_id) {
  return ApiError{ErrorCode::kAdminNotFound, "no user " + user_id};
}

}  // namespace

Result<std::vector<Session>> SessionAdmin::list(const std::string& user_id) const {
  if (!logins_.find_user(user_id)) return no_user(user_id);
  return sessions_.list_sessions(user_id);
}

Result<Session> SessionAdmin::revoke(const std::string& session_id, UnixSeconds now) const {
  sessions_.revoke_session(session_id, now);
  std::optional<Session> session = sessions_.find_session(session_id);
  if (!session) return ApiError{ErrorCode::kAdminNotFound, "no session " + session_id};
  return std::move(*session);
}

Result<int> SessionAdmin::revoke_all(const std::string& user_id, UnixSeconds now) const {
  if (!logins_.find_user(user_id)) return no_user(user_id);
  return sessions_.revoke_user_sessions(user_id, now);
}

std::string_view session_state(const Session& session, UnixSeconds now) {
  if (session.revoked) return "revoked";
  return session.expires_at <= now ? "expired" : "live";
}

}  // namespace ciamd
