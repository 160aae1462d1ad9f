// PostgreSQL restarted under load, and PostgreSQL down for a while (docs/deployment.md, "Outages"):
// requests that need the database fail with IDAAS.SDK.COM.0002 (500) while it is gone, the node
// neither crashes nor hangs, its pool replaces the broken connections by itself so service resumes
// without a restart of ciamd, /health/ready says 503 meanwhile, and no login leaves a user without
// its identity link or a link without its user.
//
// Each test runs a PostgreSQL cluster of its own (PgCluster): the shared cluster serves other tests
// in parallel and must never go down. The SQLite variant has no server to take away and skips.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <openssl/evp.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/env.hpp"
#include "integration/support/expect.hpp"
#include "integration/support/json.hpp"
#include "integration/support/pg_client.hpp"
#include "integration/support/pg_cluster.hpp"

namespace it {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSystemBusy = "IDAAS.SDK.COM.0002";
constexpr const char* kReadyPath = "/health/ready";
// [server] blocking_threads, which the Env leaves at its default: the pool holds at most this many
// connections, so a cut of every connection breaks at most this many.
constexpr std::int64_t kPoolSize = 8;
constexpr int kClients = 8;
// Successful logins after the restart before the load stops: enough for every connection the pool
// held at the restart to have been handed out again.
constexpr std::int64_t kSuccessesAfterRestart = 10 * kPoolSize;
// A bound on waiting for the server to come back, generous for a loaded machine; never a measure of
// how fast it does.
constexpr auto kRecoveryBound = 20s;

// One login of a brand-new WeChat identity, from the client's side.
struct Answer {
  std::string openid;                  // the identity the login presented
  std::optional<HttpResult> response;  // none: no HTTP answer (reset, closed, timed out)
  std::string failure;                 // why there is no response
  bool sent_after_restart = false;     // sent once the restarted cluster was accepting again
};

bool is_success_answer(const Answer& a) {
  return a.response && a.response->status == 200 && a.response->string_field("status") == "SUCCESS";
}

bool is_busy_answer(const Answer& a) {
  return a.response && a.response->status == 500 &&
         a.response->string_field("error_code") == kSystemBusy;
}

std::string describe(const Answer& a) {
  return a.response ? a.response->describe() : "no response: " + a.failure;
}

// sessions.token_hash: the SHA-256 of the session token in lower-case hex.
std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

// Safe from several threads at once: the simulator's control API and request() keep no shared
// state. Env::login_wechat is not, it counts expected audit rows in a plain member; the audit
// trail is not what these tests check.
Answer login_new_identity(Env& env, const std::string& client) {
  Answer a;
  std::string code;
  try {
    const SimCode minted = env.sim().mint_code(env.wechat_appid(), env.new_wechat_user().user_key);
    a.openid = minted.openid;
    code = minted.code;
  } catch (const std::exception& e) {
    a.failure = std::string("the simulator failed, not the server: ") + e.what();
    return a;
  }
  try {
    a.response = request(env.port(), "POST", kLoginPath, env.login_headers(client),
                         boost::json::serialize(boost::json::object{{"code", code}}));
  } catch (const std::exception& e) {
    a.failure = e.what();
  }
  return a;
}

HttpResult ready(Env& env) {
  return request(env.admin_port(), "GET", kReadyPath);
}

// Rows of a query on the Env's database, as text.
std::vector<std::vector<std::string>> rows(Env& env, const std::string& sql) {
  const pg::Conn conn = pg::connect(env.db().url());
  const pg::Result r = pg::exec(conn.get(), sql);
  std::vector<std::vector<std::string>> out;
  for (int row = 0; row < PQntuples(r.get()); ++row) {
    std::vector<std::string> cells;
    for (int col = 0; col < PQnfields(r.get()); ++col) {
      cells.emplace_back(PQgetvalue(r.get(), row, col));
    }
    out.push_back(std::move(cells));
  }
  return out;
}

// Every answer is a SUCCESS or COM.0002: anything else (another status, another code, a reset, a
// timeout) is a failure of the node, listed up to a few.
void expect_only_success_or_busy(const std::vector<Answer>& answers) {
  std::int64_t bad = 0;
  std::string examples;
  for (const Answer& a : answers) {
    if (is_busy_answer(a)) continue;
    if (is_success_answer(a)) {
      const ::testing::AssertionResult shape = is_success(*a.response);
      if (shape) continue;
      if (++bad <= 5) examples += "  " + std::string(shape.message()) + "\n";
      continue;
    }
    if (++bad <= 5) examples += "  " + describe(a) + "\n";
  }
  EXPECT_EQ(bad, 0) << "answers other than 200 SUCCESS and 500 " << kSystemBusy << ", e.g.:\n"
                    << examples;
}

// What the outage left in the database, checked login by login. Returns the logins answered 500
// whose transaction committed all the same (see the callers for when that can be).
std::vector<const Answer*> expect_whole_logins(Env& env, const std::vector<Answer>& answers,
                                               std::int64_t users_before) {
  // Whole rows, whoever made them: no user without exactly one identity (these tests' users come
  // from WeChat logins only; the Env makes none at start), no identity or session without its
  // user.
  const DbLocation& db = env.db();
  EXPECT_EQ(query_int(db,
                      "SELECT COUNT(*) FROM users u WHERE NOT EXISTS "
                      "(SELECT 1 FROM identities i WHERE i.user_id = u.id)"),
            0)
      << "users without an identity";
  EXPECT_EQ(query_int(db,
                      "SELECT COUNT(*) FROM (SELECT user_id FROM identities GROUP BY user_id "
                      "HAVING COUNT(*) <> 1) AS x"),
            0)
      << "users with more than one identity";
  EXPECT_EQ(query_int(db,
                      "SELECT COUNT(*) FROM identities i WHERE NOT EXISTS "
                      "(SELECT 1 FROM users u WHERE u.id = i.user_id)"),
            0)
      << "identities without their user";
  EXPECT_EQ(query_int(db,
                      "SELECT COUNT(*) FROM sessions s WHERE NOT EXISTS "
                      "(SELECT 1 FROM users u WHERE u.id = s.user_id)"),
            0)
      << "sessions without their user";

  std::map<std::string, std::string> user_of_openid;
  for (const auto& r :
       rows(env, "SELECT subject, user_id FROM identities WHERE provider_app_id = '" +
                     env.wechat_appid() + "'")) {
    user_of_openid[r[0]] = r[1];
  }
  std::map<std::string, std::string> user_of_session;  // by token hash
  for (const auto& r : rows(env, "SELECT token_hash, user_id FROM sessions")) {
    user_of_session[r[0]] = r[1];
  }
  std::map<std::string, std::int64_t> sessions_of_user;
  for (const auto& [hash, user] : user_of_session) ++sessions_of_user[user];

  std::int64_t successes = 0;
  std::int64_t incomplete = 0;
  std::vector<const Answer*> landed_failures;
  for (const Answer& a : answers) {
    if (!a.response) continue;  // already a failure of expect_only_success_or_busy
    const auto linked = user_of_openid.find(a.openid);
    if (is_success_answer(a)) {
      ++successes;
      const std::string token = a.response->string_field("session_token");
      const auto session = user_of_session.find(sha256_hex(token));
      if (linked == user_of_openid.end() || session == user_of_session.end() ||
          session->second != linked->second) {
        if (++incomplete <= 5) {
          ADD_FAILURE() << "a SUCCESS whose identity or session is missing or not the same user's: "
                        << "openid " << a.openid
                        << (linked == user_of_openid.end() ? " unlinked" : "")
                        << (session == user_of_session.end() ? ", no session row" : "");
        }
      }
    } else if (linked != user_of_openid.end()) {
      // A failed login whose transaction committed: then all of it did, session included.
      landed_failures.push_back(&a);
      EXPECT_GE(sessions_of_user[linked->second], 1) << "a login answered " << a.response->status
                                                     << " left a user and identity but no session";
    }
  }
  EXPECT_EQ(incomplete, 0) << "SUCCESS answers without their rows";
  // Every user is one of these logins, each counted once: the successes plus the failures that
  // committed, nothing else (a retry inside the server that created a second user would show here).
  EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM users") - users_before,
            successes + static_cast<std::int64_t>(landed_failures.size()));
  return landed_failures;
}

