// flows/session/session_issuer: mints what a SUCCESS carries. The session row is written by the
// caller's LoginCommit (so it lands in the same transaction as whatever else the login changes);
// the id_token is signed after the commit.
//
//   IssuedSession s = new_session(services, app, user, provider, device);
//   commit.session = s.session;  ... store->commit_login(commit) ...
//   LoginSuccess ok = finish_success(services, app, user, s);
#pragma once

#include <string>

#include "core/model.hpp"
#include "flows/outcome.hpp"
#include "flows/services.hpp"

namespace ciamd {

// docs/api.md "Tokens": 32 characters [A-Za-z0-9] from the CSPRNG.
inline constexpr std::size_t kSessionTokenLength = 32;

struct IssuedSession {
  Session session;    // holds only the token's hash
  std::string token;  // the clear token, returned to the client once
};

// The session lifetime an application grants for a login method (docs/api.md "Results of
// a login": WeChat and the mini program 432000, Weibo 604800; each configurable per application).
std::int64_t session_ttl_for(const Application& app, std::string_view provider);

IssuedSession new_session(const FlowServices& services, const Application& app, const User& user,
                          std::string_view provider, const DeviceContext& device);

// A new id_token for `user` in `app` (CPU only, no I/O): for a SUCCESS and for a session refresh.
std::string sign_id_token(const FlowServices& services, const Application& app, const User& user);

// Signs the id_token (CPU only, no I/O) and assembles the SUCCESS outcome.
LoginSuccess finish_success(const FlowServices& services, const Application& app, const User& user,
                            const IssuedSession& issued);

}  // namespace ciamd
