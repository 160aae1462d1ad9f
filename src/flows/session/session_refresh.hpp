// flows/session/session_refresh: what a session token is good for after the login (docs/api.md
// "Sessions: refresh and logout"): a fresh id_token while the session lives, and logout.
//
//   refresh(): the token must name a live session of this application whose user is still
//     active and admitted (else PARAM.0023, changing nothing). A `sliding` application restarts
//     the session's lifetime, up to session_max_lifetime after the login; a `fixed` one keeps it.
//     An application that rotates hands out a new token and retires the presented one; a retired
//     token presented again revokes the session (two parties hold its tokens: one is a thief).
//   logout(): revokes the session the token names, at once. Like OAuth token revocation
//     (RFC 7009), a token that names no live session of this application is not an error: the
//     caller wanted it dead and it is.
//
//   const SessionRefresher sessions(services, store, store);  // SessionStore, LoginStore roles
//   Result<RefreshedSession> r = co_await sessions.refresh(app, token);  // r->id_token
//   co_await sessions.logout(app, token);
#pragma once

#include <cstdint>
#include <string>

#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "flows/services.hpp"

namespace ciamd {

class LoginStore;
class SessionStore;

struct RefreshedSession {
  std::string session_token;  // the presented one, or its replacement under rotation
  std::int64_t expire = 0;    // seconds the session has left
  std::string id_token;
  std::string user_id;  // for the audit trail; not rendered
};

class SessionRefresher {
 public:
  SessionRefresher(const FlowServices& services, SessionStore& sessions, LoginStore& logins)
      : services_(services), sessions_(sessions), logins_(logins) {}

  Task<Result<RefreshedSession>> refresh(const Application& app, std::string token) const;
  Task<void> logout(const Application& app, std::string token) const;

 private:
  const FlowServices& services_;
  SessionStore& sessions_;
  LoginStore& logins_;
};

}  // namespace ciamd
