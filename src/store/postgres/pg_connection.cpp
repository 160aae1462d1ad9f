// store/postgres/pg_connection: sql::Connection and sql::Cursor over libpq (see the header).
#include "store/postgres/pg_connection.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace ciamd::postgres {
namespace {

// pg_type OIDs (catalog/pg_type_d.h ships with the server headers, not with libpq's).
constexpr Oid kUnknownOid = 0;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr std::string_view kUniqueViolation = "23505";

template <auto free>
struct Deleter {
  void operator()(auto* object) const noexcept { free(object); }
};
using ConnPtr = std::unique_ptr<PGconn, Deleter<PQfinish>>;
using ResultPtr = std::unique_ptr<PGresult, Deleter<PQclear>>;

bool succeeded(const PGresult* result) {
  const ExecStatusType status = PQresultStatus(result);  // PGRES_FATAL_ERROR for nullptr
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

std::string first_line(const char* message) {
  std::string_view text = message != nullptr ? message : "";
  text = text.substr(0, text.find('\n'));
  return text.empty() ? std::string("unknown error") : std::string(text);
}

// Zeroes a bound value before forgetting it. A value is wiped before each new one is written, so
// only [0, size) can hold anything.
void wipe(std::string& value) noexcept {
  std::fill(value.begin(), value.end(), '\0');
  value.clear();
}

// PostgreSQL quotes input it could not convert ("invalid input syntax for type bigint: \"...\"");
// a bound value may be a secret, so it leaves the message.
void scrub(std::string& message, std::string_view value) {
  const auto replace = [&message](const std::string& needle, std::string_view by) {
    for (auto at = message.find(needle); at != std::string::npos;
         at = message.find(needle, at + by.size())) {
      message.replace(at, needle.size(), by);
    }
  };
  if (value.empty()) return;
  replace('"' + std::string(value) + '"', "\"...\"");
  if (value.size() >= 8) replace(std::string(value), "...");  // too long to be a coincidence
}

// "postgres: <primary message> (SQLSTATE xxxxx, <sql excerpt>)", without the `bound` values. A
// connection lost on the way has no SQLSTATE and takes libpq's message.
std::string error_text(PGconn* conn, const PGresult* result, std::string_view sql,
                       const std::vector<const char*>& bound = {}) {
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);  // nullptr-safe
  std::string text = primary != nullptr ? primary : first_line(PQerrorMessage(conn));
  for (const char* value : bound) scrub(text, value != nullptr ? value : "");
  text = "postgres: " + text + " (";
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  if (state != nullptr) text += "SQLSTATE " + std::string(state) + ", ";
  return text + sql::sql_excerpt(sql) + ")";
}

void log_notice(void* /*arg*/, const char* message) {
  spdlog::debug("postgres: {}", first_line(message));
}

class PgConnection;

class PgCursor final : public sql::Cursor {
 public:
  PgCursor(PgConnection& conn, std::string sql)
      : conn_(conn), sql_(std::move(sql)), pg_sql_(dollar_placeholders(sql_)) {}
  ~PgCursor() override { reset(); }
  PgCursor(const PgCursor&) = delete;
  PgCursor& operator=(const PgCursor&) = delete;

  void bind_text(int index, std::string_view value) override { set(index, kTextOid, value); }
  void bind_int64(int index, std::int64_t value) override {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    set(index, kInt8Oid, std::string_view(digits, static_cast<std::size_t>(end - digits)));
  }
  void bind_null(int index) override { set(index, kUnknownOid, {}, true); }

  bool step() override {
    run(false);
    const int rows = PQntuples(result_.get());
    if (row_ < rows) ++row_;
    return row_ < rows;
  }
  int execute() override {
    run(false);
    return changed();
  }
  std::optional<int> execute_unless_duplicate() override {
    if (!run(true)) return std::nullopt;
    return changed();
  }

  std::string text(int column) const override {
    const char* value = cell(column);
    return value != nullptr ? std::string(value) : std::string();
  }
  std::int64_t int64(int column) const override {
    const char* value = cell(column);
    if (value == nullptr) return 0;
    const char* end = value + PQgetlength(result_.get(), row_, column);
    std::int64_t number = 0;
    const auto [stop, error] = std::from_chars(value, end, number);
    if (error != std::errc() || stop != end || value == end) {
      fail("postgres: column " + std::to_string(column) + " is not an integer");
    }
    return number;
  }
  bool is_null(int column) const override { return cell(column) == nullptr; }

  void reset() noexcept override {
    result_.reset();
    row_ = -1;
    for (Param& param : params_) wipe(param.value);
    params_.clear();
  }

 private:
  struct Param {
    Oid type = kUnknownOid;
    bool null = true;
    std::string value;
  };

