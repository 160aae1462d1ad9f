// Store on SQLite, migration 005: session refresh (compare-and-swap, token rotation and the
// retired tokens behind reuse detection), revocation, listing, the purge of expired rows, and
// signing-key rotation.
#include <atomic>
#include <cstddef>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "store/migrations/migrations.hpp"
#include "unit/store_test_support.hpp"

namespace ciamd {
namespace {

using testing_support::RawDb;
using testing_support::StoreTest;

constexpr UnixSeconds kNow = 1700100000;

// A refresh of `session_id` at `now` from `presented` to `next`, for two hours.
SessionRefresh refresh(const std::string& session_id, const std::string& presented,
                       const std::string& next, UnixSeconds now = kNow) {
  SessionRefresh r;
  r.session_id = session_id;
  r.presented_token_hash = presented;
  r.new_token_hash = next;
  r.new_expires_at = now + 7200;
  r.now = now;
  return r;
}

class StoreSessionsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ASSERT_TRUE(store_->create_application(sample_app("client-a")));
    add_user(sample_user("1001"));
    add_user(sample_user("1002"));
  }

  // A session of `user_id` created at `created_at`, live until `expires_at`.
  static Session session(const std::string& id, const std::string& user_id,
                         UnixSeconds created_at = kNow - 100,
                         UnixSeconds expires_at = kNow + 3600) {
    Session s = sample_session(id, user_id, "client-a");
    s.created_at = created_at;
    s.expires_at = expires_at;
    return s;
  }

  void add_session(const Session& s) {
    LoginCommit commit;
    commit.session = s;
    commit.now = s.created_at;
    ASSERT_EQ(store_->commit_login(commit), CommitResult::kOk);
  }

  std::int64_t count(const std::string& table) { return RawDb(path_).count(table); }

  static std::vector<std::string> ids(const std::vector<Session>& sessions) {
    std::vector<std::string> out;
    for (const auto& s : sessions) out.push_back(s.id);
    return out;
  }
};

// --- migration 005 -----------------------------------------------------------------------------

TEST_F(StoreTest, FreshDatabaseGetsTheSessionTablesAndApplicationDefaults) {
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_migrations WHERE version = 5"), "sessions_keys");
  EXPECT_EQ(raw.count("retired_session_tokens"), 0);
  // The defaults a row written without the new columns gets (what an upgraded row gets).
  raw.exec(
      "INSERT INTO applications (client_id, name, enabled, unbound_policy, bind_methods, "
      "access_policy, mfa_policy, wechat_appid, wechat_secret_sealed, wechat_session_ttl, "
      "weibo_session_ttl, id_token_ttl, created_at, updated_at) VALUES ('client-raw', 'Raw', 1, "
      "'register', 'VERIFY_PHONE', 'all', 'off', '', '', 1, 1, 1, 1, 1)");
  const auto app = store_->find_application("client-raw");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->id_token_alg, IdTokenAlg::kRS256);
  EXPECT_EQ(app->session_lifetime, SessionLifetime::kFixed);
  EXPECT_EQ(app->session_max_lifetime, kDefaultSessionMaxLifetime);
  EXPECT_FALSE(app->rotate_session_token);
  // 009: mainland China numbers only, and the default hourly budget.
  EXPECT_EQ(app->allowed_country_codes, std::vector<std::string>{"86"});
  EXPECT_EQ(app->hourly_send_budget, kDefaultHourlySendBudget);
}

