// SqlStore::commit_login: everything one login writes, in one transaction.
#include "store/sql/rows.hpp"
#include "store/sql/sql_store.hpp"

namespace ciamd {
namespace {

// Marks the flow consumed if it still can be: not consumed yet, not expired. The condition is in
// the UPDATE itself, so of two logins racing on one state token exactly one changes the row.
bool consume_flow(sql::Connection& conn, std::string_view flow_id, UnixSeconds now) {
  auto stmt = conn.prepare(
      "UPDATE flow_states SET consumed = 1 WHERE id = ?1 AND consumed = 0 AND expires_at > ?2");
  stmt.bind_all(flow_id, now);
  return stmt.execute() == 1;
}

// Marks the code used if it still can be: not used, not revoked (by a newer code or by failed
// attempts), not expired. As with flows, the condition is in the UPDATE, so of two commits racing
// on one code exactly one changes the row; a rollback later in the commit makes it usable again.
bool consume_code(sql::Connection& conn, std::string_view code_id, UnixSeconds now) {
  auto stmt = conn.prepare(
      "UPDATE verification_codes SET used = 1 "
      "WHERE id = ?1 AND used = 0 AND revoked = 0 AND expires_at > ?2");
  stmt.bind_all(code_id, now);
  return stmt.execute() == 1;
}

// False when the user's id, username, mobile or email is taken.
bool insert_user(sql::Connection& conn, const User& user) {
  static const std::string sql = sql::insert_sql(sql::kUsers);
  auto stmt = conn.prepare(sql);
  sql::bind_user(stmt, user);
  return stmt.execute_unless_duplicate().has_value();
}

// Claims `unionid` for `user_id` unless another user holds it; true when `user_id` owns it after.
// The first identity with a unionid claims it for its user; later ones only read the claim. The
// primary key of unionid_owners, not the isolation level, decides between two transactions
// claiming at once (see 001_initial.sql). ON CONFLICT DO NOTHING reads the same in PostgreSQL.
bool claim_unionid(sql::Connection& conn, std::string_view provider, std::string_view unionid,
                   std::string_view user_id, UnixSeconds now) {
  {
    auto stmt = conn.prepare(
        "INSERT INTO unionid_owners (provider, unionid, user_id, created_at) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (provider, unionid) DO NOTHING");
    stmt.bind_all(provider, unionid, user_id, now);
    stmt.execute();
  }
  auto stmt =
      conn.prepare("SELECT user_id FROM unionid_owners WHERE provider = ?1 AND unionid = ?2");
  stmt.bind_all(provider, unionid);
  return stmt.step() && stmt.text(0) == user_id;
}

// False when the identity is linked already: the same (provider, app, subject), the same unionid
// in the same provider app, or its unionid belongs to another user (see unionid_owners in
// 001_initial.sql).
bool insert_identity(sql::Connection& conn, const Identity& identity, UnixSeconds now) {
  static const std::string sql = sql::insert_sql(sql::kIdentities);
  {
    auto stmt = conn.prepare(sql);
    sql::bind_identity(stmt, identity);
    if (!stmt.execute_unless_duplicate()) return false;
  }
  if (identity.unionid.empty()) return true;
  return claim_unionid(conn, identity.provider, identity.unionid, identity.user_id, now);
}

// Writes the unionid WeChat now gives for an identity that was linked without one, and claims it
// for the identity's user. False when the identity cannot take it:
//  - no row changes: the identity is unknown, belongs to another user than the caller read (it was
//    relinked meanwhile), or has a unionid already. A unionid once written is never replaced:
//    within one provider app openid and unionid are one-to-one, so a different one is a confused
//    caller, not news, and overwriting it would move the user's claim on the old one;
//  - identities_app_unionid_key: another identity (openid) of the same provider app holds it, so
//    the two cannot both be right;
//  - unionid_owners: another user owns the unionid through another app. Linking it here would
//    make one person two users; the caller's transaction rolls back, session included.
bool attach_unionid(sql::Connection& conn, const UnionidAttachment& attachment, UnixSeconds now) {
  {
    auto stmt = conn.prepare(
        "UPDATE identities SET unionid = ?1 WHERE provider = ?2 AND provider_app_id = ?3 "
        "AND subject = ?4 AND user_id = ?5 AND unionid IS NULL");
    stmt.bind_all(attachment.unionid, attachment.provider, attachment.provider_app_id,
                  attachment.subject, attachment.user_id);
    // nullopt is the unique index: the update changes only unionid, so no other key can clash.
    if (stmt.execute_unless_duplicate() != 1) return false;
  }
  return claim_unionid(conn, attachment.provider, attachment.unionid, attachment.user_id, now);
}

// Records that the user logged in from `device`: first_seen_at on the first login from it,
// last_seen_at on every one. The upsert reads the same in PostgreSQL, and the primary key settles
// two logins from one new device at once (one inserts, the other updates).
void remember_device(sql::Connection& conn, const KnownDevice& device, UnixSeconds now) {
  static const std::string sql = sql::insert_sql(sql::kUserDevices) +
                                 " ON CONFLICT (user_id, device_fingerprint) DO UPDATE SET "
                                 "last_seen_at = excluded.last_seen_at";
  auto stmt = conn.prepare(sql);
  stmt.bind_all(device.user_id, device.fingerprint, now, now);
  stmt.execute();  // an unknown user is a bug in the caller: StoreError, and the commit rolls back
}

}  // namespace

CommitResult SqlStore::commit_login(const LoginCommit& commit) {
  if (commit.new_identity && commit.new_identity->user_id.empty()) {
    throw StoreError("store: commit_login: new_identity has no user_id");
  }
  // An empty unionid would be written as '' (not NULL, the table's "none") and claimed: a bug in
  // the caller, not a conflict.
  if (commit.attach_unionid &&
      (commit.attach_unionid->unionid.empty() || commit.attach_unionid->user_id.empty())) {
    throw StoreError("store: commit_login: attach_unionid has no unionid or no user_id");
  }
  auto conn = pool_->acquire();
  // Every early return and every exception below leaves through tx's destructor: ROLLBACK.
  sql::Transaction tx(*conn);

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
  if (commit.attach_unionid && !attach_unionid(*conn, *commit.attach_unionid, commit.now)) {
    return CommitResult::kIdentityTaken;
  }
  // A duplicate session or flow id means a broken random generator, not a user-facing conflict:
  // execute() throws.
  if (commit.session) {
    static const std::string sql = sql::insert_sql(sql::kSessions);
    auto stmt = conn->prepare(sql);
    sql::bind_session(stmt, *commit.session);
    stmt.execute();
  }
  if (commit.new_flow) {
    static const std::string sql = sql::insert_sql(sql::kFlowStates);
    auto stmt = conn->prepare(sql);
    sql::bind_flow_state(stmt, *commit.new_flow);
    stmt.execute();
  }
  // Last, after the user this commit may create. An empty fingerprint is skipped: it is the same
  // for every device that sends none, so remembering it would let any such device pass as known.
  if (commit.remember_device && !commit.remember_device->fingerprint.empty()) {
    remember_device(*conn, *commit.remember_device, commit.now);
  }
  tx.commit();
  return CommitResult::kOk;
}

}  // namespace ciamd
