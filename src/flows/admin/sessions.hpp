// flows/admin/sessions: operator actions on sessions, for the admin API and `ciamd session ...`.
// Synchronous: callers on a network thread go through the BlockingPool.
//
//   const SessionAdmin sessions(store, store);  // the SessionStore and LoginStore roles
//   Result<std::vector<Session>> all = sessions.list(user_id);
//   Result<Session> s = sessions.revoke(session_id, now);  // idempotent
#pragma once

#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace ciamd {

class LoginStore;
class SessionStore;

class SessionAdmin {
 public:
  SessionAdmin(SessionStore& sessions, LoginStore& logins) : sessions_(sessions), logins_(logins) {}

  // Every session of the user, newest first; ADMIN not-found for an unknown user.
  Result<std::vector<Session>> list(const std::string& user_id) const;
  // The session after revocation (revoking a revoked session changes nothing and is no error).
  Result<Session> revoke(const std::string& session_id, UnixSeconds now) const;
  // How many live sessions of the user were revoked.
  Result<int> revoke_all(const std::string& user_id, UnixSeconds now) const;

 private:
  SessionStore& sessions_;
  LoginStore& logins_;
};

// "live", "revoked" or "expired" at `now`.
std::string_view session_state(const Session& session, UnixSeconds now);

}  // namespace ciamd