TEST_F(StoreTest, UpgradesAVersionFourDatabaseKeepingItsApplicationsSessionsAndKeys) {
  // A database as a build that knew 001 to 004 left it: an application, a user, a session and a
  // signing key. The session and key go in by hand: this build's store names columns 005 adds.
  const auto v4_path = dir_ / "v4.db";
  create_legacy_database(v4_path, 4);
  insert_legacy_application(v4_path, sample_app("client-a"));
  {
    auto old = open_store("sqlite://" + v4_path.string(), sealer_);
    ASSERT_EQ(old->schema_version(), 4);
    LoginCommit commit;
    commit.new_user = sample_user("1001");
    commit.now = 1700000000;
    ASSERT_EQ(old->commit_login(commit), CommitResult::kOk);
  }
  RawDb(v4_path).exec(
      "INSERT INTO sessions (id, token_hash, user_id, client_id, provider, device_fingerprint, "
      "created_at, expires_at, revoked) VALUES ('s-old', 'hash-old', '1001', 'client-a', "
      "'wechat', 'device-1', 1700000200, 1700432200, 0);"
      "INSERT INTO signing_keys (kid, algorithm, sealed_private_key, state, created_at, "
      "retired_at) VALUES ('kid-old', 'RS256', 'v1.sealed', 'active', 1700000000, NULL)");

  auto store = open_store("sqlite://" + v4_path.string(), sealer_);
  EXPECT_EQ(store->migrate(), embedded_migrations().back().version);

  // The application keeps doing what it did: fixed lifetime, RS256, no rotation.
  auto app = store->find_application("client-a");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->id_token_alg, IdTokenAlg::kRS256);
  EXPECT_EQ(app->session_lifetime, SessionLifetime::kFixed);
  EXPECT_EQ(app->session_max_lifetime, kDefaultSessionMaxLifetime);
  EXPECT_FALSE(app->rotate_session_token);
  EXPECT_EQ(app->wechat.secret, sample_app("client-a").wechat.secret);

  // The session was never refreshed, and can be now.
  auto found = store->find_session("s-old");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->last_refreshed_at, 0);
  EXPECT_EQ(found->token_hash, "hash-old");
  EXPECT_TRUE(store->refresh_session(refresh("s-old", "hash-old", "hash-new", 1700000300)));
  EXPECT_TRUE(store->find_session_by_retired_hash("hash-old"));

  // The key is active since forever, and takes part in a rotation.
  auto keys = store->list_signing_keys();
  ASSERT_EQ(keys.size(), 1U);
  EXPECT_EQ(keys[0].activates_at, 0);
  EXPECT_EQ(keys[0].retired_at, 0);
  EXPECT_EQ(keys[0].publish_until, 0);
  store->rotate_signing_key({"kid-new", "RS256", "v1.sealed-2", "active", 1700000400, 1700000500},
                            1700001000);
  keys = store->list_signing_keys();
  ASSERT_EQ(keys.size(), 2U);
  EXPECT_EQ(keys[0].state, "retired");
  EXPECT_EQ(keys[0].retired_at, 1700000500);

  // And takes the new application settings.
  app->id_token_alg = IdTokenAlg::kES256;
  app->session_lifetime = SessionLifetime::kSliding;
  app->session_max_lifetime = 600;
  app->rotate_session_token = true;
  ASSERT_TRUE(store->update_application(*app));
  const auto updated = store->find_application("client-a");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->id_token_alg, IdTokenAlg::kES256);
  EXPECT_EQ(updated->session_lifetime, SessionLifetime::kSliding);
  EXPECT_EQ(updated->session_max_lifetime, 600);
  EXPECT_TRUE(updated->rotate_session_token);
}

TEST_F(StoreTest, UnknownApplicationEnumIsAnError) {
  ASSERT_TRUE(store_->create_application(sample_app("client-a")));
  RawDb(path_).exec("UPDATE applications SET session_lifetime = 'forever'");
  EXPECT_THROW(store_->find_application("client-a"), StoreError);
  RawDb(path_).exec("UPDATE applications SET session_lifetime = 'fixed', id_token_alg = 'HS256'");
  EXPECT_THROW(store_->find_application("client-a"), StoreError);
}

// --- finding sessions --------------------------------------------------------------------------

