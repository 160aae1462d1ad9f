#include "integration/support/db_reader.hpp"

#include <sqlite3.h>

#include <charconv>
#include <cstdlib>
#include <memory>
#include <set>
#include <stdexcept>

#include "integration/support/pg_client.hpp"

namespace it {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtCloser>;

Db open_ro(const std::filesystem::path& path) {
  sqlite3* raw = nullptr;
  const std::string uri = "file:" + path.string() + "?mode=ro";
  const int rc =
      sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    throw std::runtime_error("cannot open " + path.string() + " read-only: " +
                             (raw != nullptr ? sqlite3_errmsg(raw) : "out of memory"));
  }
  // The server may hold a write lock for a moment; wait instead of failing.
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
}

Stmt prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    throw std::runtime_error("sqlite: " + sql + ": " + sqlite3_errmsg(db));
  }
  return Stmt(raw);
}

bool step(sqlite3* db, sqlite3_stmt* s) {
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw std::runtime_error(std::string("sqlite step: ") + sqlite3_errmsg(db));
}

std::string sql_ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::vector<std::string> table_names(sqlite3* db) {
  std::vector<std::string> names;
  Stmt s = prepare(db,
                   "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                   "'sqlite_%' ORDER BY name");
  while (step(db, s.get())) {
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)));
  }
  return names;
}

RowCounts sqlite_count_rows(const std::filesystem::path& path) {
  Db db = open_ro(path);
  // One read transaction, so all counts come from the same snapshot.
  sqlite3_exec(db.get(), "BEGIN", nullptr, nullptr, nullptr);
  RowCounts counts;
  for (const auto& name : table_names(db.get())) {
    Stmt s = prepare(db.get(), "SELECT COUNT(*) FROM " + sql_ident(name));
    if (step(db.get(), s.get())) counts[name] = sqlite3_column_int64(s.get(), 0);
  }
  sqlite3_exec(db.get(), "COMMIT", nullptr, nullptr, nullptr);
  return counts;
}

std::vector<std::string> sqlite_table_columns(const std::filesystem::path& path,
                                              std::string_view table) {
  Db db = open_ro(path);
  Stmt s = prepare(db.get(), "SELECT * FROM " + sql_ident(table) + " LIMIT 0");
  std::vector<std::string> cols;
  for (int i = 0; i < sqlite3_column_count(s.get()); ++i) {
    cols.emplace_back(sqlite3_column_name(s.get(), i));
  }
  return cols;
}

std::vector<std::string> sqlite_table_cells(const std::filesystem::path& path,
                                            std::string_view table) {
  Db db = open_ro(path);
  Stmt s = prepare(db.get(), "SELECT * FROM " + sql_ident(table));
  std::vector<std::string> cells;
  const int n = sqlite3_column_count(s.get());
  while (step(db.get(), s.get())) {
    for (int i = 0; i < n; ++i) {
      const void* data = sqlite3_column_blob(s.get(), i);
      const int size = sqlite3_column_bytes(s.get(), i);
      cells.emplace_back(data == nullptr ? "" : std::string(static_cast<const char*>(data), size));
    }
  }
  return cells;
}

std::int64_t sqlite_query_int(const std::filesystem::path& path, const std::string& sql) {
  Db db = open_ro(path);
  Stmt s = prepare(db.get(), sql);
  if (!step(db.get(), s.get())) throw std::runtime_error("sqlite: no row from " + sql);
  return sqlite3_column_int64(s.get(), 0);
}

// --- PostgreSQL --------------------------------------------------------------------------------

// The application's tables: schema public, where the server creates them. System catalogs live in
// pg_catalog and information_schema, so nothing needs excluding (SQLite's sqlite_* tables have no
// counterpart here).
std::vector<std::string> pg_table_names(PGconn* conn) {
  const pg::Result r = pg::exec(
      conn, "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = 'public' ORDER BY 1");
  std::vector<std::string> names;
  for (int i = 0; i < PQntuples(r.get()); ++i) names.emplace_back(PQgetvalue(r.get(), i, 0));
  return names;
}

std::int64_t parse_int(const char* text, const std::string& sql) {
  std::int64_t value = 0;
  const char* end = text + std::char_traits<char>::length(text);
  const auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end) {
    throw std::runtime_error("postgres: " + sql + " yielded " + text + ", not an integer");
  }
  return value;
}

