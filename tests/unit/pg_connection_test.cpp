// store/postgres/pg_connection against a real server: test_postgres_url() names a database
// on it that the tests may use to CREATE DATABASE (each test makes and drops its own, so tests can
// run in parallel). Without that variable the tests skip.
#include "store/postgres/pg_connection.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "store/sql/connection.hpp"
#include "store/store.hpp"
#include "support/postgres_url.hpp"

namespace ciamd::postgres {
namespace {

struct ConnDeleter {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct ResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};

// A plain libpq connection, as an operator's psql would be.
class RawConn {
 public:
  explicit RawConn(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(conn_.get()));
    }
  }
  // The first column of the first row ("" for none); throws on error.
  std::string scalar(const std::string& sql) {
    const std::unique_ptr<PGresult, ResultDeleter> result(PQexec(conn_.get(), sql.c_str()));
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      throw std::runtime_error(sql + ": " + PQresultErrorMessage(result.get()));
    }
    if (PQntuples(result.get()) == 0 || PQnfields(result.get()) == 0) return "";
    return PQgetvalue(result.get(), 0, 0);
  }

 private:
  std::unique_ptr<PGconn, ConnDeleter> conn_;
};

// `url` with its database replaced by `db`.
std::string with_database(const std::string& url, const std::string& db) {
  const std::size_t authority = url.find("://") + 3;
  const std::size_t path = url.find_first_of("/?", authority);
  if (path == std::string::npos) return url + "/" + db;
  const std::size_t query = url.find('?', path);
  return url.substr(0, path) + "/" + db + (query == std::string::npos ? "" : url.substr(query));
}

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::optional<std::string> base = ciamd::test_support::test_postgres_url();
    if (!base) GTEST_SKIP() << "no PostgreSQL server to test against (run through ctest)";
    base_url_ = *base;
    std::random_device random;
    db_ = "ciamd_pgtest_" + std::to_string(::getpid()) + "_" + std::to_string(random() % 1000000);
    RawConn(base_url_).scalar("CREATE DATABASE " + db_);
    url_ = with_database(base_url_, db_);
    conn_ = connection_factory(url_)();
    conn_->exec(
        "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, note TEXT);"
        "CREATE TABLE log (seq BIGSERIAL PRIMARY KEY, who TEXT NOT NULL);");
  }
  void TearDown() override {
    conn_.reset();
    if (!db_.empty()) RawConn(base_url_).scalar("DROP DATABASE IF EXISTS " + db_ + " WITH (FORCE)");
  }

  std::string scalar(const std::string& sql) { return RawConn(url_).scalar(sql); }
  void insert(sql::Connection& conn, std::int64_t id, const std::string& name) {
    auto stmt = conn.prepare("INSERT INTO t (id, name) VALUES (?1, ?2)");
    stmt.bind_all(id, name);
    EXPECT_EQ(stmt.execute(), 1);
  }

  std::string base_url_;
  std::string db_;
  std::string url_;
  std::unique_ptr<sql::Connection> conn_;
};

TEST(PgPlaceholders, TranslatesOutsideLiteralsIdentifiersAndComments) {
  EXPECT_EQ(dollar_placeholders("SELECT ?1, ?12 FROM t WHERE a = ?2"),
            "SELECT $1, $12 FROM t WHERE a = $2");
  EXPECT_EQ(dollar_placeholders("SELECT 'it''s ?1', \"q\"\"?2\", ?3 -- ?4 here\n, ?5 /* ?6 */"),
            "SELECT 'it''s ?1', \"q\"\"?2\", $3 -- ?4 here\n, $5 /* ?6 */");
  EXPECT_EQ(dollar_placeholders("SELECT '?1"), "SELECT '?1");  // unterminated: left alone
  EXPECT_EQ(dollar_placeholders("a ? b ?x"), "a ? b ?x");      // not a numbered placeholder
}

TEST_F(PgConnectionTest, PlaceholdersInLiteralsAndCommentsReachTheServerUnchanged) {
  auto stmt = conn_->prepare("SELECT 'it''s ?1', ?1 -- ?2 is not a parameter\n");
  stmt.bind_all("x");
  ASSERT_TRUE(stmt.step());
  EXPECT_EQ(stmt.text(0), "it's ?1");
  EXPECT_EQ(stmt.text(1), "x");
  EXPECT_FALSE(stmt.step());
  EXPECT_EQ(conn_->dialect(), sql::Dialect::kPostgres);
}