TEST_F(StoreSessionsTest, SessionRoundTripsAndIsFoundByIdOrHash) {
  Session s = session("s1", "1001");
  s.last_refreshed_at = kNow - 50;  // as a caller may set it; commit_login writes what it gets
  add_session(s);

  for (const auto& found : {store_->find_session("s1"), store_->find_session_by_hash("hash-s1")}) {
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, "s1");
    EXPECT_EQ(found->token_hash, "hash-s1");
    EXPECT_EQ(found->user_id, "1001");
    EXPECT_EQ(found->client_id, "client-a");
    EXPECT_EQ(found->provider, "wechat");
    EXPECT_EQ(found->device_fingerprint, "device-1");
    EXPECT_EQ(found->created_at, kNow - 100);
    EXPECT_EQ(found->expires_at, kNow + 3600);
    EXPECT_EQ(found->last_refreshed_at, kNow - 50);
    EXPECT_FALSE(found->revoked);
  }
  EXPECT_FALSE(store_->find_session("nobody"));
  EXPECT_FALSE(store_->find_session_by_hash("hash-nobody"));
  EXPECT_FALSE(store_->find_session_by_retired_hash("hash-s1"));  // current, not retired
}

TEST_F(StoreSessionsTest, ListIsNewestFirstWithRevokedAndExpiredOnes) {
  add_session(session("s-b", "1001", 200));
  add_session(session("s-a", "1001", 200));         // same time: by id, descending
  add_session(session("s-old", "1001", 100, 150));  // expired
  add_session(session("s-new", "1001", 300));
  add_session(session("s-other", "1002", 250));
  ASSERT_TRUE(store_->revoke_session("s-new", kNow));

  const auto list = store_->list_sessions("1001");
  EXPECT_EQ(ids(list), (std::vector<std::string>{"s-new", "s-b", "s-a", "s-old"}));
  ASSERT_EQ(list.size(), 4U);
  EXPECT_TRUE(list[0].revoked);
  EXPECT_EQ(ids(store_->list_sessions("1002")), std::vector<std::string>{"s-other"});
  EXPECT_TRUE(store_->list_sessions("nobody").empty());
}

// --- refresh -----------------------------------------------------------------------------------