  void set(int index, Oid type, std::string_view value, bool null = false) {
    if (index < 1 || index > 65535) fail("postgres: no parameter " + std::to_string(index));
    if (value.find('\0') != std::string_view::npos) fail("postgres: a text value holds a NUL byte");
    if (static_cast<std::size_t>(index) > params_.size()) params_.resize(index);
    Param& param = params_[static_cast<std::size_t>(index - 1)];
    wipe(param.value);
    param.value.assign(value);
    param.type = type;
    param.null = null;
  }

  // Runs the statement unless it has run since the last reset(). False only for a unique
  // violation when `allow_duplicate`; every other failure throws.
  bool run(bool allow_duplicate);

  int changed() const {
    const std::string_view count = PQcmdTuples(result_.get());
    int number = 0;
    std::from_chars(count.data(), count.data() + count.size(), number);
    return number;  // "" (no count for this command) reads as 0
  }

  // The current row's value of `column`; nullptr for NULL.
  const char* cell(int column) const {
    if (!result_ || row_ < 0 || row_ >= PQntuples(result_.get())) fail("postgres: no row to read");
    if (column < 0 || column >= PQnfields(result_.get())) {
      fail("postgres: no column " + std::to_string(column));
    }
    if (PQgetisnull(result_.get(), row_, column) != 0) return nullptr;
    return PQgetvalue(result_.get(), row_, column);
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw StoreError(message + " (" + sql::sql_excerpt(sql_) + ")");
  }

  PgConnection& conn_;
  const std::string sql_;     // as the store wrote it, for error messages and the cache key
  const std::string pg_sql_;  // with $n placeholders
  std::deque<Param> params_;  // growing a deque never copies (and leaves behind) a bound value
  ResultPtr result_;
  int row_ = -1;
};

class PgConnection final : public sql::Connection {
 public:
  explicit PgConnection(ConnPtr conn) : conn_(std::move(conn)) {}

  void exec(const std::string& sql) override { run_simple(sql); }
  sql::Dialect dialect() const override { return sql::Dialect::kPostgres; }

  void begin() override { run_simple("BEGIN"); }
  void commit() override {
    const ResultPtr result = run_simple("COMMIT");
    // COMMIT of a failed transaction rolls it back and reports success, with the tag ROLLBACK.
    if (std::string_view(PQcmdStatus(result.get())) == "ROLLBACK") {
      throw StoreError(
          "postgres: the transaction was rolled back: a statement in it had failed (SQLSTATE "
          "25P02, COMMIT)");
    }
  }
  void rollback() noexcept override {
    const ResultPtr result(PQexec(conn_.get(), "ROLLBACK"));
    if (!succeeded(result.get())) {
      spdlog::warn("ROLLBACK failed: {}", error_text(conn_.get(), result.get(), "ROLLBACK"));
    }
  }
  bool in_transaction() const override {
    const PGTransactionStatusType status = PQtransactionStatus(conn_.get());
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
  }

  void lock_key(std::string_view key) override {
    // Outside a transaction the lock would end with the statement: a caller's bug, made loud.
    if (!in_transaction()) throw StoreError("postgres: lock_key outside a transaction");
    auto stmt = prepare("SELECT pg_advisory_xact_lock(hashtextextended(?1, 0))");
    stmt.bind(1, key);
    stmt.step();
  }

  bool usable() const override { return PQstatus(conn_.get()) == CONNECTION_OK; }

  PGconn* raw() const { return conn_.get(); }

  // The server-side statement for `sql` with these parameter types, prepared on first use.
  const std::string& statement(const std::string& sql, const std::string& pg_sql,
                               const std::vector<Oid>& types) {
    std::string key;
    for (const Oid type : types) key += std::to_string(type) + ',';
    key += '\n';
    key += sql;
    if (const auto found = statements_.find(key); found != statements_.end()) return found->second;
    std::string name = "s" + std::to_string(statements_.size() + 1);
    const ResultPtr result(PQprepare(conn_.get(), name.c_str(), pg_sql.c_str(),
                                     static_cast<int>(types.size()), types.data()));
    if (!succeeded(result.get())) throw StoreError(error_text(raw(), result.get(), sql));
    return statements_.emplace(std::move(key), std::move(name)).first->second;
  }

 protected:
  sql::Cursor& cursor(std::string_view sql) override {
    std::string key(sql);
    auto found = cursors_.find(key);
    if (found == cursors_.end()) {
      auto cursor = std::make_unique<PgCursor>(*this, key);
      found = cursors_.emplace(std::move(key), std::move(cursor)).first;
    }
    return *found->second;
  }

 private:
  ResultPtr run_simple(const std::string& sql) {
    ResultPtr result(PQexec(conn_.get(), sql.c_str()));
    if (!succeeded(result.get())) throw StoreError(error_text(raw(), result.get(), sql));
    return result;
  }