TEST_F(PgConnectionTest, BindsAndStepsOverSeveralRows) {
  for (int id = 1; id <= 4; ++id) insert(*conn_, id, "n" + std::to_string(id));
  auto stmt = conn_->prepare("SELECT id, name FROM t WHERE id >= ?1 AND name <> ?2 ORDER BY id");
  stmt.bind_all(2, "n3");
  std::string seen;
  while (stmt.step()) seen += std::to_string(stmt.int64(0)) + "=" + stmt.text(1) + " ";
  EXPECT_EQ(seen, "2=n2 4=n4 ");
  EXPECT_FALSE(stmt.step());
  EXPECT_THROW(stmt.text(0), StoreError);  // past the last row
}

TEST_F(PgConnectionTest, NullsReadAsEmptyAndZero) {
  auto stmt = conn_->prepare("INSERT INTO t (id, name, note) VALUES (?1, ?2, ?3)");
  stmt.bind_all(1, sql::NullIfEmpty{""}, nullptr);
  EXPECT_EQ(stmt.execute(), 1);
  auto read = conn_->prepare("SELECT name, note, CAST(NULL AS BIGINT) FROM t WHERE id = 1");
  ASSERT_TRUE(read.step());
  EXPECT_TRUE(read.is_null(0));
  EXPECT_TRUE(read.is_null(1));
  EXPECT_EQ(read.text(0), "");
  EXPECT_EQ(read.int64(2), 0);
  EXPECT_THROW(read.text(3), StoreError);
}

TEST_F(PgConnectionTest, ExecuteCountsChangedRows) {
  for (int id = 1; id <= 3; ++id) insert(*conn_, id, id == 3 ? "other" : "same");
  auto update = conn_->prepare("UPDATE t SET note = ?1 WHERE name = ?2");
  update.bind_all("x", "same");
  EXPECT_EQ(update.execute(), 2);
  auto remove = conn_->prepare("DELETE FROM t WHERE id > ?1");
  remove.bind_all(100);
  EXPECT_EQ(remove.execute(), 0);
}

TEST_F(PgConnectionTest, ExecuteUnlessDuplicateOnPrimaryKey) {
  const std::string sql = "INSERT INTO t (id, name) VALUES (?1, ?2)";
  {
    auto stmt = conn_->prepare(sql);
    stmt.bind_all(7, "first");
    EXPECT_EQ(stmt.execute_unless_duplicate(), 1);
  }
  {
    auto stmt = conn_->prepare(sql);
    stmt.bind_all(7, "second");
    EXPECT_EQ(stmt.execute_unless_duplicate(), std::nullopt);
  }
  EXPECT_EQ(scalar("SELECT name FROM t WHERE id = 7"), "first");
  insert(*conn_, 8, "after");  // outside a transaction, nothing was left aborted
}

TEST_F(PgConnectionTest, TransactionsCommitAndRollBack) {
  EXPECT_FALSE(conn_->in_transaction());
  {
    sql::Transaction tx(*conn_);
    EXPECT_TRUE(conn_->in_transaction());
    insert(*conn_, 1, "kept");
    EXPECT_EQ(scalar("SELECT count(*) FROM t"), "0");  // not yet visible to others
    tx.commit();
  }
  EXPECT_FALSE(conn_->in_transaction());
  {
    sql::Transaction tx(*conn_);
    insert(*conn_, 2, "dropped");
  }
  EXPECT_FALSE(conn_->in_transaction());
  EXPECT_EQ(scalar("SELECT string_agg(name, ',') FROM t"), "kept");
}

TEST_F(PgConnectionTest, CommitAfterAnErrorInTheTransactionThrows) {
  insert(*conn_, 1, "one");
  {
    sql::Transaction tx(*conn_);
    insert(*conn_, 2, "two");
    auto dup = conn_->prepare("INSERT INTO t (id, name) VALUES (?1, ?2)");
    dup.bind_all(1, "again");
    EXPECT_EQ(dup.execute_unless_duplicate(), std::nullopt);
    EXPECT_TRUE(conn_->in_transaction());
    EXPECT_THROW(tx.commit(), StoreError);
    EXPECT_FALSE(conn_->in_transaction());
  }
  {
    sql::Transaction tx(*conn_);
    EXPECT_THROW(conn_->prepare("SELECT no_such_column FROM t").step(), StoreError);
    EXPECT_THROW(tx.commit(), StoreError);
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), "1");
  EXPECT_TRUE(conn_->usable());
}

TEST_F(PgConnectionTest, ErrorsNameSqlstateAndExcerptButNoBoundValue) {
  try {
    auto stmt = conn_->prepare("SELECT CAST(?1 AS BIGINT)");
    stmt.bind_all("topsecret-value");
    stmt.step();
    FAIL() << "no error";
  } catch (const StoreError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("postgres: ", 0), 0u) << message;
    EXPECT_NE(message.find("SQLSTATE 22P02"), std::string::npos) << message;
    EXPECT_NE(message.find("SELECT CAST(?1"), std::string::npos) << message;
    EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
  }
  auto stmt = conn_->prepare("SELECT name FROM t");
  EXPECT_THROW(stmt.int64(0), StoreError);  // no row
  insert(*conn_, 1, "not a number");
  ASSERT_TRUE(stmt.step());
  EXPECT_THROW(stmt.int64(0), StoreError);
}