class PgOutage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test_backend() != Backend::kPostgres) {
      GTEST_SKIP() << "an outage of PostgreSQL; the SQLite variant has no server to restart";
    }
    cluster_ = std::make_unique<PgCluster>();
    env_ = std::make_unique<Env>(EnvOptions{.postgres_server_url = cluster_->url()});
    client_ = env_->create_app({.unbound = "auto_create"});
  }

  void TearDown() override {
    if (HasFailure()) {
      if (env_) {
        env_->keep();
        std::cerr << "[it] logs after the failure:\n" << env_->logs();
      }
      if (cluster_) std::cerr << cluster_->log_tail();
    }
    // The server first: its database is dropped on the cluster, and the cluster goes last.
    env_.reset();
    cluster_.reset();
  }

  Env& env() { return *env_; }
  PgCluster& cluster() { return *cluster_; }

  std::unique_ptr<PgCluster> cluster_;
  std::unique_ptr<Env> env_;
  std::string client_;
};

// kClients threads logging in brand-new identities until stopped; joined on destruction, so an
// assertion that returns early cannot leave a thread running.
class Load {
 public:
  Load(Env& env, const std::string& client) {
    for (int i = 0; i < kClients; ++i) {
      threads_.emplace_back([this, &env, &client, i] {
        while (!stop_.load()) {
          // Read before the request goes out: a request marked "after" surely reached a server
          // that was accepting again.
          const bool after = restarted_.load();
          Answer a = login_new_identity(env, client);
          a.sent_after_restart = after;
          if (is_success_answer(a)) ++(after ? successes_after_ : successes_before_);
          answers_[static_cast<std::size_t>(i)].push_back(std::move(a));
        }
      });
    }
  }
  ~Load() { stop(); }
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