  ConnPtr conn_;  // declared first: the cursors' results go before the connection
  std::unordered_map<std::string, std::unique_ptr<PgCursor>> cursors_;  // by SQL text
  std::unordered_map<std::string, std::string> statements_;  // types + SQL text -> "s<n>"
};

bool PgCursor::run(bool allow_duplicate) {
  if (result_) return true;
  std::vector<Oid> types;
  std::vector<const char*> values;
  types.reserve(params_.size());
  values.reserve(params_.size());
  for (const Param& param : params_) {
    types.push_back(param.type);
    values.push_back(param.null ? nullptr : param.value.c_str());
  }
  const std::string& name = conn_.statement(sql_, pg_sql_, types);
  ResultPtr result(PQexecPrepared(conn_.raw(), name.c_str(), static_cast<int>(values.size()),
                                  values.data(), nullptr, nullptr, 0));
  if (!succeeded(result.get())) {
    const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
    if (allow_duplicate && state != nullptr && state == kUniqueViolation) return false;
    throw StoreError(error_text(conn_.raw(), result.get(), sql_, values));
  }
  result_ = std::move(result);
  row_ = -1;
  return true;
}

// libpq's message for a failed connection, without any line that could echo the URL or its
// password. Lines name the host and port, which is what an operator needs.
std::string connect_error(std::string_view message, std::string_view url,
                          std::string_view password) {
  std::string text;
  while (!message.empty()) {
    std::string_view line = message.substr(0, message.find('\n'));
    message.remove_prefix(std::min(message.size(), line.size() + 1));
    line.remove_prefix(std::min(line.size(), line.find_first_not_of(" \t")));
    const bool echoes = line.find(url) != std::string_view::npos ||
                        (!password.empty() && line.find(password) != std::string_view::npos);
    if (line.empty() || echoes) continue;
    text += text.empty() ? "" : "; ";
    text += line;
  }
  return text.empty() ? "connection failed" : text;
}

std::unique_ptr<sql::Connection> connect(const std::string& url) {
  char* parse_error = nullptr;
  const std::unique_ptr<PQconninfoOption, Deleter<PQconninfoFree>> options(
      PQconninfoParse(url.c_str(), &parse_error));
  if (!options) {
    // The parser quotes the part of the URL it stumbled on, which may be the password.
    std::string reason = parse_error != nullptr ? first_line(parse_error) : "out of memory";
    PQfreemem(parse_error);
    reason = reason.substr(0, reason.find_last_not_of(": ", reason.find('"')) + 1);
    throw StoreError("postgres: the database URL is not valid: " + reason);
  }
  std::string password;
  bool has_timeout = false;
  bool has_name = false;
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "password") password = option->val;
    has_timeout = has_timeout || keyword == "connect_timeout";
    has_name = has_name || keyword == "application_name";
  }

  // With expand_dbname, entries before "dbname" are defaults the URL overrides; those after win.
  std::vector<const char*> keys;
  std::vector<const char*> values;
  const auto add = [&](const char* key, const char* value) {
    keys.push_back(key);
    values.push_back(value);
  };
  if (!has_timeout) add("connect_timeout", "5");
  if (!has_name) add("application_name", "ciamd");
  add("dbname", url.c_str());
  add("client_encoding", "UTF8");
  add(nullptr, nullptr);
  ConnPtr conn(PQconnectdbParams(keys.data(), values.data(), 1));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    std::string reason =
        conn ? connect_error(PQerrorMessage(conn.get()), url, password) : "out of memory";
    wipe(password);
    throw StoreError("postgres: cannot connect: " + reason);
  }
  wipe(password);
  PQsetNoticeProcessor(conn.get(), log_notice, nullptr);
  auto connection = std::make_unique<PgConnection>(std::move(conn));
  // A lock held by a stuck transaction turns into an error rather than a hung worker thread.
  connection->exec("SET lock_timeout = '10s'");
  return connection;
}

}  // namespace

std::string dollar_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  std::size_t at = 0;
  // Copies sql[at, end-of-run) unchanged, where the run ends after `close` (or at the end).
  const auto copy_through = [&](std::string_view close, std::size_t from) {
    const std::size_t found = sql.find(close, from);
    const std::size_t end = found == std::string_view::npos ? sql.size() : found + close.size();
    out.append(sql.substr(at, end - at));
    at = end;
  };
  while (at < sql.size()) {
    const char c = sql[at];
    const char next = at + 1 < sql.size() ? sql[at + 1] : '\0';
    if (c == '\'' || c == '"') {
      // A doubled quote inside reads as two adjacent quoted runs: the same result.
      copy_through(std::string_view(&sql[at], 1), at + 1);
    } else if (c == '-' && next == '-') {
      copy_through("\n", at + 2);
    } else if (c == '/' && next == '*') {
      copy_through("*/", at + 2);
    } else {
      out += c == '?' && next >= '0' && next <= '9' ? '$' : c;  // ?7 -> $7
      ++at;
    }
  }
  return out;
}

sql::ConnectionFactory connection_factory(std::string url) {
  return [url = std::move(url)]() { return connect(url); };
}

}  // namespace ciamd::postgres
