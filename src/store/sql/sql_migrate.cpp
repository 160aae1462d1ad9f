// SqlStore::migrate and schema_version: applying the embedded migrations (migrations.hpp), on
// either backend.
#include <spdlog/spdlog.h>

#include <chrono>

#include "store/migrations/migrations.hpp"
#include "store/sql/sql_store.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

// The migrations are written once, in SQL both databases read, but for one phrase: SQLite's
// auto-numbered key (001_initial.sql, audit_events.id) is spelled differently in PostgreSQL.
std::string in_dialect(std::string_view migration_sql, sql::Dialect dialect) {
  std::string sql(migration_sql);
  if (dialect != sql::Dialect::kPostgres) return sql;
  constexpr std::string_view kSqlite = "INTEGER PRIMARY KEY AUTOINCREMENT";
  constexpr std::string_view kPostgres = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";
  for (auto at = sql.find(kSqlite); at != std::string::npos; at = sql.find(kSqlite, at)) {
    sql.replace(at, kSqlite.size(), kPostgres);
    at += kPostgres.size();
  }
  return sql;
}

// 0 for a database without schema_migrations: migrate() creates the table before it asks.
int current_version(sql::Connection& conn) {
  auto stmt = conn.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  stmt.step();
  return static_cast<int>(stmt.int64(0));
}

bool is_applied(sql::Connection& conn, int version) {
  auto stmt = conn.prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
  stmt.bind_all(version);
  return stmt.step();
}

void record(sql::Connection& conn, const Migration& migration) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto stmt =
      conn.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
  stmt.bind_all(migration.version, migration.name, static_cast<std::int64_t>(now));
  stmt.execute();
}

}  // namespace

int SqlStore::migrate() {
  const auto migrations = embedded_migrations();
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  auto conn = pool_->acquire();
  {
    // Several nodes may start at once: the lock makes them create the table one after the other
    // (PostgreSQL's IF NOT EXISTS alone can still collide on its catalog).
    sql::Transaction tx(*conn);
    conn->lock_key("schema_migrations");
    conn->exec(std::string(kCreateSchemaMigrations));
    tx.commit();
  }

  // An older binary must not run against a schema it does not know.
  if (const int found = current_version(*conn); found > latest) {
    throw StoreError("store: the database schema is at version " + std::to_string(found) +
                     ", newer than this build knows (" + std::to_string(latest) + ")");
  }

  for (const Migration& migration : migrations) {
    // One transaction per migration (both databases run DDL inside transactions), and the
    // "already applied?" check inside it, after the lock: of several nodes migrating at once,
    // each version runs once and the others find it applied.
    sql::Transaction tx(*conn);
    conn->lock_key("schema_migrations");
    if (is_applied(*conn, migration.version)) continue;  // tx rolls back: nothing was written
    conn->exec(in_dialect(migration.sql, conn->dialect()));
    record(*conn, migration);
    tx.commit();
    spdlog::info("store: applied migration {:03}_{}", migration.version, migration.name);
  }
  return current_version(*conn);
}

int SqlStore::schema_version() {
  auto conn = pool_->acquire();
  {
    // A database never migrated has no schema_migrations: version 0, without creating it here.
    const bool postgres = conn->dialect() == sql::Dialect::kPostgres;
    auto stmt = conn->prepare(
        postgres
            ? "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
              "AND table_name = 'schema_migrations'"
            : "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    if (!stmt.step()) return 0;
  }
  return current_version(*conn);
}

}  // namespace ciamd
