// Read-only peeks into the server's database, so tests can prove that a rejected request changed
// nothing and that secrets are not stored in clear. Works on both backends: an SQLite file (sqlite3
// C API) or a PostgreSQL database (libpq). A fresh connection per call always sees the latest
// committed state (the server writes SQLite in WAL mode; PostgreSQL's default isolation is read
// committed).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace it {

// The database backend the integration tests run against: CIAMD_TEST_DATABASE=postgres selects
// PostgreSQL (the CTest `_pg` variants set it), unset or "sqlite" SQLite.
enum class Backend { kSqlite, kPostgres };
Backend test_backend();

// Where a database lives: an SQLite file or a PostgreSQL database, by connection URL.
class DbLocation {
 public:
  static DbLocation sqlite(std::filesystem::path file) {
    return DbLocation(Backend::kSqlite, std::move(file), {});
  }
  static DbLocation postgres(std::string url) {
    return DbLocation(Backend::kPostgres, {}, std::move(url));
  }

  Backend backend() const { return backend_; }
  bool is_postgres() const { return backend_ == Backend::kPostgres; }
  // The SQLite file; throws std::logic_error for a PostgreSQL database.
  const std::filesystem::path& sqlite_file() const;
  // What [database] url (or CIAMD_DATABASE_URL) takes: sqlite://<file> or postgresql://...
  std::string url() const;

 private:
  DbLocation(Backend backend, std::filesystem::path file, std::string pg_url)
      : backend_(backend), file_(std::move(file)), pg_url_(std::move(pg_url)) {}

  Backend backend_;
  std::filesystem::path file_;
  std::string pg_url_;
};

// Row count of every application table by name: every table except SQLite's own (sqlite_*), or
// every table of PostgreSQL's schema public; both include schema_migrations. Left out: the nodes'
// coordination tables, server_tokens (a cache of the mini program's token, which any request may
// fill) and leases (held only while a request runs); they hold no state a request could corrupt.
using RowCounts = std::map<std::string, std::int64_t>;

RowCounts count_rows(const DbLocation& db);

// Every cell of `table` (all columns, all rows) as text; NULL is ""; blobs (bytea) are included
// byte for byte. Throws when the table does not exist.
std::vector<std::string> table_cells(const DbLocation& db, std::string_view table);

// The column names of `table`, in order.
std::vector<std::string> table_columns(const DbLocation& db, std::string_view table);

// The single integer a query such as "SELECT SUM(used) FROM verification_codes" yields (0 for
// NULL). Throws when the query fails or yields no row. The SQL must be valid in both dialects.
std::int64_t query_int(const DbLocation& db, const std::string& sql);

// "audit_events: 3 -> 4, users: 1 -> 2" for the tables whose counts differ; "" when equal.
std::string diff_counts(const RowCounts& before, const RowCounts& after);

}  // namespace it
