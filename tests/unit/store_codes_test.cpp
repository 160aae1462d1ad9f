// Store on SQLite, migration 002: verification codes (only the newest works, expiry, failed
// attempts up to revocation, also from many threads) and the send log behind the rate limits.
// Consuming a code in commit_login: store_commit_test.cpp.
#include <algorithm>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "store/migrations/migrations.hpp"
#include "unit/store_test_support.hpp"

namespace ciamd {
namespace {

using testing_support::RawDb;
using testing_support::StoreTest;

constexpr int kMaxAttempts = 5;

class StoreCodesTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ASSERT_TRUE(store_->create_application(sample_app("client-a")));
    add_flow(sample_flow("flow-1", "client-a"));
    add_flow(sample_flow("flow-2", "client-a"));
  }

  std::optional<VerificationCode> live(const VerificationCode& like, UnixSeconds now = 1700000200) {
    return store_->find_live_code(like.flow_id, like.purpose, like.target, now);
  }

  std::string column(const std::string& code_id, const std::string& name) {
    return RawDb(path_).scalar("SELECT " + name + " FROM verification_codes WHERE id = '" +
                               code_id + "'");
  }
};

// --- migration 002 -----------------------------------------------------------------------------

TEST_F(StoreTest, FreshDatabaseGetsTheCodeTables) {
  EXPECT_EQ(store_->schema_version(), embedded_migrations().back().version);
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_migrations WHERE version = 2"),
            "verification_codes");
  for (const char* name : {"verification_codes", "send_events", "verification_codes_live_key",
                           "send_events_key_idx"}) {
    EXPECT_EQ(
        raw.scalar(std::string("SELECT COUNT(*) FROM sqlite_master WHERE name = '") + name + "'"),
        "1")
        << name;
  }
  EXPECT_EQ(raw.count("verification_codes"), 0);
  EXPECT_EQ(raw.count("send_events"), 0);
}

TEST_F(StoreTest, UpgradesAVersionOneDatabaseKeepingItsData) {
  // A database as a build that knew only 001_initial left it.
  const auto v1_path = dir_ / "v1.db";
  create_legacy_database(v1_path, 1);
  insert_legacy_application(v1_path, sample_app("client-a"));
  {
    // Data written through the store while the schema is still at version 1 (the tables these
    // rows go to have not changed since).
    auto old = open_store("sqlite://" + v1_path.string(), sealer_);
    ASSERT_EQ(old->schema_version(), 1);
    LoginCommit commit;
    commit.new_user = sample_user("1001");
    commit.new_identity = sample_identity("openid-1001", "1001");
    commit.new_flow = sample_flow("flow-1", "client-a");
    commit.now = 1700000000;
    ASSERT_EQ(old->commit_login(commit), CommitResult::kOk);
  }

  const int latest = embedded_migrations().back().version;
  auto store = open_store("sqlite://" + v1_path.string(), sealer_);
  EXPECT_EQ(store->migrate(), latest);
  EXPECT_EQ(store->migrate(), latest);  // and idempotent from there
  EXPECT_EQ(RawDb(v1_path).count("schema_migrations"), latest);

  const auto app = store->find_application("client-a");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->wechat.secret, sample_app("client-a").wechat.secret);
  ASSERT_TRUE(store->find_user("1001"));
  ASSERT_TRUE(store->find_identity("wechat", "wx-app", "openid-1001"));
  ASSERT_TRUE(store->find_flow_state("flow-1"));

  // The new tables work against the old rows.
  const VerificationCode code = sample_code("code-1", "flow-1");
  store->insert_verification_code(code);
  EXPECT_TRUE(store->find_live_code("flow-1", code.purpose, code.target, 1700000200));
  store->record_send("target:+8615907132852", "+8615907132852", 1700000100);
  EXPECT_EQ(store->count_sends("target:+8615907132852", 0), 1);
}

// --- codes -------------------------------------------------------------------------------------

TEST_F(StoreCodesTest, CodeRoundTrips) {
  VerificationCode code = sample_code("code-1", "flow-1");
  code.purpose = "BIND_EMAIL_EMS";
  code.target = "zhang.san@example.com";
  store_->insert_verification_code(code);

  const auto found = live(code);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, code.id);
  EXPECT_EQ(found->flow_id, code.flow_id);
  EXPECT_EQ(found->purpose, code.purpose);
  EXPECT_EQ(found->target, code.target);
  EXPECT_EQ(found->code_hash, code.code_hash);
  EXPECT_EQ(found->attempts, 0);
  EXPECT_EQ(found->created_at, code.created_at);
  EXPECT_EQ(found->expires_at, code.expires_at);
  EXPECT_FALSE(found->used);
  EXPECT_FALSE(found->revoked);
}

