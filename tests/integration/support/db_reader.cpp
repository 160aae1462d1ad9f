#include "integration/support/db_reader.hpp"

#include <sqlite3.h>

#include <memory>
#include <set>
#include <stdexcept>

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

}  // namespace

RowCounts count_rows(const std::filesystem::path& path) {
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

std::vector<std::string> table_columns(const std::filesystem::path& path, std::string_view table) {
  Db db = open_ro(path);
  Stmt s = prepare(db.get(), "SELECT * FROM " + sql_ident(table) + " LIMIT 0");
  std::vector<std::string> cols;
  for (int i = 0; i < sqlite3_column_count(s.get()); ++i) {
    cols.emplace_back(sqlite3_column_name(s.get(), i));
  }
  return cols;
}

std::vector<std::string> table_cells(const std::filesystem::path& path, std::string_view table) {
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

std::int64_t query_int(const std::filesystem::path& path, const std::string& sql) {
  Db db = open_ro(path);
  Stmt s = prepare(db.get(), sql);
  if (!step(db.get(), s.get())) throw std::runtime_error("sqlite: no row from " + sql);
  return sqlite3_column_int64(s.get(), 0);
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