RowCounts pg_count_rows(const std::string& url) {
  pg::Conn conn = pg::connect(url);
  // One snapshot for all counts, as SQLite's read transaction gives.
  pg::exec(conn.get(), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  RowCounts counts;
  for (const auto& name : pg_table_names(conn.get())) {
    const std::string sql = "SELECT COUNT(*) FROM " + pg::ident(name);
    const pg::Result r = pg::exec(conn.get(), sql);
    if (PQntuples(r.get()) == 1) counts[name] = parse_int(PQgetvalue(r.get(), 0, 0), sql);
  }
  pg::exec(conn.get(), "COMMIT");
  return counts;
}

std::vector<std::string> pg_table_columns(const std::string& url, std::string_view table) {
  pg::Conn conn = pg::connect(url);
  const pg::Result r = pg::exec(conn.get(), "SELECT * FROM " + pg::ident(table) + " LIMIT 0");
  std::vector<std::string> cols;
  for (int i = 0; i < PQnfields(r.get()); ++i) cols.emplace_back(PQfname(r.get(), i));
  return cols;
}

std::vector<std::string> pg_table_cells(const std::string& url, std::string_view table) {
  // bytea's type oid (pg_type.h, stable across versions): its text form is hex, which would hide a
  // secret stored in clear from a byte comparison, so it is decoded back to the raw bytes.
  constexpr Oid kByteaOid = 17;
  pg::Conn conn = pg::connect(url);
  const pg::Result r = pg::exec(conn.get(), "SELECT * FROM " + pg::ident(table));
  std::vector<std::string> cells;
  const int n = PQnfields(r.get());
  for (int row = 0; row < PQntuples(r.get()); ++row) {
    for (int i = 0; i < n; ++i) {
      if (PQgetisnull(r.get(), row, i) != 0) {
        cells.emplace_back();
        continue;
      }
      const char* text = PQgetvalue(r.get(), row, i);
      if (PQftype(r.get(), i) != kByteaOid) {
        cells.emplace_back(text, static_cast<std::size_t>(PQgetlength(r.get(), row, i)));
        continue;
      }
      std::size_t size = 0;
      unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
      if (raw == nullptr) throw std::runtime_error("postgres: cannot decode a bytea cell");
      cells.emplace_back(reinterpret_cast<const char*>(raw), size);
      PQfreemem(raw);
    }
  }
  return cells;
}

std::int64_t pg_query_int(const std::string& url, const std::string& sql) {
  pg::Conn conn = pg::connect(url);
  const pg::Result r = pg::exec(conn.get(), sql);
  if (PQntuples(r.get()) < 1 || PQnfields(r.get()) < 1) {
    throw std::runtime_error("postgres: no row from " + sql);
  }
  if (PQgetisnull(r.get(), 0, 0) != 0) return 0;
  return parse_int(PQgetvalue(r.get(), 0, 0), sql);
}

}  // namespace

Backend test_backend() {
  const char* v = std::getenv("CIAMD_TEST_DATABASE");
  const std::string name = v == nullptr ? "" : v;
  if (name.empty() || name == "sqlite") return Backend::kSqlite;
  if (name == "postgres") return Backend::kPostgres;
  throw std::runtime_error("CIAMD_TEST_DATABASE=" + name + ": expected sqlite or postgres");
}

const std::filesystem::path& DbLocation::sqlite_file() const {
  if (is_postgres()) throw std::logic_error("a PostgreSQL database has no SQLite file");
  return file_;
}

std::string DbLocation::url() const {
  return is_postgres() ? pg_url_ : "sqlite://" + file_.string();
}

RowCounts count_rows(const DbLocation& db) {
  RowCounts counts =
      db.is_postgres() ? pg_count_rows(db.url()) : sqlite_count_rows(db.sqlite_file());
  counts.erase("server_tokens");
  counts.erase("leases");
  return counts;
}

std::vector<std::string> table_columns(const DbLocation& db, std::string_view table) {
  return db.is_postgres() ? pg_table_columns(db.url(), table)
                          : sqlite_table_columns(db.sqlite_file(), table);
}

std::vector<std::string> table_cells(const DbLocation& db, std::string_view table) {
  return db.is_postgres() ? pg_table_cells(db.url(), table)
                          : sqlite_table_cells(db.sqlite_file(), table);
}

std::int64_t query_int(const DbLocation& db, const std::string& sql) {
  return db.is_postgres() ? pg_query_int(db.url(), sql) : sqlite_query_int(db.sqlite_file(), sql);
}

std::string diff_counts(const RowCounts& before, const RowCounts& after) {
  std::set<std::string> names;
  for (const auto& [k, v] : before) names.insert(k);
  for (const auto& [k, v] : after) names.insert(k);
  std::string out;
  for (const auto& name : names) {
    const auto b = before.contains(name) ? before.at(name) : -1;
    const auto a = after.contains(name) ? after.at(name) : -1;
    if (a == b) continue;
    if (!out.empty()) out += ", ";
    out += name + ": " + std::to_string(b) + " -> " + std::to_string(a);
  }
  return out;
}

}  // namespace it