TEST_F(StoreCodesTest, NewerCodeRevokesTheOlderOneOnly) {
  const VerificationCode first = sample_code("code-1", "flow-1", 1700000100);
  VerificationCode other_target = sample_code("code-t", "flow-1", 1700000100);
  other_target.target = "+8613800000000";
  VerificationCode other_purpose = sample_code("code-p", "flow-1", 1700000100);
  other_purpose.purpose = "BIND_MOBILE_SMS";
  const VerificationCode other_flow = sample_code("code-f", "flow-2", 1700000100);
  for (const auto& code : {first, other_target, other_purpose, other_flow}) {
    store_->insert_verification_code(code);
  }

  const VerificationCode second = sample_code("code-2", "flow-1", 1700000160);
  store_->insert_verification_code(second);
  const auto found = live(first);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "code-2");
  EXPECT_EQ(column("code-1", "revoked"), "1");
  EXPECT_EQ(column("code-2", "revoked"), "0");
  // Codes of another target, purpose or flow are not touched.
  for (const auto& code : {other_target, other_purpose, other_flow}) {
    const auto still = live(code);
    ASSERT_TRUE(still) << code.id;
    EXPECT_EQ(still->id, code.id);
  }
  EXPECT_FALSE(store_->find_live_code("flow-1", "MFA_AUTH_SMS", first.target, 1700000200));
}

TEST_F(StoreCodesTest, TheDatabaseHoldsOneLiveCodePerTarget) {
  // Even a writer that skips insert_verification_code cannot make a second live code.
  store_->insert_verification_code(sample_code("code-1", "flow-1"));
  EXPECT_THROW(RawDb(path_).exec("INSERT INTO verification_codes VALUES ('code-x', 'flow-1', "
                                 "'REGISTER_SMS', '+8615907132852', 'h', 0, 1, 2, 0, 0)"),
               std::runtime_error);
}

TEST_F(StoreCodesTest, CodeOfAnUnknownFlowOrDuplicateIdIsRefused) {
  EXPECT_THROW(store_->insert_verification_code(sample_code("code-1", "flow-unknown")), StoreError);
  store_->insert_verification_code(sample_code("code-1", "flow-1"));
  // Same triple, same id: the revocation of code-1 runs, then the insert fails...
  EXPECT_THROW(store_->insert_verification_code(sample_code("code-1", "flow-1", 1700000160)),
               StoreError);
  // ...and rolls the revocation back with it.
  EXPECT_EQ(column("code-1", "revoked"), "0");
}

TEST_F(StoreCodesTest, ExpiredCodeIsNotFound) {
  const VerificationCode code = sample_code("code-1", "flow-1");
  store_->insert_verification_code(code);
  EXPECT_TRUE(live(code, code.expires_at - 1));
  EXPECT_FALSE(live(code, code.expires_at));  // expires_at is the first bad second
  // A new code replaces an expired one (the unique index counts expired codes as live).
  const VerificationCode next = sample_code("code-2", "flow-1", code.expires_at + 10);
  store_->insert_verification_code(next);
  const auto found = live(next, next.created_at);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "code-2");
}

TEST_F(StoreCodesTest, FailedAttemptsRevokeAtTheMaximumAndStopThere) {
  const VerificationCode code = sample_code("code-1", "flow-1");
  store_->insert_verification_code(code);
  for (int i = 1; i < kMaxAttempts; ++i) {
    EXPECT_EQ(store_->record_failed_attempt("code-1", kMaxAttempts), i);
    const auto found = live(code);
    ASSERT_TRUE(found) << i;
    EXPECT_EQ(found->attempts, i);
  }
  EXPECT_EQ(store_->record_failed_attempt("code-1", kMaxAttempts), kMaxAttempts);
  EXPECT_FALSE(live(code));
  EXPECT_EQ(column("code-1", "revoked"), "1");
  EXPECT_EQ(store_->record_failed_attempt("code-1", kMaxAttempts), kMaxAttempts);
  EXPECT_EQ(column("code-1", "attempts"), "5");

  EXPECT_EQ(store_->record_failed_attempt("code-unknown", kMaxAttempts), 0);
  EXPECT_THROW(store_->record_failed_attempt("code-1", 0), StoreError);
}

