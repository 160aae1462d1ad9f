#include "flows/session/session_refresh.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "exec/runtime.hpp"
#include "flows/admission.hpp"
#include "flows/session/session_issuer.hpp"
#include "store/login_store.hpp"
#include "store/session_store.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

ApiError invalid_session() {
  return ApiError{ErrorCode::kSessionTokenInvalid, {}};
}

// Anything but 32 characters of [A-Za-z0-9] was never a session token: answered without a
// database read.
bool well_formed(std::string_view token) {
  return token.size() == kSessionTokenLength && std::all_of(token.begin(), token.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
         });
}

// A retired token came back: revoke its session. Logged without the token or its hash.
void revoke_on_reuse(SessionStore& store, const Session& session, UnixSeconds now) {
  if (store.revoke_session(session.id, now)) {
    spdlog::warn("session {} of user {} revoked: a rotated-out session token was presented again",
                 session.id, session.user_id);
  }
}

// The session's expiry after this refresh.
UnixSeconds next_expiry(const Application& app, const Session& session, UnixSeconds now) {
  if (app.session_lifetime == SessionLifetime::kFixed) return session.expires_at;
  return std::min(now + session_ttl_for(app, session.provider),
                  session.created_at + app.session_max_lifetime);
}

// What the pool decides; the id_token is signed off the pool.
struct Refreshed {
  User user;
  std::string token;
  UnixSeconds expires_at = 0;
};

Result<Refreshed> refresh_blocking(SessionStore& store, LoginStore& logins, const Application& app,
                                   std::string token, UnixSeconds now) {
  const std::string hash = crypto::sha256_hex(token);
  std::optional<Session> session = store.find_session_by_hash(hash);
  if (!session) {
    std::optional<Session> retired = store.find_session_by_retired_hash(hash);
    if (retired && retired->client_id == app.client_id) revoke_on_reuse(store, *retired, now);
    return invalid_session();
  }
  if (session->client_id != app.client_id || session->revoked || session->expires_at <= now) {
    return invalid_session();
  }
  std::optional<User> user = logins.find_user(session->user_id);
  if (!user) return invalid_session();
  // Disabling a user revokes their sessions; checking again costs one read and also covers an
  // application that became `assigned` since the login.
  Result<Admission> access = check_access(logins, app, *user, /*created_now=*/false);
  if (!access || access.value() != Admission::kAdmitted) return invalid_session();

  const UnixSeconds expires_at = next_expiry(app, *session, now);
  if (expires_at <= now) return invalid_session();  // a sliding session past its maximum
  std::string next_token =
      app.rotate_session_token ? crypto::random_alnum(kSessionTokenLength) : std::move(token);
  SessionRefresh change;
  change.session_id = session->id;
  change.presented_token_hash = hash;
  change.new_token_hash = app.rotate_session_token ? crypto::sha256_hex(next_token) : hash;
  change.new_expires_at = expires_at;
  change.now = now;
  if (!store.refresh_session(change)) {
    // Another request changed the session between the read and the write: revoked it, or (under
    // rotation) refreshed with the same token first, which makes this presentation a reuse.
    if (app.rotate_session_token && store.find_session_by_retired_hash(hash)) {
      revoke_on_reuse(store, *session, now);
    }
    return invalid_session();
  }
  return Refreshed{std::move(*user), std::move(next_token), expires_at};
}

void logout_blocking(SessionStore& store, const Application& app, const std::string& token,
                     UnixSeconds now) {
  const std::string hash = crypto::sha256_hex(token);
  std::optional<Session> session = store.find_session_by_hash(hash);
  if (!session) session = store.find_session_by_retired_hash(hash);
  if (session && session->client_id == app.client_id) store.revoke_session(session->id, now);
}

}  // namespace

Task<Result<RefreshedSession>> SessionRefresher::refresh(const Application& app,
                                                         std::string token) const {
  if (!well_formed(token)) co_return invalid_session();
  const UnixSeconds now = services_.clock();
  Result<Refreshed> done = co_await services_.pool.run(
      [this, &app, &token, now] { return refresh_blocking(sessions_, logins_, app, token, now); });
  if (!done) co_return done.error();
  RefreshedSession out;
  out.session_token = std::move(done.value().token);
  out.expire = done.value().expires_at - now;
  out.id_token = sign_id_token(services_, app, done.value().user);
  out.user_id = done.value().user.id;
  co_return out;
}

Task<void> SessionRefresher::logout(const Application& app, std::string token) const {
  if (!well_formed(token)) co_return;
  const UnixSeconds now = services_.clock();
  co_await services_.pool.run(
      [this, &app, &token, now] { logout_blocking(sessions_, app, token, now); });
}

}  // namespace ciamd
