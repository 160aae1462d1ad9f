// The single-table reads and writes of SqlStore. migrate() and schema_version() live in
// sql_migrate.cpp, commit_login() in sql_commit.cpp.
#include "store/sql/sql_store.hpp"

#include <utility>

#include "store/sql/rows.hpp"

namespace ciamd {
namespace {

using sql::Connection;
using sql::Statement;

// The first row `sql` yields, mapped by `read`; nullopt when there is none.
template <class Read, class... Args>
auto find_one(Connection& conn, const std::string& sql, Read read, const Args&... args)
    -> std::optional<decltype(read(std::declval<const Statement&>()))> {
  auto stmt = conn.prepare(sql);
  stmt.bind_all(args...);
  if (!stmt.step()) return std::nullopt;
  return read(stmt);
}

// Every row `sql` yields, mapped by `read`.
template <class Read, class... Args>
auto find_all(Connection& conn, const std::string& sql, Read read, const Args&... args)
    -> std::vector<decltype(read(std::declval<const Statement&>()))> {
  std::vector<decltype(read(std::declval<const Statement&>()))> rows;
  auto stmt = conn.prepare(sql);
  stmt.bind_all(args...);
  while (stmt.step()) rows.push_back(read(stmt));
  return rows;
}

bool exists(Connection& conn, const std::string& sql, std::string_view key) {
  auto stmt = conn.prepare(sql);
  stmt.bind_all(key);
  return stmt.step();
}

// Revokes every session of the user not revoked yet (expired ones included: revoked is final,
// expiry depends on the clock); returns how many.
int revoke_sessions_of(Connection& conn, std::string_view user_id) {
  auto stmt = conn.prepare("UPDATE sessions SET revoked = 1 WHERE user_id = ?1 AND revoked = 0");
  stmt.bind_all(user_id);
  return stmt.execute();
}

// Deletes a batch of expired rows of `parent` (expires_at < now, oldest first: the expiry index
// hands them over without a sort) and first the rows of `child` that point at them through
// `child_key`. Both statements name the same batch: the subquery is deterministic, and the write
// transaction keeps it so.
int purge_expired_with_children(Connection& conn, std::string_view parent, std::string_view child,
                                std::string_view child_key, UnixSeconds now, int batch) {
  const std::string expired = "(SELECT id FROM " + std::string(parent) +
                              " WHERE expires_at < ?1 ORDER BY expires_at, id LIMIT ?2)";
  sql::Transaction tx(conn);
  // Nodes sharing a database purge one at a time: two batches deleting the same rows would only
  // wait on each other's row locks.
  conn.lock_key("purge:" + std::string(parent));
  {  // statements are finished before the commit
    auto children = conn.prepare("DELETE FROM " + std::string(child) + " WHERE " +
                                 std::string(child_key) + " IN " + expired);
    children.bind_all(now, batch);
    children.execute();
  }
  int deleted = 0;
  {
    auto parents = conn.prepare("DELETE FROM " + std::string(parent) + " WHERE id IN " + expired);
    parents.bind_all(now, batch);
    deleted = parents.execute();
  }
  tx.commit();
  return deleted;
}

// send_events has no key (002_verification_codes.sql): a batch is picked by the row's physical
// address, SQLite's rowid or PostgreSQL's ctid. Any old rows will do, so there is no ORDER BY.
int purge_send_events(sql::Connection& conn, UnixSeconds before, int batch) {
  static const std::string sqlite_sql =
      "DELETE FROM send_events WHERE rowid IN "
      "(SELECT rowid FROM send_events WHERE sent_at < ?1 LIMIT ?2)";
  static const std::string postgres_sql =
      "DELETE FROM send_events WHERE ctid IN "
      "(SELECT ctid FROM send_events WHERE sent_at < ?1 LIMIT ?2)";
  auto stmt = conn.prepare(conn.dialect() == sql::Dialect::kPostgres ? postgres_sql : sqlite_sql);
  stmt.bind_all(before, batch);
  return stmt.execute();
}

}  // namespace

SqlStore::SqlStore(std::unique_ptr<sql::ConnectionPool> pool, const Sealer& sealer)
    : pool_(std::move(pool)), sealer_(sealer) {}

// --- Applications ------------------------------------------------------------------------------

bool SqlStore::create_application(const Application& app) {
  static const std::string sql = sql::insert_sql(sql::kApplications);
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(sql);
  sql::bind_application(stmt, app, sealer_);
  return stmt.execute_unless_duplicate().has_value();
}

std::optional<Application> SqlStore::find_application(std::string_view client_id) {
  static const std::string sql = sql::select_sql(sql::kApplications, "WHERE client_id = ?1");
  auto conn = pool_->acquire();
  return find_one(
      *conn, sql, [this](const Statement& row) { return sql::read_application(row, sealer_); },
      client_id);
}

std::vector<Application> SqlStore::list_applications() {
  static const std::string sql = sql::select_sql(sql::kApplications, "ORDER BY client_id");
  auto conn = pool_->acquire();
  return find_all(*conn, sql,
                  [this](const Statement& row) { return sql::read_application(row, sealer_); });
}

bool SqlStore::update_application(const Application& app) {
  // Parameters as bind_application numbers them (the column order of kApplications); created_at
  // (?22) is bound but deliberately not written.
  static const std::string sql =
      "UPDATE applications SET name = ?2, enabled = ?3, unbound_policy = ?4, bind_methods = ?5, "
      "access_policy = ?6, mfa_policy = ?7, mfa_factors = ?8, wechat_appid = ?9, "
      "wechat_secret_sealed = ?10, wechat_session_ttl = ?11, miniprogram_appid = ?12, "
      "miniprogram_secret_sealed = ?13, miniprogram_session_ttl = ?14, weibo_app_key = ?15, "
      "weibo_session_ttl = ?16, id_token_ttl = ?17, id_token_alg = ?18, session_lifetime = ?19, "
      "session_max_lifetime = ?20, rotate_session_token = ?21, updated_at = ?23, tenant_id = ?24, "
      "allowed_country_codes = ?25, hourly_send_budget = ?26 WHERE client_id = ?1";
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(sql);
  sql::bind_application(stmt, app, sealer_);
  return stmt.execute() > 0;
}

// --- Users -------------------------------------------------------------------------------------

std::optional<User> SqlStore::find_user(std::string_view user_id) {
  static const std::string sql = sql::select_sql(sql::kUsers, "WHERE id = ?1");
  auto conn = pool_->acquire();
  return find_one(*conn, sql, sql::read_user, user_id);
}

std::optional<User> SqlStore::find_user_by_mobile(std::string_view e164) {
  static const std::string sql = sql::select_sql(sql::kUsers, "WHERE mobile = ?1");
  if (e164.empty()) return std::nullopt;  // "no mobile" is NULL in the table, never a match
  auto conn = pool_->acquire();
  return find_one(*conn, sql, sql::read_user, e164);
}

std::optional<User> SqlStore::find_user_by_email(std::string_view lower_email) {
  static const std::string sql = sql::select_sql(sql::kUsers, "WHERE email = ?1");
  if (lower_email.empty()) return std::nullopt;
  auto conn = pool_->acquire();
  return find_one(*conn, sql, sql::read_user, lower_email);
}

bool SqlStore::set_user_status(std::string_view user_id, UserStatus status, UnixSeconds now) {
  auto conn = pool_->acquire();
  // One transaction, so that no login can see the user disabled while a session of theirs still
  // works. Enabling again revokes nothing and restores nothing: the user logs in anew.
  sql::Transaction tx(*conn);
  {
    auto stmt = conn->prepare("UPDATE users SET status = ?1, updated_at = ?2 WHERE id = ?3");
    stmt.bind_all(to_string(status), now, user_id);
    if (stmt.execute() == 0) return false;
  }
  if (status == UserStatus::kDisabled) revoke_sessions_of(*conn, user_id);
  tx.commit();
  return true;
}

// --- Identities --------------------------------------------------------------------------------

std::optional<Identity> SqlStore::find_identity(std::string_view provider,
                                                std::string_view provider_app_id,
                                                std::string_view subject) {
  static const std::string sql = sql::select_sql(
      sql::kIdentities, "WHERE provider = ?1 AND provider_app_id = ?2 AND subject = ?3");
  auto conn = pool_->acquire();
  return find_one(*conn, sql, sql::read_identity, provider, provider_app_id, subject);
}

std::optional<Identity> SqlStore::find_identity_by_unionid(std::string_view provider,
                                                           std::string_view unionid) {
  // Several identities may share a unionid (one per provider app), all of one user
  // (unionid_owners sees to that); the oldest is as good an answer as any, and a stable one.
  static const std::string sql = sql::select_sql(
      sql::kIdentities,
      "WHERE provider = ?1 AND unionid = ?2 ORDER BY created_at, provider_app_id LIMIT 1");
  if (unionid.empty()) return std::nullopt;
  auto conn = pool_->acquire();
  return find_one(*conn, sql, sql::read_identity, provider, unionid);
}

std::vector<Identity> SqlStore::list_identities(std::string_view user_id) {
  static const std::string sql = sql::select_sql(
      sql::kIdentities, "WHERE user_id = ?1 ORDER BY created_at, provider, provider_app_id");
  auto conn = pool_->acquire();
  return find_all(*conn, sql, sql::read_identity, user_id);
}

// --- Known devices -------------------------------------------------------------------------------

bool SqlStore::is_known_device(std::string_view user_id, std::string_view fingerprint) {
  // commit_login never remembers an empty fingerprint; asking about one is answered the same way.
  if (fingerprint.empty()) return false;
  auto conn = pool_->acquire();
  auto stmt =
      conn->prepare("SELECT 1 FROM user_devices WHERE user_id = ?1 AND device_fingerprint = ?2");
  stmt.bind_all(user_id, fingerprint);
  return stmt.step();
}

// --- Assignments -------------------------------------------------------------------------------

bool SqlStore::assign_user(std::string_view client_id, std::string_view user_id) {
  static const std::string app_exists = "SELECT 1 FROM applications WHERE client_id = ?1";
  static const std::string user_exists = "SELECT 1 FROM users WHERE id = ?1";
  auto conn = pool_->acquire();
  // Checked inside the write transaction, rather than read off a foreign-key failure, so that
  // "no such app/user" is told apart from other failures and assigning twice is not an error.
  sql::Transaction tx(*conn);
  if (!exists(*conn, app_exists, client_id) || !exists(*conn, user_exists, user_id)) return false;
  {
    auto stmt = conn->prepare(
        "INSERT INTO app_assignments (client_id, user_id) VALUES (?1, ?2) "
        "ON CONFLICT (client_id, user_id) DO NOTHING");
    stmt.bind_all(client_id, user_id);
    stmt.execute();
  }
  tx.commit();
  return true;
}

bool SqlStore::is_assigned(std::string_view client_id, std::string_view user_id) {
  auto conn = pool_->acquire();
  auto stmt = conn->prepare("SELECT 1 FROM app_assignments WHERE client_id = ?1 AND user_id = ?2");
  stmt.bind_all(client_id, user_id);
  return stmt.step();
}

// --- Sessions and flows ------------------------------------------------------------------------

std::optional<Session> SqlStore::find_session_by_hash(std::string_view token_hash) {
  static const std::string sql = sql::select_sql(sql::kSessions, "WHERE token_hash = ?1");
  auto conn = pool_->acquire();
  return find_one(*conn, sql, sql::read_session, token_hash);
}

std::optional<Session> SqlStore::find_session_by_retired_hash(std::string_view token_hash) {
  // A subquery rather than a join: both tables have a token_hash column, and the select list is
  // kSessions' unqualified one.
  static const std::string sql = sql::select_sql(
      sql::kSessions,
      "WHERE id = (SELECT session_id FROM retired_session_tokens WHERE token_hash = ?1)");
  auto conn = pool_->acquire();
  return find_one(*conn, sql, sql::read_session, token_hash);
}

bool SqlStore::refresh_session(const SessionRefresh& refresh) {
  auto conn = pool_->acquire();
  sql::Transaction tx(*conn);
  {
    // The whole check is in the WHERE clause (compare-and-swap): of two refreshes presenting the
    // same token, the second finds the token replaced (rotation) or, without rotation, finds it
    // still there and extends the session again, which is harmless.
    auto stmt = conn->prepare(
        "UPDATE sessions SET token_hash = ?1, expires_at = ?2, last_refreshed_at = ?3 "
        "WHERE id = ?4 AND token_hash = ?5 AND revoked = 0 AND expires_at > ?3");
    stmt.bind_all(refresh.new_token_hash, refresh.new_expires_at, refresh.now, refresh.session_id,
                  refresh.presented_token_hash);
    if (stmt.execute() == 0) return false;
  }
  if (refresh.new_token_hash != refresh.presented_token_hash) {
    auto stmt = conn->prepare(
        "INSERT INTO retired_session_tokens (token_hash, session_id, retired_at) "
        "VALUES (?1, ?2, ?3)");
    stmt.bind_all(refresh.presented_token_hash, refresh.session_id, refresh.now);
    stmt.execute();
  }
  tx.commit();
  return true;
}

bool SqlStore::revoke_session(std::string_view session_id, UnixSeconds /*now*/) {
  // `now` is not stored: sessions has no revoked_at column (the audit trail says when).
  auto conn = pool_->acquire();
  auto stmt = conn->prepare("UPDATE sessions SET revoked = 1 WHERE id = ?1 AND revoked = 0");
  stmt.bind_all(session_id);
  return stmt.execute() > 0;
}

int SqlStore::revoke_user_sessions(std::string_view user_id, UnixSeconds /*now*/) {
  auto conn = pool_->acquire();
  return revoke_sessions_of(*conn, user_id);
}

std::optional<Session> SqlStore::find_session(std::string_view session_id) {
  static const std::string sql = sql::select_sql(sql::kSessions, "WHERE id = ?1");
  auto conn = pool_->acquire();
  return find_one(*conn, sql, sql::read_session, session_id);
}

std::vector<Session> SqlStore::list_sessions(std::string_view user_id) {
  static const std::string sql =
      sql::select_sql(sql::kSessions, "WHERE user_id = ?1 ORDER BY created_at DESC, id DESC");
  auto conn = pool_->acquire();
  return find_all(*conn, sql, sql::read_session, user_id);
}

PurgeCounts SqlStore::purge_expired(const PurgeRequest& request) {
  // SQLite reads a negative LIMIT as "no limit", and a batch of 0 would have the caller repeat
  // forever (more() is always true).
  if (request.batch < 1) throw StoreError("store: purge_expired: batch < 1");
  auto conn = pool_->acquire();
  // A transaction per kind rather than one for the pass: each holds the write lock only briefly.
  PurgeCounts counts;
  // Retired tokens go with their sessions, verification codes with their flows (foreign keys).
  // An expired session cannot gain a retired token meanwhile: only live sessions rotate.
  counts.sessions = purge_expired_with_children(*conn, "sessions", "retired_session_tokens",
                                                "session_id", request.now, request.batch);
  counts.flows = purge_expired_with_children(*conn, "flow_states", "verification_codes", "flow_id",
                                             request.now, request.batch);
  counts.send_events = purge_send_events(*conn, request.send_events_before, request.batch);
  return counts;
}

std::optional<FlowState> SqlStore::find_flow_state(std::string_view flow_id) {
  static const std::string sql = sql::select_sql(sql::kFlowStates, "WHERE id = ?1");
  auto conn = pool_->acquire();
  return find_one(*conn, sql, sql::read_flow_state, flow_id);
}

// --- Verification codes and sends --------------------------------------------------------------

void SqlStore::insert_verification_code(const VerificationCode& code) {
  static const std::string sql = sql::insert_sql(sql::kVerificationCodes);
  auto conn = pool_->acquire();
  sql::Transaction tx(*conn);
  // Two sends for one triple at once: the second waits here until the first commits, then revokes
  // its code (rather than failing on verification_codes_live_key with its insert).
  conn->lock_key("code:" + code.flow_id + "/" + code.purpose + "/" + code.target);
  {
    // Every earlier code of the triple that is neither used nor revoked, expired ones included:
    // the unique index verification_codes_live_key allows one such row, and revoking an expired
    // code changes nothing a caller could observe.
    auto stmt = conn->prepare(
        "UPDATE verification_codes SET revoked = 1 "
        "WHERE flow_id = ?1 AND purpose = ?2 AND target = ?3 AND used = 0 AND revoked = 0");
    stmt.bind_all(code.flow_id, code.purpose, code.target);
    stmt.execute();
  }
  {
    auto stmt = conn->prepare(sql);
    sql::bind_verification_code(stmt, code);
    stmt.execute();  // a duplicate id or an unknown flow is a bug in the caller: StoreError
  }
  tx.commit();
}

std::optional<VerificationCode> SqlStore::find_live_code(std::string_view flow_id,
                                                         std::string_view purpose,
                                                         std::string_view target, UnixSeconds now) {
  // "Newest" by created_at, then id for a stable answer; the unique index leaves at most one
  // candidate anyway.
  static const std::string sql = sql::select_sql(
      sql::kVerificationCodes,
      "WHERE flow_id = ?1 AND purpose = ?2 AND target = ?3 AND used = 0 AND revoked = 0 "
      "AND expires_at > ?4 ORDER BY created_at DESC, id DESC LIMIT 1");
  auto conn = pool_->acquire();
  return find_one(*conn, sql, sql::read_verification_code, flow_id, purpose, target, now);
}

int SqlStore::record_failed_attempt(std::string_view code_id, int max_attempts) {
  if (max_attempts < 1) throw StoreError("store: record_failed_attempt: max_attempts < 1");
  auto conn = pool_->acquire();
  // Read and increment in one statement, so that concurrent wrong guesses each count (a read
  // followed by a write would let two guesses share one count). "attempts < ?2" stops the count
  // at the maximum; CASE rather than a boolean because PostgreSQL will not store a boolean in an
  // INTEGER column, and "ELSE revoked" keeps a code that a newer one revoked revoked.
  {
    auto stmt = conn->prepare(
        "UPDATE verification_codes SET attempts = attempts + 1, "
        "revoked = CASE WHEN attempts + 1 >= ?2 THEN 1 ELSE revoked END "
        "WHERE id = ?1 AND attempts < ?2 RETURNING attempts");
    stmt.bind_all(code_id, max_attempts);
    if (stmt.step()) {
      const int attempts = static_cast<int>(stmt.int64(0));
      stmt.execute();  // run to completion, so that the autocommit write commits here
      return attempts;
    }
  }
  // Nothing changed: no such code (0), or it is at the maximum already; attempts never decrease,
  // so reading them outside the UPDATE is still exact.
  auto stmt = conn->prepare("SELECT attempts FROM verification_codes WHERE id = ?1");
  stmt.bind_all(code_id);
  return stmt.step() ? static_cast<int>(stmt.int64(0)) : 0;
}

void SqlStore::record_send(std::string_view key, std::string_view target, UnixSeconds at) {
  auto conn = pool_->acquire();
  auto stmt =
      conn->prepare("INSERT INTO send_events (send_key, target, sent_at) VALUES (?1, ?2, ?3)");
  stmt.bind_all(key, target, at);
  stmt.execute();
}

int SqlStore::count_sends(std::string_view key, UnixSeconds since) {
  auto conn = pool_->acquire();
  auto stmt =
      conn->prepare("SELECT COUNT(*) FROM send_events WHERE send_key = ?1 AND sent_at >= ?2");
  stmt.bind_all(key, since);
  stmt.step();
  return static_cast<int>(stmt.int64(0));
}

int SqlStore::count_other_targets(std::string_view key, std::string_view target,
                                  UnixSeconds since) {
  auto conn = pool_->acquire();
  // send_events_key_idx narrows to the key's rows in the window; a key has few of them (a flow a
  // handful, a device at most its daily cap), so the distinct count is cheap.
  auto stmt = conn->prepare(
      "SELECT COUNT(DISTINCT target) FROM send_events "
      "WHERE send_key = ?1 AND sent_at >= ?2 AND target <> ?3");
  stmt.bind_all(key, since, target);
  stmt.step();
  return static_cast<int>(stmt.int64(0));
}

// --- Signing keys ------------------------------------------------------------------------------

std::vector<SigningKeyRecord> SqlStore::list_signing_keys() {
  static const std::string sql = sql::select_sql(sql::kSigningKeys, "ORDER BY created_at, kid");
  auto conn = pool_->acquire();
  return find_all(*conn, sql, sql::read_signing_key);
}

void SqlStore::insert_signing_key(const SigningKeyRecord& key) {
  static const std::string sql = sql::insert_sql(sql::kSigningKeys);
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(sql);
  sql::bind_signing_key(stmt, key);
  stmt.execute();  // a duplicate kid is a bug in the caller: StoreError
}

bool SqlStore::insert_first_signing_key(const SigningKeyRecord& key) {
  static const std::string sql = sql::insert_sql(sql::kSigningKeys);
  if (key.state != "active") throw StoreError("store: insert_first_signing_key: key not active");
  auto conn = pool_->acquire();
  sql::Transaction tx(*conn);
  conn->lock_key("signing_keys");  // the same lock as rotations
  {
    auto stmt =
        conn->prepare("SELECT 1 FROM signing_keys WHERE algorithm = ?1 AND state = 'active'");
    stmt.bind_all(key.algorithm);
    if (stmt.step()) return false;
  }
  {
    auto stmt = conn->prepare(sql);
    sql::bind_signing_key(stmt, key);
    stmt.execute();
  }
  tx.commit();
  return true;
}

void SqlStore::rotate_signing_key(const SigningKeyRecord& next, UnixSeconds publish_until) {
  static const std::string insert = sql::insert_sql(sql::kSigningKeys);
  // The retirement below is meant to hand signing over to `next`; a `next` that is not active
  // would leave the algorithm without a signer.
  if (next.state != "active") throw StoreError("store: rotate_signing_key: next is not active");
  auto conn = pool_->acquire();
  sql::Transaction tx(*conn);
  conn->lock_key("signing_keys");  // two rotations at once: one after the other
  {
    auto stmt = conn->prepare(
        "UPDATE signing_keys SET state = 'retired', retired_at = ?1, publish_until = ?2 "
        "WHERE algorithm = ?3 AND state = 'active'");
    stmt.bind_all(next.activates_at, publish_until, next.algorithm);
    stmt.execute();
  }
  {
    auto stmt = conn->prepare(insert);
    sql::bind_signing_key(stmt, next);
    stmt.execute();  // a duplicate kid is a bug in the caller: StoreError, nothing retired
  }
  tx.commit();
}

// --- Audit -------------------------------------------------------------------------------------

void SqlStore::append_audit_event(const AuditEvent& event) {
  static const std::string sql = sql::insert_sql(sql::kAuditEvents);
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(sql);
  sql::bind_audit_event(stmt, event);
  stmt.execute();
}

std::vector<AuditEvent> SqlStore::recent_audit_events(int limit) {
  static const std::string sql = sql::audit_select_sql("ORDER BY id DESC LIMIT ?1");
  if (limit <= 0) return {};
  auto conn = pool_->acquire();
  return find_all(*conn, sql, sql::read_audit_event, limit);
}

}  // namespace ciamd