TEST_F(StoreCodesTest, FailedAttemptOnAReplacedCodeKeepsItRevoked) {
  store_->insert_verification_code(sample_code("code-1", "flow-1"));
  store_->insert_verification_code(sample_code("code-2", "flow-1", 1700000160));
  EXPECT_EQ(store_->record_failed_attempt("code-1", kMaxAttempts), 1);
  EXPECT_EQ(column("code-1", "revoked"), "1");
  EXPECT_EQ(column("code-2", "attempts"), "0");
}

// Runs record_failed_attempt(code-1, max) on eight threads released at once.
std::vector<int> race_attempts(Store& store, int max_attempts) {
  constexpr int kThreads = 8;
  std::vector<int> results;
  std::mutex mutex;
  std::latch start(kThreads);
  {
    std::vector<std::jthread> threads;
    threads.reserve(kThreads);
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        const int attempts = store.record_failed_attempt("code-1", max_attempts);
        const std::lock_guard lock(mutex);
        results.push_back(attempts);
      });
    }
  }
  std::sort(results.begin(), results.end());
  return results;
}

TEST_F(StoreCodesTest, EightConcurrentFailuresCountEight) {
  store_->insert_verification_code(sample_code("code-1", "flow-1"));
  EXPECT_EQ(race_attempts(*store_, 100), (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(column("code-1", "attempts"), "8");
  EXPECT_EQ(column("code-1", "revoked"), "0");
}

TEST_F(StoreCodesTest, EightConcurrentFailuresStopAtTheMaximum) {
  store_->insert_verification_code(sample_code("code-1", "flow-1"));
  EXPECT_EQ(race_attempts(*store_, kMaxAttempts), (std::vector<int>{1, 2, 3, 4, 5, 5, 5, 5}));
  EXPECT_EQ(column("code-1", "attempts"), "5");
  EXPECT_EQ(column("code-1", "revoked"), "1");
}

// --- send accounting ---------------------------------------------------------------------------

TEST_F(StoreCodesTest, SendsCountPerKeyAndWindow) {
  const std::string target = "target:+8615907132852";
  const std::string peer = "peer:203.0.113.7";
  for (UnixSeconds at : {100, 150, 150, 200}) store_->record_send(target, "+8615907132852", at);
  store_->record_send(peer, "+8615907132852", 150);

  EXPECT_EQ(store_->count_sends(target, 0), 4);
  EXPECT_EQ(store_->count_sends(target, 150), 3);  // "at or after"
  EXPECT_EQ(store_->count_sends(target, 151), 1);
  EXPECT_EQ(store_->count_sends(target, 201), 0);
  EXPECT_EQ(store_->count_sends(peer, 0), 1);
  EXPECT_EQ(store_->count_sends("target:+8613800000000", 0), 0);
  EXPECT_EQ(store_->count_sends("target:+86159071328", 0), 0);  // keys match whole, not prefixes
}

TEST_F(StoreCodesTest, OtherTargetsCountDistinctTargetsPerKeyAndWindow) {
  const std::string flow = "flow:flow-1";
  store_->record_send(flow, "+8615907132852", 100);
  store_->record_send(flow, "+8615907132852", 150);  // the same target twice counts once
  store_->record_send(flow, "a@example.com", 150);
  store_->record_send(flow, "+8613800000000", 200);
  store_->record_send("flow:flow-2", "+8613900000000", 200);  // another key

  EXPECT_EQ(store_->count_other_targets(flow, "+8618600000000", 0), 3);
  EXPECT_EQ(store_->count_other_targets(flow, "+8615907132852", 0), 2);    // itself left out
  EXPECT_EQ(store_->count_other_targets(flow, "+8618600000000", 150), 3);  // "at or after"
  EXPECT_EQ(store_->count_other_targets(flow, "+8618600000000", 151), 1);
  EXPECT_EQ(store_->count_other_targets(flow, "+8618600000000", 201), 0);
  EXPECT_EQ(store_->count_other_targets("flow:flow-3", "+8618600000000", 0), 0);
  EXPECT_EQ(store_->count_other_targets("flow:flow", "+8618600000000", 0), 0);  // whole keys
  EXPECT_EQ(store_->count_sends(flow, 0), 4);
}

}  // namespace
}  // namespace ciamd
