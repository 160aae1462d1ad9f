// The SQLite sql::Connection: cursors over sqlite3_stmt, a statement cache per connection.
#include "store/sqlite/sqlite_connection.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <limits>
#include <memory>
#include <unordered_map>
#include <utility>

#include "store/store.hpp"

namespace ciamd::sqlite {
namespace {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view what) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw StoreError("sqlite: " + std::string(message) + " (" + sqlite3_errstr(rc) + ", " +
                   std::string(what) + ")");
}

// Why `path` cannot be opened, in the operator's terms: SQLite's own message ("unable to open
// database file") names neither the file nor the reason, and the usual cause is a directory that
// does not exist or that ciamd's user may not write.
[[noreturn]] void throw_open_error(sqlite3* db, int rc, const std::string& path) {
  namespace fs = std::filesystem;
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string text = "sqlite: cannot open the database file " + path + ": " + message;
  std::error_code ec;
  const fs::path file(path);
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  const fs::file_status status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    text += " (the directory " + dir.string() + " does not exist: create it, owned by ciamd's " +
            "user, or change [database] url)";
  } else if (!fs::is_directory(status)) {
    text += " (" + dir.string() + " is not a directory)";
  } else if (::access(dir.c_str(), W_OK | X_OK) != 0 && !fs::exists(file, ec)) {
    text += " (ciamd's user may not create files in " + dir.string() + ")";
  } else if (fs::exists(file, ec) && ::access(path.c_str(), R_OK | W_OK) != 0) {
    text += " (ciamd's user may not read and write it)";
  }
  throw StoreError(text);
}

int checked_size(std::string_view value) {
  if (value.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw StoreError("sqlite: value too large to bind");
  }
  return static_cast<int>(value.size());
}

class SqliteCursor final : public sql::Cursor {
 public:
  SqliteCursor(sqlite3* db, StmtPtr stmt) : db_(db), stmt_(std::move(stmt)) {}

  void bind_text(int index, std::string_view value) override {
    // SQLITE_TRANSIENT: SQLite copies the bytes, so the caller's string may go away before step().
    check(
        sqlite3_bind_text(stmt_.get(), index, value.data(), checked_size(value), SQLITE_TRANSIENT));
  }
  void bind_int64(int index, std::int64_t value) override {
    check(sqlite3_bind_int64(stmt_.get(), index, value));
  }
  void bind_null(int index) override { check(sqlite3_bind_null(stmt_.get(), index)); }

  bool step() override {
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(rc);
  }

  int execute() override {
    while (step()) {
    }
    return sqlite3_changes(db_);
  }

  std::optional<int> execute_unless_duplicate() override {
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW) rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_DONE) return sqlite3_changes(db_);
    // prepare_v3 statements return the extended code from step() directly.
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return std::nullopt;
    fail(rc);
  }

  std::string text(int column) const override {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), column));
    if (data == nullptr) return {};
    return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column)));
  }
  std::int64_t int64(int column) const override {
    return sqlite3_column_int64(stmt_.get(), column);
  }
  bool is_null(int column) const override {
    return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
  }

  void reset() noexcept override {
    // sqlite3_reset repeats the last step's error code, which was already reported (thrown).
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) fail(rc);
  }
  [[noreturn]] void fail(int rc) const {
    const char* sql = sqlite3_sql(stmt_.get());
    throw_error(db_, rc, sql::sql_excerpt(sql != nullptr ? sql : ""));
  }

  sqlite3* db_;
  StmtPtr stmt_;
};

class SqliteConnection final : public sql::Connection {
 public:
  explicit SqliteConnection(const std::string& path) {
    sqlite3* raw = nullptr;
    // NOMUTEX: the pool guarantees one thread per connection, so SQLite's own locking is redundant.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    db_.reset(raw);  // sqlite3_open_v2 may allocate a handle even when it fails
    if (rc != SQLITE_OK) throw_open_error(db_.get(), rc, path);
    sqlite3_extended_result_codes(db_.get(), 1);
    const int busy = sqlite3_busy_timeout(db_.get(), 5000);
    if (busy != SQLITE_OK) throw_error(db_.get(), busy, "setting busy_timeout");
    exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
  }

  void exec(const std::string& sql) override {
    char* raw_message = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &raw_message);
    const std::unique_ptr<char, decltype(&sqlite3_free)> message(raw_message, &sqlite3_free);
    if (rc != SQLITE_OK) throw_error(db_.get(), rc, sql::sql_excerpt(sql));
  }

  sql::Dialect dialect() const override { return sql::Dialect::kSqlite; }

  void begin() override { prepare("BEGIN IMMEDIATE").execute(); }
  void commit() override { prepare("COMMIT").execute(); }
  void rollback() noexcept override {
    // SQLite rolls some failures back on its own (SQLITE_FULL, SQLITE_IOERR, ...); then there is
    // nothing left to roll back.
    if (!in_transaction()) return;
    try {
      prepare("ROLLBACK").execute();
    } catch (const StoreError& e) {
      // The connection stays usable: the next BEGIN fails loudly if it is still inside this
      // transaction.
      spdlog::error("store: rollback failed: {}", e.what());
    }
  }
  bool in_transaction() const override { return sqlite3_get_autocommit(db_.get()) == 0; }
  void lock_key(std::string_view /*key*/) override {}
  bool usable() const override { return true; }

  // WAL lets readers run beside the one writer. The mode is a property of the file, so the first
  // connection sets it, before others could hold locks that prevent the switch.
  void enable_wal() {
    auto stmt = prepare("PRAGMA journal_mode = WAL");
    const std::string mode = stmt.step() ? stmt.text(0) : "";
    if (mode != "wal") {
      spdlog::warn("store: SQLite journal mode is '{}', not 'wal'; concurrency will suffer", mode);
    }
  }

 protected:
  sql::Cursor& cursor(std::string_view sql) override {
    auto found = cursors_.find(sql);
    if (found == cursors_.end()) {
      sqlite3_stmt* raw = nullptr;
      const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), checked_size(sql),
                                        SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      StmtPtr stmt(raw);
      if (rc != SQLITE_OK) throw_error(db_.get(), rc, sql::sql_excerpt(sql));
      if (!stmt) throw StoreError("sqlite: empty statement: " + sql::sql_excerpt(sql));
      found =
          cursors_
              .emplace(std::string(sql), std::make_unique<SqliteCursor>(db_.get(), std::move(stmt)))
              .first;
    }
    return *found->second;
  }

 private:
  struct SqlHash : std::hash<std::string_view> {
    using is_transparent = void;
  };

  // Declared before the cache: members are destroyed in reverse, so statements are finalized
  // before the connection closes.
  DbPtr db_;
  std::unordered_map<std::string, std::unique_ptr<SqliteCursor>, SqlHash, std::equal_to<>> cursors_;
};

}  // namespace

sql::ConnectionFactory connection_factory(std::string path) {
  return [path = std::move(path)]() -> std::unique_ptr<sql::Connection> {
    auto conn = std::make_unique<SqliteConnection>(path);
    // Every connection asks: the pool opens its first connection alone, which switches the file,
    // and asking again of a file in WAL mode changes nothing.
    if (path != ":memory:") conn->enable_wal();
    return conn;
  };
}

}  // namespace ciamd::sqlite
