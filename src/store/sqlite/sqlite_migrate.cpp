// SqliteStore::migrate and schema_version: applying the embedded migrations (migrations.hpp).
#include <spdlog/spdlog.h>

#include <chrono>

#include "store/migrations/migrations.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace ciamd {
namespace {

int current_version(sqlite::Connection& conn) {
  {
    auto stmt = conn.prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
    if (!stmt.step()) return 0;
  }
  auto stmt = conn.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  stmt.step();
  return static_cast<int>(stmt.int64(0));
}

bool is_applied(sqlite::Connection& conn, int version) {
  auto stmt = conn.prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
  stmt.bind_all(version);
  return stmt.step();
}

void record(sqlite::Connection& conn, const Migration& migration) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto stmt =
      conn.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
  stmt.bind_all(migration.version, migration.name, static_cast<std::int64_t>(now));
  stmt.execute();
}

}  // namespace

int SqliteStore::migrate() {
  const auto migrations = embedded_migrations();
  const int latest = migrations.empty() ? 0 : migrations.back().version;
  auto conn = pool_.acquire();
  conn->exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");

  // An older binary must not run against a schema it does not know.
  if (const int found = current_version(*conn); found > latest) {
    throw StoreError("store: the database schema is at version " + std::to_string(found) +
                     ", newer than this build knows (" + std::to_string(latest) + ")");
  }

  for (const Migration& migration : migrations) {
    // One transaction per migration, and the "already applied?" check inside it: if several
    // nodes or processes migrate at once, BEGIN IMMEDIATE queues them and each version runs once.
    sqlite::Transaction tx(*conn);
    if (is_applied(*conn, migration.version)) continue;  // tx rolls back: nothing was written
    conn->exec(std::string(migration.sql));
    record(*conn, migration);
    tx.commit();
    spdlog::info("store: applied migration {:03}_{}", migration.version, migration.name);
  }
  return current_version(*conn);
}

int SqliteStore::schema_version() {
  auto conn = pool_.acquire();
  return current_version(*conn);
}

}  // namespace ciamd