  void mark_restarted() { restarted_ = true; }
  std::int64_t successes_before() const { return successes_before_.load(); }
  std::int64_t successes_after() const { return successes_after_.load(); }

  // Stops and joins the threads; every answer, in no particular order.
  std::vector<Answer> stop() {
    stop_ = true;
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
    std::vector<Answer> all;
    for (auto& list : answers_) {
      for (Answer& a : list) all.push_back(std::move(a));
      list.clear();
    }
    return all;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> restarted_{false};
  std::atomic<std::int64_t> successes_before_{0};
  std::atomic<std::int64_t> successes_after_{0};
  std::vector<std::vector<Answer>> answers_ = std::vector<std::vector<Answer>>(kClients);
  std::vector<std::thread> threads_;
};

TEST_F(PgOutage, RestartUnderLoadFailsOnlyRequestsInFlightAndServiceResumes) {
  const std::int64_t users_before = query_int(env().db(), "SELECT COUNT(*) FROM users");
  std::vector<Answer> answers;
  bool resumed = false;
  {
    Load load(env(), client_);
    // Connections in use and idle in the pool when the restart cuts them all.
    ASSERT_TRUE(eventually([&] { return load.successes_before() >= 2 * kClients; }, kRecoveryBound))
        << "the load never got going";
    cluster().restart();  // pg_ctl restart -m fast -w: back and accepting when it returns
    load.mark_restarted();
    resumed = eventually([&] { return load.successes_after() >= 1; }, kRecoveryBound);
    // And for a while after, so broken connections still idle in the pool are handed out too.
    eventually([&] { return load.successes_after() >= kSuccessesAfterRestart; }, kRecoveryBound);
    answers = load.stop();
  }

  std::int64_t busy = 0;
  std::int64_t busy_after = 0;
  std::int64_t successes_after = 0;
  for (const Answer& a : answers) {
    if (is_busy_answer(a)) {
      ++busy;
      if (a.sent_after_restart) ++busy_after;
    }
    if (is_success_answer(a) && a.sent_after_restart) ++successes_after;
  }
  std::cout << "[pg_outage] " << answers.size() << " logins: " << busy << " answered "
            << kSystemBusy << " (" << busy_after << " of them sent after the restart), "
            << successes_after << " SUCCESS after the restart\n";

  expect_only_success_or_busy(answers);
  EXPECT_TRUE(env().server_running()) << "ciamd exited: " << env().server_output();
  // The essential promise: the same process serves again, without a restart of its own.
  EXPECT_TRUE(resumed) << "no login succeeded after the restart";
  EXPECT_GE(successes_after, 1);
  // Once the cluster accepts again, only the connections the restart cut can fail a request, each
  // once: the pool drops a broken connection when it is given back. (No COM.0002 at all is fine:
  // the restart may fall between two requests of every connection.)
  EXPECT_LE(busy_after, kPoolSize) << "broken connections were handed out more than once";

  // A 500 whose login committed anyway: the COMMIT reached the server and was carried out, but the
  // restart cut the connection before ciamd read its acknowledgement, so ciamd could only report a
  // failure. Nothing after the commit in a login touches the database, so there is no other way.
  // It takes a connection cut at that very moment: at most one per connection, and never for a
  // request sent after the restart, when no connection is cut any more.
  const std::vector<const Answer*> landed = expect_whole_logins(env(), answers, users_before);
  std::cout << "[pg_outage] " << landed.size() << " logins answered 500 committed all the same\n";
  EXPECT_LE(static_cast<std::int64_t>(landed.size()), kPoolSize);
  for (const Answer* a : landed) {
    EXPECT_FALSE(a->sent_after_restart)
        << "a login sent after the restart committed but was answered " << describe(*a);
  }

  // And the node goes on as normal afterwards.
  const Answer next = login_new_identity(env(), client_);
  EXPECT_TRUE(is_success_answer(next)) << describe(next);
  EXPECT_EQ(ready(env()).status, 200);
}

TEST_F(PgOutage, DatabaseDownAnswersBusyAndNotReadyThenRecovers) {
  const std::int64_t users_before = query_int(env().db(), "SELECT COUNT(*) FROM users");
  std::vector<Answer> answers;
  ASSERT_TRUE(eventually([&] { return ready(env()).status == 200; }, kRecoveryBound))
      << ready(env()).describe();
  answers.push_back(login_new_identity(env(), client_));
  ASSERT_TRUE(is_success_answer(answers.back())) << describe(answers.back());

  cluster().halt();  // pg_ctl stop -m fast -w: down, every connection cut, when it returns

  // The first probe meets a pooled connection the halt broke, later ones a refused connect: both
  // are "the database is down".
  for (int probe = 0; probe < 2; ++probe) {
    const HttpResult r = ready(env());
    EXPECT_EQ(r.status, 503) << r.describe();
    const boost::json::value body = r.json();
    ASSERT_TRUE(body.is_object()) << r.describe();
    EXPECT_EQ(string_at(body.as_object(), "status"), "not_ready") << r.describe();
    const boost::json::value* checks = body.as_object().if_contains("checks");
    ASSERT_TRUE(checks != nullptr && checks->is_object()) << r.describe();
    EXPECT_EQ(string_at(checks->as_object(), "database"), "error") << r.describe();
  }
  // More logins than the pool holds connections: the broken ones are used up and then new ones
  // cannot be opened; every one of them is COM.0002, none hangs.
  for (std::int64_t i = 0; i < kPoolSize + 2; ++i) {
    answers.push_back(login_new_identity(env(), client_));
    EXPECT_TRUE(is_busy_answer(answers.back())) << describe(answers.back());
  }
  EXPECT_TRUE(env().server_running()) << "ciamd exited: " << env().server_output();

  cluster().resume();

  EXPECT_TRUE(eventually([&] { return ready(env()).status == 200; }, kRecoveryBound))
      << ready(env()).describe();
  // COM.0002 is still possible here (a connection the halt broke, not handed out yet); every
  // attempt is kept and checked like the others.
  EXPECT_TRUE(eventually(
      [&] {
        answers.push_back(login_new_identity(env(), client_));
        return is_success_answer(answers.back());
      },
      kRecoveryBound))
      << describe(answers.back());
  EXPECT_TRUE(env().server_running()) << "ciamd exited: " << env().server_output();

  expect_only_success_or_busy(answers);
  // Every failed login here was sent while the server was down or after it was back, never while a
  // connection was being cut: none of them can have committed.
  const std::vector<const Answer*> landed = expect_whole_logins(env(), answers, users_before);
  EXPECT_TRUE(landed.empty()) << landed.size() << " failed logins committed, e.g. "
                              << (landed.empty() ? "" : describe(*landed.front()));
}

}  // namespace
}  // namespace it