TEST_F(StoreSessionsTest, RefreshWithoutRotationExtendsTheSession) {
  add_session(session("s1", "1001"));
  ASSERT_TRUE(store_->refresh_session(refresh("s1", "hash-s1", "hash-s1")));
  auto found = store_->find_session_by_hash("hash-s1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->expires_at, kNow + 7200);
  EXPECT_EQ(found->last_refreshed_at, kNow);
  EXPECT_EQ(found->created_at, kNow - 100);
  EXPECT_EQ(count("retired_session_tokens"), 0);  // nothing retired without rotation

  // The token still works: a later refresh with it succeeds too.
  EXPECT_TRUE(store_->refresh_session(refresh("s1", "hash-s1", "hash-s1", kNow + 60)));
  found = store_->find_session("s1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->last_refreshed_at, kNow + 60);
}

TEST_F(StoreSessionsTest, RefreshWithRotationRetiresThePresentedToken) {
  add_session(session("s1", "1001"));
  add_session(session("s2", "1001"));
  ASSERT_TRUE(store_->refresh_session(refresh("s1", "hash-s1", "hash-s1-b")));

  EXPECT_FALSE(store_->find_session_by_hash("hash-s1"));
  auto current = store_->find_session_by_hash("hash-s1-b");
  ASSERT_TRUE(current);
  EXPECT_EQ(current->id, "s1");
  EXPECT_EQ(current->expires_at, kNow + 7200);
  EXPECT_EQ(current->last_refreshed_at, kNow);

  auto retired = store_->find_session_by_retired_hash("hash-s1");
  ASSERT_TRUE(retired);
  EXPECT_EQ(retired->id, "s1");
  EXPECT_EQ(retired->token_hash, "hash-s1-b");  // the session as it is now
  EXPECT_EQ(RawDb(path_).scalar("SELECT session_id || ' ' || retired_at FROM "
                                "retired_session_tokens WHERE token_hash = 'hash-s1'"),
            "s1 " + std::to_string(kNow));

  // The retired token no longer refreshes; the new one does, and retires in turn.
  EXPECT_FALSE(store_->refresh_session(refresh("s1", "hash-s1", "hash-s1-x", kNow + 10)));
  ASSERT_TRUE(store_->refresh_session(refresh("s1", "hash-s1-b", "hash-s1-c", kNow + 20)));
  ASSERT_TRUE(store_->find_session_by_retired_hash("hash-s1"));
  ASSERT_TRUE(store_->find_session_by_retired_hash("hash-s1-b"));
  EXPECT_FALSE(store_->find_session_by_retired_hash("hash-s1-c"));
  EXPECT_FALSE(store_->find_session_by_retired_hash("hash-s1-x"));  // the refused one
  EXPECT_EQ(count("retired_session_tokens"), 2);

  // Another session is untouched.
  const auto other = store_->find_session("s2");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->token_hash, "hash-s2");
  EXPECT_EQ(other->last_refreshed_at, 0);
}

TEST_F(StoreSessionsTest, RefreshIsRefusedWhenTheSessionChangedOrIsUnknown) {
  add_session(session("s1", "1001"));
  add_session(session("s2", "1001"));
  add_session(session("s-revoked", "1001"));
  ASSERT_TRUE(store_->revoke_session("s-revoked", kNow));

  // Another token than the session holds, even another session's.
  EXPECT_FALSE(store_->refresh_session(refresh("s1", "hash-wrong", "hash-new")));
  EXPECT_FALSE(store_->refresh_session(refresh("s1", "hash-s2", "hash-new")));
  // An unknown session.
  EXPECT_FALSE(store_->refresh_session(refresh("nobody", "hash-s1", "hash-new")));
  // A revoked session.
  EXPECT_FALSE(store_->refresh_session(refresh("s-revoked", "hash-s-revoked", "hash-new")));
  // An expired one: at expires_at it is over.
  EXPECT_FALSE(store_->refresh_session(refresh("s1", "hash-s1", "hash-new", kNow + 3600)));
  EXPECT_FALSE(store_->refresh_session(refresh("s1", "hash-s1", "hash-s1", kNow + 3601)));

  // None of that wrote anything.
  EXPECT_EQ(count("retired_session_tokens"), 0);
  const auto s1 = store_->find_session("s1");
  ASSERT_TRUE(s1);
  EXPECT_EQ(s1->token_hash, "hash-s1");
  EXPECT_EQ(s1->expires_at, kNow + 3600);
  EXPECT_EQ(s1->last_refreshed_at, 0);
  EXPECT_FALSE(store_->find_session_by_hash("hash-new"));

  // A second before expiry it still works.
  EXPECT_TRUE(store_->refresh_session(refresh("s1", "hash-s1", "hash-new", kNow + 3599)));
}

TEST_F(StoreSessionsTest, TwoRotatingRefreshesWithOneTokenHaveOneWinner) {
  add_session(session("s1", "1001"));
  // Sequentially first: the second finds the token replaced.
  EXPECT_TRUE(store_->refresh_session(refresh("s1", "hash-s1", "hash-a")));
  EXPECT_FALSE(store_->refresh_session(refresh("s1", "hash-s1", "hash-b")));

  // Then eight at once, each with its own new token: exactly one wins, on any connection.
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::vector<std::string> winner(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const std::string next = "hash-race-" + std::to_string(i);
      if (store_->refresh_session(refresh("s1", "hash-a", next, kNow + 10))) {
        ++winners;
        winner[static_cast<std::size_t>(i)] = next;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  const auto found = store_->find_session("s1");
  ASSERT_TRUE(found);
  std::string won;
  for (const auto& w : winner) won += w;
  EXPECT_EQ(found->token_hash, won);
  EXPECT_EQ(count("retired_session_tokens"), 2);  // hash-s1 and hash-a, once each
}

// --- revocation --------------------------------------------------------------------------------

TEST_F(StoreSessionsTest, RevokeSessionOnce) {
  add_session(session("s1", "1001"));
  add_session(session("s2", "1001"));
  add_session(session("s-expired", "1001", 100, 200));

  EXPECT_TRUE(store_->revoke_session("s1", kNow));
  EXPECT_FALSE(store_->revoke_session("s1", kNow));  // already revoked
  EXPECT_FALSE(store_->revoke_session("nobody", kNow));
  EXPECT_TRUE(store_->revoke_session("s-expired", kNow));  // expired is not revoked

  const auto s1 = store_->find_session("s1");
  ASSERT_TRUE(s1);
  EXPECT_TRUE(s1->revoked);
  const auto s2 = store_->find_session("s2");
  ASSERT_TRUE(s2);
  EXPECT_FALSE(s2->revoked);
}

TEST_F(StoreSessionsTest, RevokeUserSessionsCountsTheOnesItRevoked) {
  add_session(session("s1", "1001"));
  add_session(session("s2", "1001"));
  add_session(session("s3", "1001"));
  add_session(session("s-other", "1002"));
  ASSERT_TRUE(store_->revoke_session("s2", kNow));

  EXPECT_EQ(store_->revoke_user_sessions("1001", kNow), 2);
  EXPECT_EQ(store_->revoke_user_sessions("1001", kNow), 0);
  EXPECT_EQ(store_->revoke_user_sessions("nobody", kNow), 0);
  for (const auto& s : store_->list_sessions("1001")) EXPECT_TRUE(s.revoked) << s.id;
  const auto other = store_->find_session("s-other");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->revoked);
}

TEST_F(StoreSessionsTest, DisablingAUserRevokesItsSessionsAndEnablingRestoresNone) {
  add_session(session("s1", "1001"));
  add_session(session("s2", "1001"));
  add_session(session("s-other", "1002"));

  // Setting a user active revokes nothing.
  ASSERT_TRUE(store_->set_user_status("1001", UserStatus::kActive, kNow));
  for (const auto& s : store_->list_sessions("1001")) EXPECT_FALSE(s.revoked) << s.id;

  ASSERT_TRUE(store_->set_user_status("1001", UserStatus::kDisabled, kNow + 1));
  for (const auto& s : store_->list_sessions("1001")) EXPECT_TRUE(s.revoked) << s.id;
  EXPECT_FALSE(store_->refresh_session(refresh("s1", "hash-s1", "hash-s1", kNow + 2)));
  const auto other = store_->find_session("s-other");
  ASSERT_TRUE(other);
  EXPECT_FALSE(other->revoked);

  ASSERT_TRUE(store_->set_user_status("1001", UserStatus::kActive, kNow + 3));
  for (const auto& s : store_->list_sessions("1001")) EXPECT_TRUE(s.revoked) << s.id;
  const auto user = store_->find_user("1001");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->status, UserStatus::kActive);
  EXPECT_EQ(user->updated_at, kNow + 3);

  // A login after that is a live session.
  add_session(session("s3", "1001", kNow + 4));
  EXPECT_TRUE(store_->refresh_session(refresh("s3", "hash-s3", "hash-s3", kNow + 5)));

  // An unknown user: false, and nothing is revoked.
  EXPECT_FALSE(store_->set_user_status("nobody", UserStatus::kDisabled, kNow));
  const auto s3 = store_->find_session("s3");
  ASSERT_TRUE(s3);
  EXPECT_FALSE(s3->revoked);
}

// --- purge -------------------------------------------------------------------------------------

TEST_F(StoreSessionsTest, PurgeRemovesOnlyExpiredRows) {
  // Sessions: one expired with two retired tokens, one expired and revoked, one expiring exactly
  // now (kept: expires_at < now goes), a live one with a retired token, a revoked live one.
  add_session(session("s-expired", "1001", 100, kNow + 10));
  ASSERT_TRUE(store_->refresh_session(refresh("s-expired", "hash-s-expired", "hash-e2", 200)));
  SessionRefresh second = refresh("s-expired", "hash-e2", "hash-e3", 300);
  second.new_expires_at = kNow - 1;
  ASSERT_TRUE(store_->refresh_session(second));
  add_session(session("s-expired-revoked", "1002", 100, kNow - 500));
  ASSERT_TRUE(store_->revoke_session("s-expired-revoked", kNow));
  add_session(session("s-now", "1001", 100, kNow));
  add_session(session("s-live", "1001", 100, kNow + 100));
  SessionRefresh rotate_live = refresh("s-live", "hash-s-live", "hash-live-2", 200);
  rotate_live.new_expires_at = kNow + 100;
  ASSERT_TRUE(store_->refresh_session(rotate_live));
  add_session(session("s-live-revoked", "1002", 100, kNow + 100));
  ASSERT_TRUE(store_->revoke_session("s-live-revoked", kNow));
  ASSERT_EQ(count("retired_session_tokens"), 3);

  // Flows: an expired one with two codes, a live one with a code, one expiring exactly now.
  add_flow(sample_flow("flow-expired", "client-a", kNow - 1));
  store_->insert_verification_code(sample_code("code-e1", "flow-expired"));
  store_->insert_verification_code(sample_code("code-e2", "flow-expired"));  // revokes code-e1
  add_flow(sample_flow("flow-live", "client-a", kNow + 600));
  store_->insert_verification_code(sample_code("code-live", "flow-live"));
  add_flow(sample_flow("flow-now", "client-a", kNow));

  // Send accounting: two old rows, one at the cut (kept), one recent.
  store_->record_send("target:+8615907132852", "+8615907132852", kNow - 7200);
  store_->record_send("peer:203.0.113.7", "+8615907132852", kNow - 7200);
  store_->record_send("target:+8615907132852", "+8615907132852", kNow - 3600);
  store_->record_send("target:+8615907132852", "+8615907132852", kNow - 10);

  // Rows the purge never touches.
  LoginCommit device;
  device.remember_device = KnownDevice{"1001", "device-1"};
  device.now = 100;
  ASSERT_EQ(store_->commit_login(device), CommitResult::kOk);
  AuditEvent audit;
  audit.at = 100;
  audit.request_id = "req-1";
  audit.event = "login";
  audit.user_id = "1001";
  store_->append_audit_event(audit);

  PurgeRequest request;
  request.now = kNow;
  request.send_events_before = kNow - 3600;
  request.batch = 100;
  const PurgeCounts counts = store_->purge_expired(request);
  EXPECT_EQ(counts.sessions, 2);
  EXPECT_EQ(counts.flows, 1);
  EXPECT_EQ(counts.send_events, 2);
  EXPECT_FALSE(counts.more(request.batch));

  EXPECT_FALSE(store_->find_session("s-expired"));
  EXPECT_FALSE(store_->find_session("s-expired-revoked"));
  EXPECT_FALSE(store_->find_session_by_retired_hash("hash-s-expired"));
  EXPECT_FALSE(store_->find_session_by_retired_hash("hash-e2"));
  EXPECT_TRUE(store_->find_session("s-now"));
  EXPECT_TRUE(store_->find_session("s-live-revoked"));
  const auto live = store_->find_session_by_retired_hash("hash-s-live");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->id, "s-live");
  EXPECT_EQ(count("sessions"), 3);
  EXPECT_EQ(count("retired_session_tokens"), 1);

  EXPECT_FALSE(store_->find_flow_state("flow-expired"));
  EXPECT_TRUE(store_->find_flow_state("flow-live"));
  EXPECT_TRUE(store_->find_flow_state("flow-now"));
  EXPECT_EQ(RawDb(path_).scalar("SELECT group_concat(id) FROM verification_codes"), "code-live");
  EXPECT_TRUE(store_->find_live_code("flow-live", "REGISTER_SMS", "+8615907132852", 1700000200));

  EXPECT_EQ(count("send_events"), 2);
  EXPECT_EQ(store_->count_sends("target:+8615907132852", 0), 2);
  EXPECT_EQ(store_->count_sends("peer:203.0.113.7", 0), 0);

  EXPECT_EQ(count("users"), 2);
  EXPECT_EQ(count("user_devices"), 1);
  EXPECT_EQ(count("audit_events"), 1);
  EXPECT_EQ(count("applications"), 1);

  // A second pass finds nothing more.
  const PurgeCounts again = store_->purge_expired(request);
  EXPECT_EQ(again.sessions, 0);
  EXPECT_EQ(again.flows, 0);
  EXPECT_EQ(again.send_events, 0);
}

