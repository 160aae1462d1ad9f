// The SqlStore methods behind the admin API: audit queries, admin tokens, and the operator's
// user, identity and assignment edits.
#include <cstdint>
#include <limits>
#include <utility>

#include "store/sql/rows.hpp"
#include "store/sql/sql_store.hpp"

namespace ciamd {
namespace {

using sql::Connection;
using sql::Statement;

// admin_tokens is read and written only here, so its mapping lives here rather than in rows.hpp.
constexpr sql::Table kAdminTokens{"admin_tokens",
                                  "id, name, token_hash, created_at, expires_at, revoked_at"};

void bind_admin_token(Statement& stmt, const AdminToken& token) {
  stmt.bind_all(token.id, token.name, token.token_hash, token.created_at, token.expires_at,
                token.revoked_at);
}

AdminToken read_admin_token(const Statement& row) {
  AdminToken token;
  token.id = row.text(0);
  token.name = row.text(1);
  token.token_hash = row.text(2);
  token.created_at = row.int64(3);
  token.expires_at = row.int64(4);
  token.revoked_at = row.int64(5);
  return token;
}

std::string read_first_text(const Statement& row) {
  return row.text(0);
}

// Every row the statement yields once bound, mapped by `read`.
template <class Read>
auto read_all(Statement& stmt, Read read)
    -> std::vector<decltype(read(std::declval<const Statement&>()))> {
  std::vector<decltype(read(std::declval<const Statement&>()))> rows;
  while (stmt.step()) rows.push_back(read(stmt));
  return rows;
}

// Runs a write of `sql` with `args` bound; returns the rows it changed.
template <class... Args>
int execute(Connection& conn, const std::string& sql, const Args&... args) {
  auto stmt = conn.prepare(sql);
  stmt.bind_all(args...);
  return stmt.execute();
}

// The WHERE clause of an audit query: only the filters that are set, so that SQLite can use
// audit_events_user_idx or audit_events_client_idx (a "(?n = '' OR user_id = ?n)" form would hide
// the column from the planner). Parameters: ?1 the cursor, then one per filter in this order, then
// the limit. Newest first walks the primary key backwards (both databases read the index in
// either direction). At most 2^7 distinct texts, each prepared once per connection.
std::string audit_query_sql(const AuditQuery& query) {
  const bool newest_first = query.order == AuditOrder::kNewestFirst;
  std::string where = newest_first ? "WHERE id < ?1" : "WHERE id > ?1";
  int index = 1;
  const auto add = [&](bool set, std::string_view condition) {
    if (!set) return;
    where += " AND ";
    where += condition;
    where += " ?" + std::to_string(++index);
  };
  add(!query.user_id.empty(), "user_id =");
  add(!query.client_id.empty(), "client_id =");
  add(!query.event.empty(), "event =");
  add(!query.outcome.empty(), "outcome =");
  add(query.from != 0, "at >=");
  add(query.to != 0, "at <");
  return sql::audit_select_sql(where + (newest_first ? " ORDER BY id DESC" : " ORDER BY id") +
                               " LIMIT ?" + std::to_string(index + 1));
}

}  // namespace

// --- Audit -------------------------------------------------------------------------------------

std::vector<AuditEvent> SqlStore::query_audit_events(const AuditQuery& query) {
  // SQLite reads a negative LIMIT as "no limit"; the caller asked for a bound.
  if (query.limit < 1) return {};
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(audit_query_sql(query));
  // Bound in the order audit_query_sql numbers them.
  int index = 0;
  // Newest first from the start: below every id there is.
  const bool from_newest = query.order == AuditOrder::kNewestFirst && query.after_id == 0;
  stmt.bind(++index, from_newest ? std::numeric_limits<std::int64_t>::max() : query.after_id);
  if (!query.user_id.empty()) stmt.bind(++index, query.user_id);
  if (!query.client_id.empty()) stmt.bind(++index, query.client_id);
  if (!query.event.empty()) stmt.bind(++index, query.event);
  if (!query.outcome.empty()) stmt.bind(++index, query.outcome);
  if (query.from != 0) stmt.bind(++index, query.from);
  if (query.to != 0) stmt.bind(++index, query.to);
  stmt.bind(++index, query.limit);
  return read_all(stmt, sql::read_audit_event);
}

// --- Admin tokens ------------------------------------------------------------------------------

void SqlStore::insert_admin_token(const AdminToken& token) {
  static const std::string sql = sql::insert_sql(kAdminTokens);
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(sql);
  bind_admin_token(stmt, token);
  // The caller checks the name first; a duplicate here is a race with another creation (or a
  // repeated random id or token), which the caller cannot fix by retrying the same token.
  if (!stmt.execute_unless_duplicate()) {
    throw StoreError("store: an admin token with this id, name or token hash exists");
  }
}

std::optional<AdminToken> SqlStore::find_admin_token_by_hash(std::string_view token_hash) {
  static const std::string sql = sql::select_sql(kAdminTokens, "WHERE token_hash = ?1");
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(sql);
  stmt.bind_all(token_hash);
  if (!stmt.step()) return std::nullopt;
  return read_admin_token(stmt);
}

std::vector<AdminToken> SqlStore::list_admin_tokens() {
  static const std::string sql = sql::select_sql(kAdminTokens, "ORDER BY created_at, name");
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(sql);
  return read_all(stmt, read_admin_token);
}

bool SqlStore::revoke_admin_token(std::string_view id, UnixSeconds now) {
  // revoked_at = 0 means "not revoked": revoking at time 0 would report success and leave the
  // token usable.
  if (now <= 0) throw StoreError("store: revoke_admin_token: now must be positive");
  auto conn = pool_->acquire();
  return execute(*conn, "UPDATE admin_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = 0",
                 id, now) > 0;
}

// --- Users -------------------------------------------------------------------------------------

std::vector<User> SqlStore::find_users(std::string_view term, std::string_view after_id,
                                       int limit) {
  // Exact matches only, each through an index (primary key, username's UNIQUE, the partial
  // mobile and email indexes). "" never matches a mobile or email: those are NULL when absent.
  static const std::string all_sql =
      sql::select_sql(sql::kUsers, "WHERE id > ?1 ORDER BY id LIMIT ?2");
  static const std::string term_sql =
      sql::select_sql(sql::kUsers,
                      "WHERE (id = ?1 OR username = ?1 OR mobile = ?1 OR email = ?1) AND id > ?2 "
                      "ORDER BY id LIMIT ?3");
  if (limit < 1) return {};  // a negative LIMIT is no limit to SQLite
  auto conn = pool_->acquire();
  if (term.empty()) {
    auto stmt = conn->prepare(all_sql);
    stmt.bind_all(after_id, limit);
    return read_all(stmt, sql::read_user);
  }
  auto stmt = conn->prepare(term_sql);
  stmt.bind_all(term, after_id, limit);
  return read_all(stmt, sql::read_user);
}

UserUpdate SqlStore::update_user(const User& user) {
  // username, status and created_at are not the operator's to edit here (status has
  // set_user_status, which revokes sessions with it).
  auto conn = pool_->acquire();
  auto stmt = conn->prepare(
      "UPDATE users SET name = ?2, mobile = ?3, email = ?4, updated_at = ?5 WHERE id = ?1");
  stmt.bind_all(user.id, user.name, sql::NullIfEmpty{user.mobile}, sql::NullIfEmpty{user.email},
                user.updated_at);
  // The only UNIQUE keys this statement can break are users_mobile_key and users_email_key.
  const std::optional<int> changed = stmt.execute_unless_duplicate();
  if (!changed) return UserUpdate::kContactTaken;
  return *changed == 1 ? UserUpdate::kOk : UserUpdate::kUnknownUser;
}

bool SqlStore::delete_user(std::string_view user_id) {
  // Children before the user, grandchildren before children: foreign keys are enforced (and
  // immediate), so each DELETE must leave no row pointing at one it removes. audit_events has no
  // foreign keys and keeps its rows: user ids are minted from the time and random bits
  // (flows/ids.hpp), so no later user inherits the trail.
  // MFA flows name their user; they go with their verification codes. Other flows name no user.
  static const std::string statements[] = {
      "DELETE FROM retired_session_tokens WHERE session_id IN "
      "(SELECT id FROM sessions WHERE user_id = ?1)",
      "DELETE FROM sessions WHERE user_id = ?1",
      "DELETE FROM verification_codes WHERE flow_id IN "
      "(SELECT id FROM flow_states WHERE user_id = ?1)",
      "DELETE FROM flow_states WHERE user_id = ?1",
      "DELETE FROM user_devices WHERE user_id = ?1",
      "DELETE FROM app_assignments WHERE user_id = ?1",
      "DELETE FROM unionid_owners WHERE user_id = ?1",
      "DELETE FROM identities WHERE user_id = ?1",
  };
  auto conn = pool_->acquire();
  sql::Transaction tx(*conn);
  for (const std::string& sql : statements) execute(*conn, sql, user_id);
  // Last, so that an unknown user is found without a read of its own; the deletes above then
  // removed nothing, and the rollback undoes nothing.
  if (execute(*conn, "DELETE FROM users WHERE id = ?1", user_id) == 0) return false;
  tx.commit();
  return true;
}

// --- Identities --------------------------------------------------------------------------------

bool SqlStore::unlink_identity(std::string_view provider, std::string_view provider_app_id,
                               std::string_view subject) {
  auto conn = pool_->acquire();
  sql::Transaction tx(*conn);
  std::string unionid;
  {
    // RETURNING reads the unionid of the very row deleted, inside the write transaction.
    auto stmt = conn->prepare(
        "DELETE FROM identities WHERE provider = ?1 AND provider_app_id = ?2 AND subject = ?3 "
        "RETURNING unionid");
    stmt.bind_all(provider, provider_app_id, subject);
    if (!stmt.step()) return false;
    unionid = stmt.text(0);
    stmt.execute();  // run to completion, so the delete is done before the next statement
  }
  // The claim on the unionid goes with the last identity holding it (the user's other app or mini
  // program may still hold it), so that the same person logging in again is not held to a user
  // they are no longer linked to. Every identity of a unionid belongs to its owner, so "no
  // identity holds it" is "no identity of the owner holds it".
  if (!unionid.empty()) {
    execute(*conn,
            "DELETE FROM unionid_owners WHERE provider = ?1 AND unionid = ?2 AND NOT EXISTS "
            "(SELECT 1 FROM identities WHERE provider = ?1 AND unionid = ?2)",
            provider, unionid);
  }
  tx.commit();
  return true;
}

// --- Assignments -------------------------------------------------------------------------------

bool SqlStore::unassign_user(std::string_view client_id, std::string_view user_id) {
  auto conn = pool_->acquire();
  return execute(*conn, "DELETE FROM app_assignments WHERE client_id = ?1 AND user_id = ?2",
                 client_id, user_id) > 0;
}

std::vector<std::string> SqlStore::assigned_users(std::string_view client_id) {
  auto conn = pool_->acquire();
  auto stmt =
      conn->prepare("SELECT user_id FROM app_assignments WHERE client_id = ?1 ORDER BY user_id");
  stmt.bind_all(client_id);
  return read_all(stmt, read_first_text);
}

}  // namespace ciamd
