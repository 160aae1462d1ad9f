// flows/admin_sessions: operator actions on sessions, for `ciamd session ...` and the admin API.
// Synchronous: callers on a network thread go through the BlockingPool.
//
//   Result<std::vector<Session>> all = list_user_sessions(store, user_id);
//   Result<Session> s = revoke_session_by_id(store, session_id, now);   // idempotent
#pragma once

#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace ciamd {

class Store;

// Every session of the user, newest first; ADMIN not-found for an unknown user.
Result<std::vector<Session>> list_user_sessions(Store& store, const std::string& user_id);
// The session after revocation (revoking a revoked session changes nothing and is no error).
Result<Session> revoke_session_by_id(Store& store, const std::string& session_id, UnixSeconds now);
// How many live sessions of the user were revoked.
Result<int> revoke_all_user_sessions(Store& store, const std::string& user_id, UnixSeconds now);

// "live", "revoked" or "expired" at `now`.
std::string_view session_state(const Session& session, UnixSeconds now);

}  // namespace ciamd