TEST_F(StoreSessionsTest, PurgeDeletesAtMostABatchOfEachKind) {
  // 25 expired sessions (each with a retired token), 12 expired flows (each with a code), 3 old
  // sends, and one live row of each kind.
  for (int i = 0; i < 25; ++i) {
    const std::string id = "s" + std::to_string(100 + i);
    add_session(session(id, i % 2 == 0 ? "1001" : "1002", 100, kNow + 10));
    SessionRefresh r = refresh(id, "hash-" + id, "hash-" + id + "-b", 200);
    r.new_expires_at = kNow - 1000 + i % 5;  // ties in expires_at, broken by id
    ASSERT_TRUE(store_->refresh_session(r));
  }
  for (int i = 0; i < 12; ++i) {
    const std::string id = "flow-" + std::to_string(100 + i);
    add_flow(sample_flow(id, "client-a", kNow - 1000 + i % 3));
    store_->insert_verification_code(sample_code("code-" + id, id));
  }
  for (int i = 0; i < 3; ++i)
    store_->record_send("peer:203.0.113.7", "+8615907132852", kNow - 7200 + i);
  add_session(session("s-live", "1001"));
  add_flow(sample_flow("flow-live", "client-a", kNow + 600));
  store_->record_send("peer:203.0.113.7", "+8615907132852", kNow);

  PurgeRequest request;
  request.now = kNow;
  request.send_events_before = kNow - 3600;
  request.batch = 10;

  PurgeCounts counts = store_->purge_expired(request);
  EXPECT_EQ(counts.sessions, 10);
  EXPECT_EQ(counts.flows, 10);
  EXPECT_EQ(counts.send_events, 3);
  EXPECT_TRUE(counts.more(request.batch));
  EXPECT_EQ(count("sessions"), 16);
  EXPECT_EQ(count("retired_session_tokens"), 15);  // went with their sessions, no more
  EXPECT_EQ(count("flow_states"), 3);
  EXPECT_EQ(count("verification_codes"), 2);

  counts = store_->purge_expired(request);
  EXPECT_EQ(counts.sessions, 10);
  EXPECT_EQ(counts.flows, 2);
  EXPECT_EQ(counts.send_events, 0);
  EXPECT_TRUE(counts.more(request.batch));  // sessions may have more

  counts = store_->purge_expired(request);
  EXPECT_EQ(counts.sessions, 5);
  EXPECT_EQ(counts.flows, 0);
  EXPECT_EQ(counts.send_events, 0);
  EXPECT_FALSE(counts.more(request.batch));

  EXPECT_EQ(ids(store_->list_sessions("1001")), std::vector<std::string>{"s-live"});
  EXPECT_TRUE(store_->list_sessions("1002").empty());
  EXPECT_EQ(count("retired_session_tokens"), 0);
  EXPECT_TRUE(store_->find_flow_state("flow-live"));
  EXPECT_EQ(count("flow_states"), 1);
  EXPECT_EQ(count("verification_codes"), 0);
  EXPECT_EQ(count("send_events"), 1);
}