TEST_F(PgConnectionTest, LockKeySerializesTransactions) {
  auto other = connection_factory(url_)();
  EXPECT_THROW(conn_->lock_key("k"), StoreError);  // outside a transaction
  sql::Transaction first(*conn_);
  conn_->lock_key("send:+8613800138000");
  std::thread second([&] {
    sql::Transaction tx(*other);
    other->lock_key("send:+8613800138000");  // waits for `first` to end
    other->prepare("INSERT INTO log (who) VALUES ('second')").execute();
    tx.commit();
  });
  // Proceed once the second transaction is waiting for the lock.
  RawConn observer(url_);
  std::string waiting;
  for (int i = 0; i < 1000 && waiting != "1"; ++i) {
    waiting = observer.scalar(
        "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
        "WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()");
    if (waiting != "1") std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(waiting, "1");
  conn_->prepare("INSERT INTO log (who) VALUES ('first')").execute();
  first.commit();
  second.join();
  EXPECT_EQ(scalar("SELECT string_agg(who, ',' ORDER BY seq) FROM log"), "first,second");
}

TEST_F(PgConnectionTest, Int64RoundTripsBeyond32Bits) {
  const std::int64_t values[] = {(std::int64_t{1} << 31) + 5, -(std::int64_t{1} << 40),
                                 std::numeric_limits<std::int64_t>::max(),
                                 std::numeric_limits<std::int64_t>::min()};
  for (const std::int64_t value : values) {
    insert(*conn_, value, "v");
    auto stmt = conn_->prepare("SELECT id, CAST(id AS TEXT) FROM t WHERE id = ?1");
    stmt.bind_all(value);
    ASSERT_TRUE(stmt.step());
    EXPECT_EQ(stmt.int64(0), value);
    EXPECT_EQ(stmt.text(1), std::to_string(value));
  }
}

TEST_F(PgConnectionTest, ReusesOnePreparedStatement) {
  for (int id = 1; id <= 3; ++id) insert(*conn_, id, "r");
  auto count = conn_->prepare(
      "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO t %'");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.int64(0), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), "3");
}

TEST_F(PgConnectionTest, NullAndTextBindsGetTheirOwnStatements) {
  insert(*conn_, 1, "text");
  auto stmt = conn_->prepare("INSERT INTO t (id, name) VALUES (?1, ?2)");
  stmt.bind_all(2, nullptr);
  EXPECT_EQ(stmt.execute(), 1);
  auto count = conn_->prepare(
      "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO t %'");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.int64(0), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM t WHERE name IS NULL"), "1");
}

TEST_F(PgConnectionTest, PoolDropsABrokenConnection) {
  conn_.reset();
  sql::ConnectionPool pool(connection_factory(url_), 1);
  std::string old_pid;
  {
    auto lease = pool.acquire();
    auto pid = lease->prepare("SELECT pg_backend_pid()");
    ASSERT_TRUE(pid.step());
    old_pid = pid.text(0);
  }
  {
    auto lease = pool.acquire();
    EXPECT_EQ(scalar("SELECT pg_terminate_backend(" + old_pid + ", 5000)"), "t");
    EXPECT_THROW(lease->prepare("SELECT 1").step(), StoreError);
    EXPECT_FALSE(lease->usable());
  }
  auto lease = pool.acquire();
  EXPECT_TRUE(lease->usable());
  auto pid = lease->prepare("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.step());
  EXPECT_NE(pid.text(0), old_pid);
}

TEST_F(PgConnectionTest, ConnectFailureDoesNotRevealThePassword) {
  const std::string no_such_db = with_database(base_url_, "ciamd_no_such_db");
  const char* joint = no_such_db.find('?') == std::string::npos ? "?" : "&";
  for (const std::string& url :
       {std::string("postgresql://ciamd:s3cretpw@127.0.0.1:1/db"),
        std::string("postgresql://ciamd:s3cretpw%zz@127.0.0.1:1/db"),
        std::string("postgresql://ciamd:s3cretpw@127.0.0.1:1/db?bogus=s3cretpw"),
        no_such_db + joint + "password=s3cretpw"}) {
    try {
      connection_factory(url)();
      ADD_FAILURE() << "connected";
    } catch (const StoreError& e) {
      EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("postgres: ", 0), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace ciamd::postgres
