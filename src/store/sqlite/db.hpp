// store/sqlite/db: a thin RAII layer over the SQLite C API, used only by SqliteStore.
//
//   ConnectionPool pool("/var/lib/ciamd/ciamd.db", 8);
//   auto conn = pool.acquire();                 // blocks while all connections are in use
//   Transaction tx(*conn);                      // BEGIN IMMEDIATE; rolls back unless committed
//   auto stmt = conn->prepare("UPDATE users SET status = ?1 WHERE id = ?2");
//   stmt.bind_all("disabled", user_id);
//   if (stmt.execute() == 0) return false;      // rows changed
//   tx.commit();
//
// Every failure throws StoreError carrying SQLite's message and the start of the SQL text, never
// a bound value (bound values may be secrets).
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ciamd::sqlite {

struct CloseDb {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, CloseDb>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

// A bound value that is NULL when empty: optional columns (users.mobile, identities.unionid) are
// NULL rather than '' so that their UNIQUE indexes ignore them.
struct NullIfEmpty {
  std::string_view value;
};

// One use of a cached prepared statement. Binds on the way in; on destruction resets the statement
// (ending any read it holds open) and clears its bindings (so no secret lingers in it).
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1, as in SQLite.
  void bind(int index, std::string_view value);
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  void bind(int index, std::int64_t value);
  void bind(int index, int value) { bind(index, static_cast<std::int64_t>(value)); }
  void bind(int index, bool value) { bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  void bind(int index, NullIfEmpty value);
  void bind(int index, std::nullptr_t);

  // Binds ?1, ?2, ... in order.
  template <class... Args>
  void bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
  }

  // Advances to the next row: true when there is one, false when done.
  bool step();
  // Runs a write to completion; returns the number of rows it changed.
  int execute();
  // Like execute(), but a UNIQUE or PRIMARY KEY violation comes back as nullopt instead of an
  // exception: for the callers that turn "already exists" into a result.
  std::optional<int> execute_unless_duplicate();

  // Columns of the current row, numbered from 0. NULL reads as "" and 0.
  std::string text(int column) const;
  std::int64_t int64(int column) const;
  bool is_null(int column) const;

 private:
  int step_raw();
  [[noreturn]] void fail(int rc) const;

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// One database connection and its cache of prepared statements. Used by one thread at a time
// (the pool sees to that).
class Connection {
 public:
  // ":memory:" or a file path; the file is created if missing.
  explicit Connection(const std::string& path);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A statement for `sql`, prepared once per connection and reused (SQLITE_PREPARE_PERSISTENT).
  // Each SQL text may be in use only once at a time on one connection.
  Statement prepare(std::string_view sql);
  // Runs SQL that may hold several statements and returns no rows (pragmas, migrations).
  void exec(const std::string& sql);
  bool in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

 private:
  struct SqlHash : std::hash<std::string_view> {
    using is_transparent = void;
  };

  // Declared before the cache: members are destroyed in reverse, so statements are finalized
  // before the connection closes.
  DbPtr db_;
  std::unordered_map<std::string, StmtPtr, SqlHash, std::equal_to<>> statements_;
};

// A write transaction. BEGIN IMMEDIATE takes the write lock up front, so two writers queue on
// busy_timeout instead of one failing with SQLITE_BUSY when it upgrades from reading to writing.
class Transaction {
 public:
  explicit Transaction(Connection& conn);
  ~Transaction();  // rolls back unless commit() succeeded
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit();

 private:
  Connection& conn_;
  bool done_ = false;
};

// A fixed set of connections to one database, handed out one per caller.
class ConnectionPool {
 public:
  // Opens `size` connections (WAL, foreign keys on, busy_timeout 5 s, synchronous NORMAL).
  ConnectionPool(const std::string& path, int size);

  // A connection lent to the caller until the Lease is destroyed.
  class Lease {
   public:
    Lease(ConnectionPool& pool, std::unique_ptr<Connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    ~Lease() { pool_.give_back(std::move(conn_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    ConnectionPool& pool_;
    std::unique_ptr<Connection> conn_;
  };

  // Blocks until a connection is free.
  Lease acquire();

 private:
  void give_back(std::unique_ptr<Connection> conn);

  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace ciamd::sqlite