TEST_F(StoreSessionsTest, PurgeRefusesABatchThatBoundsNothing) {
  add_session(session("s-expired", "1001", 100, 200));
  for (int batch : {0, -1}) {
    PurgeRequest request;
    request.now = kNow;
    request.batch = batch;
    EXPECT_THROW(store_->purge_expired(request), StoreError) << batch;
  }
  EXPECT_TRUE(store_->find_session("s-expired"));
}

// --- signing-key rotation ----------------------------------------------------------------------

class StoreKeyRotationTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_->insert_signing_key({"kid-r0", "RS256", "v1.r0", "retired", 10, 0, 50, 60});
    store_->insert_signing_key({"kid-r1", "RS256", "v1.r1", "active", 100, 0, 0, 0});
    store_->insert_signing_key({"kid-e1", "ES256", "v1.e1", "active", 110, 0, 0, 0});
  }

  std::map<std::string, SigningKeyRecord> keys() {
    std::map<std::string, SigningKeyRecord> by_kid;
    for (auto& key : store_->list_signing_keys()) by_kid[key.kid] = key;
    return by_kid;
  }
};

TEST_F(StoreKeyRotationTest, RetiresTheActiveKeysOfTheAlgorithmAndInsertsTheNext) {
  store_->rotate_signing_key({"kid-r2", "RS256", "v1.r2", "active", 1000, 1300, 0, 0}, 5000);

  const auto list = store_->list_signing_keys();
  ASSERT_EQ(list.size(), 4U);
  EXPECT_EQ(list[0].kid, "kid-r0");  // oldest first
  EXPECT_EQ(list[3].kid, "kid-r2");

  auto by_kid = keys();
  const auto& r1 = by_kid["kid-r1"];
  EXPECT_EQ(r1.state, "retired");
  EXPECT_EQ(r1.retired_at, 1300);  // signs until the next key activates
  EXPECT_EQ(r1.publish_until, 5000);
  EXPECT_EQ(r1.created_at, 100);
  EXPECT_EQ(r1.sealed_private_key, "v1.r1");

  const auto& r2 = by_kid["kid-r2"];
  EXPECT_EQ(r2.state, "active");
  EXPECT_EQ(r2.algorithm, "RS256");
  EXPECT_EQ(r2.sealed_private_key, "v1.r2");
  EXPECT_EQ(r2.created_at, 1000);
  EXPECT_EQ(r2.activates_at, 1300);
  EXPECT_EQ(r2.retired_at, 0);
  EXPECT_EQ(r2.publish_until, 0);

  // A key retired before keeps its times; another algorithm's key stays active.
  EXPECT_EQ(by_kid["kid-r0"].retired_at, 50);
  EXPECT_EQ(by_kid["kid-r0"].publish_until, 60);
  EXPECT_EQ(by_kid["kid-e1"].state, "active");
  EXPECT_EQ(by_kid["kid-e1"].retired_at, 0);
  EXPECT_EQ(by_kid["kid-e1"].publish_until, 0);

  // Rotating again retires kid-r2 only.
  store_->rotate_signing_key({"kid-r3", "RS256", "v1.r3", "active", 2000, 2300, 0, 0}, 9000);
  by_kid = keys();
  EXPECT_EQ(by_kid["kid-r1"].publish_until, 5000);
  EXPECT_EQ(by_kid["kid-r2"].state, "retired");
  EXPECT_EQ(by_kid["kid-r2"].retired_at, 2300);
  EXPECT_EQ(by_kid["kid-r2"].publish_until, 9000);
  EXPECT_EQ(by_kid["kid-r3"].state, "active");
}

