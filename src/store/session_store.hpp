// store/session_store: sessions after the login: refresh, revoke, list. Written first by
// LoginStore::commit_login (LoginCommit::session).
//
// Calls block (run them on the BlockingPool) and are safe from several threads; failures of the
// database throw StoreError. A refresh is a compare-and-swap, so of two refreshes presenting one
// token under rotation exactly one wins:
//
//   SessionRefresh r{session.id, presented_hash, next_hash, now + ttl, now};
//   if (!sessions.refresh_session(r)) { /* changed meanwhile: revoked, expired or refreshed */ }
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace ciamd {

// A session refresh, applied only if the session still holds `presented_token_hash`, is not
// revoked and has not expired at `now`.
struct SessionRefresh {
  std::string session_id;
  std::string presented_token_hash;
  // Equal to presented_token_hash when the application does not rotate; otherwise the presented
  // hash is recorded as retired for this session (reuse detection) and this one replaces it.
  std::string new_token_hash;
  UnixSeconds new_expires_at = 0;
  UnixSeconds now = 0;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  // The session whose current token has this hash (revoked or expired ones too: the caller
  // decides), and the one that had it before a rotation.
  virtual std::optional<Session> find_session_by_hash(std::string_view token_hash) = 0;
  virtual std::optional<Session> find_session_by_retired_hash(std::string_view token_hash) = 0;
  virtual std::optional<Session> find_session(std::string_view session_id) = 0;
  // Every session of the user, revoked and expired ones included, newest first.
  virtual std::vector<Session> list_sessions(std::string_view user_id) = 0;

  // False when the session changed meanwhile (another token, revoked, expired) or is unknown.
  virtual bool refresh_session(const SessionRefresh& refresh) = 0;
  // False when unknown or already revoked.
  virtual bool revoke_session(std::string_view session_id, UnixSeconds now) = 0;
  // Revokes every live session of the user; returns how many.
  virtual int revoke_user_sessions(std::string_view user_id, UnixSeconds now) = 0;
};

}  // namespace ciamd
