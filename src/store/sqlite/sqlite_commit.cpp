// SqliteStore::commit_login: everything one login writes, in one transaction.
#include "store/sqlite/rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace ciamd {
namespace {

// Marks the flow consumed if it still can be: not consumed yet, not expired. The condition is in
// the UPDATE itself, so of two logins racing on one state token exactly one changes the row.
bool consume_flow(sqlite::Connection& conn, std::string_view flow_id, UnixSeconds now) {
  auto stmt = conn.prepare(
      "UPDATE flow_states SET consumed = 1 WHERE id = ?1 AND consumed = 0 AND expires_at > ?2");
  stmt.bind_all(flow_id, now);
  return stmt.execute() == 1;
}

// Marks the code used if it still can be: not used, not revoked (by a newer code or by failed
// attempts), not expired. As with flows, the condition is in the UPDATE, so of two commits racing
// on one code exactly one changes the row; a rollback later in the commit makes it usable again.
bool consume_code(sqlite::Connection& conn, std::string_view code_id, UnixSeconds now) {
  auto stmt = conn.prepare(
      "UPDATE verification_codes SET used = 1 "
      "WHERE id = ?1 AND used = 0 AND revoked = 0 AND expires_at > ?2");
  stmt.bind_all(code_id, now);
  return stmt.execute() == 1;
}

// False when the user's id, username, mobile or email is taken.
bool insert_user(sqlite::Connection& conn, const User& user) {
  static const std::string sql = sqlite::insert_sql(sqlite::kUsers);
  auto stmt = conn.prepare(sql);
  sqlite::bind_user(stmt, user);
  return stmt.execute_unless_duplicate().has_value();
}

// False when the identity is linked already: the same (provider, app, subject), the same unionid
// in the same provider app, or its unionid belongs to another user (see unionid_owners in
// 001_initial.sql).
bool insert_identity(sqlite::Connection& conn, const Identity& identity, UnixSeconds now) {
  static const std::string sql = sqlite::insert_sql(sqlite::kIdentities);
  {
    auto stmt = conn.prepare(sql);
    sqlite::bind_identity(stmt, identity);
    if (!stmt.execute_unless_duplicate()) return false;
  }
  if (identity.unionid.empty()) return true;
  {
    // The first identity with this unionid claims it for its user; later ones only read the
    // claim. ON CONFLICT DO NOTHING reads the same in PostgreSQL.
    auto stmt = conn.prepare(
        "INSERT INTO unionid_owners (provider, unionid, user_id, created_at) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (provider, unionid) DO NOTHING");
    stmt.bind_all(identity.provider, identity.unionid, identity.user_id, now);
    stmt.execute();
  }
  auto stmt =
      conn.prepare("SELECT user_id FROM unionid_owners WHERE provider = ?1 AND unionid = ?2");
  stmt.bind_all(identity.provider, identity.unionid);
  return stmt.step() && stmt.text(0) == identity.user_id;
}

}  // namespace

CommitResult SqliteStore::commit_login(const LoginCommit& commit) {
  if (commit.new_identity && commit.new_identity->user_id.empty()) {
    throw StoreError("store: commit_login: new_identity has no user_id");
  }
  auto conn = pool_.acquire();
  // Every early return and every exception below leaves through tx's destructor: ROLLBACK.
  sqlite::Transaction tx(*conn);

  // The code first: a wrong, spent or revoked code must fail as such (kCodeNotUsable) even when the
  // flow is also spent, and it is the cheaper check.
  if (commit.consume_code_id && !consume_code(*conn, *commit.consume_code_id, commit.now)) {
    return CommitResult::kCodeNotUsable;
  }
  if (commit.consume_flow_id && !consume_flow(*conn, *commit.consume_flow_id, commit.now)) {
    return CommitResult::kFlowNotUsable;
  }
  if (commit.new_user && !insert_user(*conn, *commit.new_user)) {
    return CommitResult::kUserConflict;
  }
  if (commit.new_identity && !insert_identity(*conn, *commit.new_identity, commit.now)) {
    return CommitResult::kIdentityTaken;
  }
  // A duplicate session or flow id means a broken random generator, not a user-facing conflict:
  // execute() throws.
  if (commit.session) {
    static const std::string sql = sqlite::insert_sql(sqlite::kSessions);
    auto stmt = conn->prepare(sql);
    sqlite::bind_session(stmt, *commit.session);
    stmt.execute();
  }
  if (commit.new_flow) {
    static const std::string sql = sqlite::insert_sql(sqlite::kFlowStates);
    auto stmt = conn->prepare(sql);
    sqlite::bind_flow_state(stmt, *commit.new_flow);
    stmt.execute();
  }
  tx.commit();
  return CommitResult::kOk;
}

}  // namespace ciamd