TEST_F(StoreKeyRotationTest, FirstKeyOfAnAlgorithmRetiresNothing) {
  RawDb(path_).exec("DELETE FROM signing_keys WHERE algorithm = 'ES256'");
  store_->rotate_signing_key({"kid-e2", "ES256", "v1.e2", "active", 1000, 1000, 0, 0}, 5000);
  auto by_kid = keys();
  EXPECT_EQ(by_kid["kid-e2"].state, "active");
  EXPECT_EQ(by_kid["kid-r1"].state, "active");
  EXPECT_EQ(by_kid.size(), 3U);
}

TEST_F(StoreKeyRotationTest, FailedRotationRetiresNothing) {
  const auto before = store_->list_signing_keys();
  const auto same = [&] {
    const auto after = store_->list_signing_keys();
    if (after.size() != before.size()) return false;
    for (std::size_t i = 0; i < after.size(); ++i) {
      if (after[i].kid != before[i].kid || after[i].state != before[i].state ||
          after[i].retired_at != before[i].retired_at ||
          after[i].publish_until != before[i].publish_until) {
        return false;
      }
    }
    return true;
  };

  // The insert fails after the update ran (a duplicate kid): the update rolls back with it.
  EXPECT_THROW(
      store_->rotate_signing_key({"kid-e1", "RS256", "v1.dup", "active", 1000, 1300, 0, 0}, 5000),
      StoreError);
  EXPECT_TRUE(same());

  // A next key that would not sign is a caller bug.
  EXPECT_THROW(
      store_->rotate_signing_key({"kid-r2", "RS256", "v1.r2", "retired", 1000, 1300, 0, 0}, 5000),
      StoreError);
  EXPECT_TRUE(same());
}

}  // namespace
}  // namespace ciamd
