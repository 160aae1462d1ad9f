// store/store: what the rest of ciamd may ask of the database. One implementation (store/sql) on
// two backends (store/sqlite, store/postgres); nothing outside store/ sees SQL.
//
// Calls block: call them from the BlockingPool, never from a network thread. They are safe to call
// from several threads at once. Infrastructure failures throw StoreError. Provider secrets in
// Application are clear text here; the backend seals them at rest with the Sealer it was given.
//
//   auto store = open_store("sqlite:///var/lib/ciamd/ciamd.db", sealer);
//   store->migrate();
//   LoginCommit c; c.new_user = user; c.new_identity = identity; c.session = session;
//   if (store->commit_login(c) != CommitResult::kOk) ...
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"

namespace ciamd {

class Sealer;

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A signing key. An `active` key signs from activates_at on (keys are published in the JWKS
// before they sign, so clients holding a cached JWKS already know them); the newest key of an
// algorithm that has activated is its signer. `ciamd keys rotate` retires the current key as of
// the new key's activates_at: it signs until then, and stays in the JWKS until publish_until,
// when every id_token it signed has expired.
struct SigningKeyRecord {
  std::string kid;
  std::string algorithm;           // "RS256", "ES256"
  std::string sealed_private_key;  // PEM sealed by the Sealer (AAD: the kid)
  std::string state;               // "active", "retired"
  UnixSeconds created_at = 0;
  UnixSeconds activates_at = 0;   // signs from then on; 0 for keys made before rotation existed
  UnixSeconds retired_at = 0;     // stops signing then; 0 while active
  UnixSeconds publish_until = 0;  // leaves the JWKS then; 0 while active
};

// A session refresh, applied only if the session still holds `presented_token_hash`, is not
// revoked and has not expired at `now` (compare-and-swap: of two refreshes with one token under
// rotation, one wins).
struct SessionRefresh {
  std::string session_id;
  std::string presented_token_hash;
  // Equal to presented_token_hash when the application does not rotate; otherwise the presented
  // hash is recorded as retired for this session (reuse detection) and this one replaces it.
  std::string new_token_hash;
  UnixSeconds new_expires_at = 0;
  UnixSeconds now = 0;
};

// A filter of the audit trail; empty strings and zero times match everything.
struct AuditQuery {
  std::string user_id;
  std::string client_id;
  std::string event;
  std::string outcome;
  UnixSeconds from = 0;  // at >= from
  UnixSeconds to = 0;    // at < to
  std::int64_t after_id = 0;
  int limit = 100;
};

// One purge pass: every kind of expired row, at most `batch` rows of each.
struct PurgeRequest {
  UnixSeconds now = 0;                 // sessions and flows with expires_at < now go
  UnixSeconds send_events_before = 0;  // rate-limit accounting older than this goes
  int batch = 1000;
};
struct PurgeCounts {
  int sessions = 0;  // with their retired tokens
  int flows = 0;     // with their verification codes
  int send_events = 0;
  // A kind that hit the batch size may have more rows waiting.
  bool more(int batch) const { return sessions >= batch || flows >= batch || send_events >= batch; }
};

// A verification code sent to a phone or mailbox for one flow. Only the code's hash is stored
// (HMAC-SHA256 under a key derived from the master key, so a leaked table cannot be brute-forced
// offline: a 6-digit code has only a million values).
struct VerificationCode {
  std::string id;
  std::string flow_id;  // the state token's flow record it belongs to
  std::string purpose;  // "REGISTER_SMS", "BIND_EMAIL_EMS", ...
  std::string target;   // E.164 phone or lower-case email
  std::string code_hash;
  int attempts = 0;  // failed verifications so far
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
  bool used = false;
  bool revoked = false;  // by too many failed attempts, or by a newer code for the same target
};

// A unionid WeChat gave for an identity that was linked without one: it is written onto the
// identity and claimed for the identity's user in unionid_owners.
struct UnionidAttachment {
  std::string provider;
  std::string provider_app_id;
  std::string subject;
  std::string unionid;
  std::string user_id;  // the identity's user
};

// A device a user completed a login from (MFA policy `new_device`).
struct KnownDevice {
  std::string user_id;
  std::string fingerprint;  // X-device-fingerprint
};

// A mini program's server access token (docs/providers.md#wechat-mini-program-stable_token), shared
// by every node of a deployment so that they use one token instead of fetching their own. Sealed at
// rest (AAD: "server-token/" + appid).
struct SharedServerToken {
  std::string appid;
  std::string token;
  UnixSeconds fetched_at = 0;
  UnixSeconds expires_at = 0;
};

// Everything one login outcome writes, applied in one transaction or not at all.
struct LoginCommit {
  std::optional<std::string> consume_code_id;  // fails the commit if used, revoked or expired
  std::optional<std::string> consume_flow_id;  // fails the commit if already consumed or expired
  std::optional<User> new_user;
  std::optional<Identity> new_identity;  // its user_id must be set
  // kIdentityTaken when the identity has a unionid already, the unionid belongs to another user,
  // or another identity of the same provider app holds it.
  std::optional<UnionidAttachment> attach_unionid;
  std::optional<Session> session;
  std::optional<FlowState> new_flow;
  // Recorded (first seen / last seen) with every SUCCESS, so `new_device` asks once per device.
  std::optional<KnownDevice> remember_device;
  UnixSeconds now = 0;
};

enum class CommitResult {
  kOk,
  kCodeNotUsable,  // consume_code_id was used, revoked, expired or unknown
  kFlowNotUsable,  // consume_flow_id was consumed, expired or unknown
  kIdentityTaken,  // the identity (or its unionid) is already linked
  kUserConflict,   // new_user's id, username, mobile or email is taken
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies pending migrations (idempotent). Returns the schema version after.
  virtual int migrate() = 0;
  virtual int schema_version() = 0;

  // Applications. create returns false when the client id exists.
  virtual bool create_application(const Application& app) = 0;
  virtual std::optional<Application> find_application(std::string_view client_id) = 0;
  virtual std::vector<Application> list_applications() = 0;
  virtual bool update_application(const Application& app) = 0;  // false: no such client id

  // Tenants. create: false when the id exists; update (name, updated_at): false when unknown.
  virtual bool create_tenant(const Tenant& tenant) = 0;
  virtual std::optional<Tenant> find_tenant(std::string_view id) = 0;
  virtual std::vector<Tenant> list_tenants() = 0;  // by id
  virtual bool update_tenant(const Tenant& tenant) = 0;

  // Users.
  virtual std::optional<User> find_user(std::string_view user_id) = 0;
  virtual std::optional<User> find_user_by_mobile(std::string_view e164) = 0;
  virtual std::optional<User> find_user_by_email(std::string_view lower_email) = 0;
  virtual std::vector<User> list_users(int limit, int offset) = 0;
  // Disabling a user revokes every session of theirs in the same transaction.
  virtual bool set_user_status(std::string_view user_id, UserStatus status, UnixSeconds now) = 0;

  // Identities.
  virtual std::optional<Identity> find_identity(std::string_view provider,
                                                std::string_view provider_app_id,
                                                std::string_view subject) = 0;
  virtual std::optional<Identity> find_identity_by_unionid(std::string_view provider,
                                                           std::string_view unionid) = 0;
  virtual std::vector<Identity> list_identities(std::string_view user_id) = 0;

  // Whether the user completed a login from this device fingerprint before.
  virtual bool is_known_device(std::string_view user_id, std::string_view fingerprint) = 0;

  // Access-policy assignments. assign is idempotent; false when the user or app does not exist.
  virtual bool assign_user(std::string_view client_id, std::string_view user_id) = 0;
  virtual bool is_assigned(std::string_view client_id, std::string_view user_id) = 0;

  // Sessions. find_session_by_hash finds the session whose current token has this hash (revoked
  // or expired ones too: the caller decides); find_session_by_retired_hash the one that had it
  // before a rotation.
  virtual std::optional<Session> find_session_by_hash(std::string_view token_hash) = 0;
  virtual std::optional<Session> find_session_by_retired_hash(std::string_view token_hash) = 0;
  // False when the session changed meanwhile (another token, revoked, expired) or is unknown.
  virtual bool refresh_session(const SessionRefresh& refresh) = 0;
  // False when unknown or already revoked.
  virtual bool revoke_session(std::string_view session_id, UnixSeconds now) = 0;
  // Revokes every live session of the user; returns how many.
  virtual int revoke_user_sessions(std::string_view user_id, UnixSeconds now) = 0;
  virtual std::optional<Session> find_session(std::string_view session_id) = 0;
  // Every session of the user, revoked and expired ones included, newest first.
  virtual std::vector<Session> list_sessions(std::string_view user_id) = 0;

  // Deletes expired rows in bounded batches (a pass never holds the database long); the caller
  // repeats while PurgeCounts::more().
  virtual PurgeCounts purge_expired(const PurgeRequest& request) = 0;

  // Flows.
  virtual std::optional<FlowState> find_flow_state(std::string_view flow_id) = 0;
  virtual CommitResult commit_login(const LoginCommit& commit) = 0;

  // Verification codes. Inserting a code revokes every earlier live code of the same
  // (flow_id, purpose, target), so only the newest one works.
  virtual void insert_verification_code(const VerificationCode& code) = 0;
  // The newest code of (flow_id, purpose, target) that is not used, not revoked and not expired.
  virtual std::optional<VerificationCode> find_live_code(std::string_view flow_id,
                                                         std::string_view purpose,
                                                         std::string_view target,
                                                         UnixSeconds now) = 0;
  // Counts one failed attempt atomically and revokes the code when attempts reach
  // `max_attempts`; returns the attempts after this one.
  virtual int record_failed_attempt(std::string_view code_id, int max_attempts) = 0;

  // Send accounting for rate limits: one row per delivered message and key ("target:+86...",
  // "peer:203.0.113.7"); counts the rows of a key at or after `since`.
  virtual void record_send(std::string_view key, UnixSeconds at) = 0;
  virtual int count_sends(std::string_view key, UnixSeconds since) = 0;

  // Leases: a named right held by one holder at a time, until it expires or is released, so that
  // one node of several does a thing (fetch a token, send to a target) while the others wait or
  // refuse. acquire_lease: true when `holder` holds `name` until `until` after the call (it was
  // free, expired at `now`, or held by `holder` already). release_lease: frees it if `holder`
  // holds it.
  virtual bool acquire_lease(std::string_view name, std::string_view holder, UnixSeconds now,
                             UnixSeconds until) = 0;
  virtual void release_lease(std::string_view name, std::string_view holder) = 0;

  // The shared mini program server tokens, by appid. save_server_token replaces the appid's row.
  virtual std::optional<SharedServerToken> find_server_token(std::string_view appid) = 0;
  virtual void save_server_token(const SharedServerToken& token) = 0;

  // Signing keys, oldest first.
  virtual std::vector<SigningKeyRecord> list_signing_keys() = 0;
  virtual void insert_signing_key(const SigningKeyRecord& key) = 0;
  // Inserts `key` (active) unless an active key of its algorithm exists, checked and inserted
  // under one lock: of several nodes starting at once on a new database, one creates each
  // algorithm's first key. False, inserting nothing, when such a key exists.
  virtual bool insert_first_signing_key(const SigningKeyRecord& key) = 0;
  // One transaction: every active key of next.algorithm is retired as of next.activates_at with
  // `publish_until`, and `next` (active) is inserted.
  virtual void rotate_signing_key(const SigningKeyRecord& next, UnixSeconds publish_until) = 0;

  // Master-key rotation: every sealed value (application provider secrets, signing keys, shared
  // server tokens) is opened with `from` and sealed again with `to`, same AAD, in one
  // transaction. The store's own sealer plays no part. Throws StoreError, changing nothing, when
  // any value does not open.
  virtual void reseal_secrets(const Sealer& from, const Sealer& to) = 0;

  // Audit trail (append only).
  virtual void append_audit_event(const AuditEvent& event) = 0;
  virtual std::vector<AuditEvent> recent_audit_events(int limit) = 0;
  // Events matching every set filter with id > after_id, oldest first, at most `limit`.
  virtual std::vector<AuditEvent> query_audit_events(const AuditQuery& query) = 0;

  // Admin API tokens. revoke: false when unknown or already revoked.
  virtual void insert_admin_token(const AdminToken& token) = 0;
  virtual std::optional<AdminToken> find_admin_token_by_hash(std::string_view token_hash) = 0;
  virtual std::vector<AdminToken> list_admin_tokens() = 0;
  virtual bool revoke_admin_token(std::string_view id, UnixSeconds now) = 0;

  // Users, for operators. find_users: every user whose id, username, mobile (E.164) or email
  // (lower case) equals `term` exactly, or all users when `term` is empty; by id, at most `limit`
  // after the cursor `after_id` ("" from the start).
  virtual std::vector<User> find_users(std::string_view term, std::string_view after_id,
                                       int limit) = 0;
  // Writes name, mobile, email (and updated_at) of an existing user; kUserConflict when the
  // mobile or email belongs to another user; kOk; kFlowNotUsable is never returned.
  virtual CommitResult update_user(const User& user) = 0;
  // Deletes the user with their identities, unionid claims, sessions (and retired tokens),
  // devices and application assignments, in one transaction; the audit trail keeps its rows.
  // False when there is no such user.
  virtual bool delete_user(std::string_view user_id) = 0;
  // Removes one identity link (the next login with it is a new identity). False when unknown.
  virtual bool unlink_identity(std::string_view provider, std::string_view provider_app_id,
                               std::string_view subject) = 0;
  // Assignments of users to `assigned` applications.
  virtual bool unassign_user(std::string_view client_id, std::string_view user_id) = 0;
  virtual std::vector<std::string> assigned_users(std::string_view client_id) = 0;
};

// Opens the backend the URL names: "sqlite:///absolute/path.db", "sqlite://relative.db",
// "sqlite::memory:" or "postgresql://user:password@host:port/database" (any libpq URL; also
// "postgres://"), with at most `pool_size` connections. Throws StoreError for an unknown scheme or
// a database that cannot be opened; the message never holds the URL past its scheme.
std::unique_ptr<Store> open_store(std::string_view url, const Sealer& sealer, int pool_size = 8);

}  // namespace ciamd
