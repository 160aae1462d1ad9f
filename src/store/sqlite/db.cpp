#include "store/sqlite/db.hpp"

#include <spdlog/spdlog.h>

#include <limits>
#include <utility>

#include "store/store.hpp"

namespace ciamd::sqlite {
namespace {

// Names the failing statement by its first words: enough to find it in the code, and SQL text
// holds only placeholders, never values.
std::string sql_excerpt(std::string_view text) {
  constexpr std::size_t kMax = 60;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view what) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw StoreError("sqlite: " + std::string(message) + " (" + sqlite3_errstr(rc) + ", " +
                   std::string(what) + ")");
}

int checked_size(std::string_view value) {
  if (value.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw StoreError("sqlite: value too large to bind");
  }
  return static_cast<int>(value.size());
}

}  // namespace

// --- Statement ---------------------------------------------------------------------------------

Statement::~Statement() {
  // sqlite3_reset repeats the last step's error code, which was already reported (thrown) there.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Statement::bind(int index, std::string_view value) {
  // SQLITE_TRANSIENT: SQLite copies the bytes, so the caller's string may go away before step().
  const int rc =
      sqlite3_bind_text(stmt_, index, value.data(), checked_size(value), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(rc);
}

void Statement::bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) fail(rc);
}

void Statement::bind(int index, NullIfEmpty value) {
  if (value.value.empty()) {
    bind(index, nullptr);
  } else {
    bind(index, value.value);
  }
}

void Statement::bind(int index, std::nullptr_t) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) fail(rc);
}

int Statement::step_raw() {
  return sqlite3_step(stmt_);
}

bool Statement::step() {
  const int rc = step_raw();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(rc);
}

int Statement::execute() {
  while (step()) {
  }
  return sqlite3_changes(db_);
}

std::optional<int> Statement::execute_unless_duplicate() {
  int rc = SQLITE_ROW;
  while (rc == SQLITE_ROW) rc = step_raw();
  if (rc == SQLITE_DONE) return sqlite3_changes(db_);
  // prepare_v3 statements return the extended code from step() directly.
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return std::nullopt;
  fail(rc);
}

std::string Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::int64_t Statement::int64(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

void Statement::fail(int rc) const {
  const char* sql = sqlite3_sql(stmt_);
  throw_error(db_, rc, sql_excerpt(sql != nullptr ? sql : ""));
}

// --- Connection --------------------------------------------------------------------------------

Connection::Connection(const std::string& path) {
  sqlite3* raw = nullptr;
  // NOMUTEX: the pool guarantees one thread per connection, so SQLite's own locking is redundant.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // sqlite3_open_v2 may allocate a handle even when it fails
  if (rc != SQLITE_OK) throw_error(db_.get(), rc, "opening the database");
  sqlite3_extended_result_codes(db_.get(), 1);
  const int busy = sqlite3_busy_timeout(db_.get(), 5000);
  if (busy != SQLITE_OK) throw_error(db_.get(), busy, "setting busy_timeout");
  exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
}

Statement Connection::prepare(std::string_view sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.data(), checked_size(sql),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StmtPtr stmt(raw);
    if (rc != SQLITE_OK) throw_error(db_.get(), rc, sql_excerpt(sql));
    if (!stmt) throw StoreError("sqlite: empty statement: " + sql_excerpt(sql));
    found = statements_.emplace(std::string(sql), std::move(stmt)).first;
  }
  return Statement(db_.get(), found->second.get());
}

void Connection::exec(const std::string& sql) {
  char* raw_message = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &raw_message);
  const std::unique_ptr<char, decltype(&sqlite3_free)> message(raw_message, &sqlite3_free);
  if (rc != SQLITE_OK) throw_error(db_.get(), rc, sql_excerpt(sql));
}

// --- Transaction -------------------------------------------------------------------------------

Transaction::Transaction(Connection& conn) : conn_(conn) {
  conn_.prepare("BEGIN IMMEDIATE").execute();
}

Transaction::~Transaction() {
  // SQLite rolls some failures back on its own (SQLITE_FULL, SQLITE_IOERR, ...); then there is
  // nothing left to roll back.
  if (done_ || !conn_.in_transaction()) return;
  try {
    conn_.prepare("ROLLBACK").execute();
  } catch (const StoreError& e) {
    // A destructor must not throw; the connection stays usable (the next BEGIN fails loudly if
    // it somehow is still inside this transaction).
    spdlog::error("store: rollback failed: {}", e.what());
  }
}

void Transaction::commit() {
  conn_.prepare("COMMIT").execute();
  done_ = true;
}

// --- ConnectionPool ----------------------------------------------------------------------------

ConnectionPool::ConnectionPool(const std::string& path, int size) {
  if (size < 1) throw StoreError("sqlite: the connection pool needs at least one connection");
  idle_.reserve(static_cast<std::size_t>(size));
  for (int i = 0; i < size; ++i) {
    auto conn = std::make_unique<Connection>(path);
    if (i == 0 && path != ":memory:") {
      // WAL lets readers run beside the one writer. The mode is a property of the file, so the
      // first connection sets it, before others could hold locks that prevent the switch.
      auto stmt = conn->prepare("PRAGMA journal_mode = WAL");
      const std::string mode = stmt.step() ? stmt.text(0) : "";
      if (mode != "wal") {
        spdlog::warn("store: SQLite journal mode is '{}', not 'wal'; concurrency will suffer",
                     mode);
      }
    }
    idle_.push_back(std::move(conn));
  }
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [this] { return !idle_.empty(); });
  auto conn = std::move(idle_.back());
  idle_.pop_back();
  return Lease(*this, std::move(conn));
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) {
  {
    const std::lock_guard lock(mutex_);
    idle_.push_back(std::move(conn));
  }
  available_.notify_one();
}

}  // namespace ciamd::sqlite
