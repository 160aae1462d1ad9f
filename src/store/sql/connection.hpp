// store/sql/connection: the small SQL surface SqlStore is written against, and that each backend
// (store/sqlite, store/postgres) implements. The store's SQL is written once, in the dialect both
// databases read: `?1, ?2, ...` placeholders (PostgreSQL's backend renumbers them `$1, $2, ...`),
// integers for booleans, BIGINT for times, ON CONFLICT for upserts. The few places where the two
// differ ask Connection::dialect().
//
//   ConnectionPool pool(open_sqlite_connection_factory(path), 8);
//   auto conn = pool.acquire();                 // blocks while all connections are in use
//   Transaction tx(*conn);                      // a write transaction; rolls back unless committed
//   conn->lock_key("send:+8613800138000");      // serializes with other transactions naming it
//   auto stmt = conn->prepare("UPDATE users SET status = ?1 WHERE id = ?2");
//   stmt.bind_all("disabled", user_id);
//   if (stmt.execute() == 0) return false;      // rows changed
//   tx.commit();
//
// Every failure throws StoreError carrying the database's message and the start of the SQL text,
// never a bound value (bound values may be secrets).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ciamd::sql {

enum class Dialect { kSqlite, kPostgres };

// A bound value that is NULL when empty: optional columns (users.mobile, identities.unionid) are
// NULL rather than '' so that their UNIQUE indexes ignore them.
struct NullIfEmpty {
  std::string_view value;
};

// One prepared statement of a backend, owned by its Connection and reused across uses. Parameters
// are numbered from 1, columns from 0. NULL columns read as "" and 0.
class Cursor {
 public:
  virtual ~Cursor() = default;

  virtual void bind_text(int index, std::string_view value) = 0;
  virtual void bind_int64(int index, std::int64_t value) = 0;
  virtual void bind_null(int index) = 0;

  // Runs the statement on the first call; true while there is a row to read.
  virtual bool step() = 0;
  // Runs a write to completion; the number of rows it changed.
  virtual int execute() = 0;
  // Like execute(), but a UNIQUE or PRIMARY KEY violation comes back as nullopt. In PostgreSQL the
  // violation also aborts the enclosing transaction: the caller must end it (return, roll back).
  virtual std::optional<int> execute_unless_duplicate() = 0;

  virtual std::string text(int column) const = 0;
  virtual std::int64_t int64(int column) const = 0;
  virtual bool is_null(int column) const = 0;

  // Ends any read in progress and forgets the bound values (so no secret lingers).
  virtual void reset() noexcept = 0;
};

// One use of a Cursor: binds on the way in, resets the cursor on destruction.
class Statement {
 public:
  explicit Statement(Cursor& cursor) : cursor_(&cursor) {}
  ~Statement() { cursor_->reset(); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int index, std::string_view value) { cursor_->bind_text(index, value); }
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
  void bind(int index, std::int64_t value) { cursor_->bind_int64(index, value); }
  void bind(int index, int value) { bind(index, static_cast<std::int64_t>(value)); }
  void bind(int index, bool value) { bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  void bind(int index, NullIfEmpty value) {
    if (value.value.empty()) {
      cursor_->bind_null(index);
    } else {
      cursor_->bind_text(index, value.value);
    }
  }
  void bind(int index, std::nullptr_t) { cursor_->bind_null(index); }

  // Binds ?1, ?2, ... in order.
  template <class... Args>
  void bind_all(const Args&... args) {
    int index = 0;
    (bind(++index, args), ...);
  }

  bool step() { return cursor_->step(); }
  int execute() { return cursor_->execute(); }
  std::optional<int> execute_unless_duplicate() { return cursor_->execute_unless_duplicate(); }

  std::string text(int column) const { return cursor_->text(column); }
  std::int64_t int64(int column) const { return cursor_->int64(column); }
  bool is_null(int column) const { return cursor_->is_null(column); }

 private:
  Cursor* cursor_;
};

// One database connection and its cache of prepared statements, used by one thread at a time
// (the pool sees to that). Each SQL text may be in use only once at a time on one connection.
class Connection {
 public:
  virtual ~Connection() = default;

  // A statement for `sql`, prepared once per connection and reused.
  Statement prepare(std::string_view sql) { return Statement(cursor(sql)); }
  // Runs SQL that may hold several statements and returns no rows (migrations).
  virtual void exec(const std::string& sql) = 0;
  virtual Dialect dialect() const = 0;

  // A write transaction (see Transaction). SQLite: BEGIN IMMEDIATE, which takes the one write
  // lock up front. PostgreSQL: READ COMMITTED; the store's writes are conditional updates and
  // unique keys, which that level makes safe, and lock_key covers read-then-write sequences.
  virtual void begin() = 0;
  virtual void commit() = 0;
  // Never throws; a failure is logged (the connection may be gone, which usable() then says).
  virtual void rollback() noexcept = 0;
  virtual bool in_transaction() const = 0;

  // Inside a transaction: waits until no other transaction holds `key`, and holds it until this
  // transaction ends. SQLite: nothing to do (a write transaction is alone). PostgreSQL: a
  // transaction-scoped advisory lock on a hash of the key.
  virtual void lock_key(std::string_view key) = 0;

  // False once the connection is broken (the server went away); the pool then drops it and opens
  // a new one on a later acquire.
  virtual bool usable() const = 0;

 protected:
  virtual Cursor& cursor(std::string_view sql) = 0;
};

// A write transaction on one connection; rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& conn) : conn_(conn) { conn_.begin(); }
  ~Transaction() {
    if (!done_ && conn_.in_transaction()) conn_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit() {
    conn_.commit();
    done_ = true;
  }

 private:
  Connection& conn_;
  bool done_ = false;
};

using ConnectionFactory = std::function<std::unique_ptr<Connection>()>;

// At most `size` connections to one database, opened on demand and handed out one per caller. A
// connection that breaks is dropped when given back, and a later acquire opens another: a restarted
// database server costs the requests in flight, not a restart of ciamd.
class ConnectionPool {
 public:
  // Opens one connection at once, so a database that cannot be reached fails here.
  ConnectionPool(ConnectionFactory open, int size);

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

  // Blocks until a connection is free; throws StoreError when a new one cannot be opened.
  Lease acquire();

 private:
  void give_back(std::unique_ptr<Connection> conn);

  ConnectionFactory open_;
  const int size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_count_ = 0;  // idle + lent + being opened
};

// "the start of the SQL text" for error messages: enough to find the statement in the code; SQL
// text holds only placeholders, never values.
std::string sql_excerpt(std::string_view text);

}  // namespace ciamd::sql
