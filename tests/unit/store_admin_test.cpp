// Store on SQLite, migration 006: what the admin API asks of the store (audit queries, admin
// tokens, the operator's user, identity and assignment edits).
#include <map>
#include <string>
#include <vector>

#include "store/migrations/migrations.hpp"
#include "unit/store_test_support.hpp"

namespace ciamd {
namespace {

using testing_support::RawDb;
using testing_support::StoreTest;

class StoreAdminTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ASSERT_TRUE(store_->create_application(sample_app("client-a")));
    ASSERT_TRUE(store_->create_application(sample_app("client-b")));
  }

  std::int64_t count(const std::string& table, const std::string& where = "") {
    const std::string sql =
        "SELECT COUNT(*) FROM " + table + (where.empty() ? "" : " WHERE " + where);
    return std::stoll(RawDb(path_).scalar(sql));
  }

  static AdminToken sample_token(const std::string& id, const std::string& name,
                                 UnixSeconds created_at) {
    AdminToken token;
    token.id = id;
    token.name = name;
    token.token_hash = "sha256-of-" + id;
    token.created_at = created_at;
    return token;
  }

  static std::vector<std::string> ids_of(const std::vector<User>& users) {
    std::vector<std::string> ids;
    for (const User& u : users) ids.push_back(u.id);
    return ids;
  }

  // Every row that can belong to a user, in each table that references users (directly or through
  // a session or flow), as delete_user must remove them.
  void give_user_everything(const std::string& user_id, const std::string& unionid) {
    add_user(sample_user(user_id),
             sample_identity("openid-" + user_id, user_id, "wx-app", unionid));
    LoginCommit second;  // the mini program's identity: the same unionid, another openid
    second.new_identity = sample_identity("mini-" + user_id, user_id, "wx-mini", unionid);
    second.session = sample_session("s-" + user_id, user_id, "client-a");
    second.remember_device = KnownDevice{user_id, "device-" + user_id};
    second.now = 1700000200;
    ASSERT_EQ(store_->commit_login(second), CommitResult::kOk);
    // A rotation leaves a retired token behind.
    ASSERT_TRUE(store_->refresh_session(
        {"s-" + user_id, "hash-s-" + user_id, "hash2-s-" + user_id, 1700500000, 1700000300}));
    ASSERT_TRUE(store_->assign_user("client-a", user_id));
    ASSERT_TRUE(store_->assign_user("client-b", user_id));
    FlowState mfa = sample_flow("mfa-" + user_id, "client-a");
    mfa.kind = FlowKind::kMfa;
    mfa.pending_identity = {};
    mfa.user_id = user_id;
    add_flow(mfa);
    store_->insert_verification_code(sample_code("code-" + user_id, "mfa-" + user_id));
    AuditEvent event;
    event.at = 1700000200;
    event.event = "login";
    event.user_id = user_id;
    event.outcome = "SUCCESS";
    store_->append_audit_event(event);
  }

  // Rows per table, for the tables delete_user touches and the ones it must leave alone.
  std::map<std::string, std::int64_t> rows_of(const std::string& user_id) {
    const std::string of_user = "user_id = '" + user_id + "'";
    return {
        {"users", count("users", "id = '" + user_id + "'")},
        {"identities", count("identities", of_user)},
        {"unionid_owners", count("unionid_owners", of_user)},
        {"sessions", count("sessions", of_user)},
        {"retired_session_tokens",
         count("retired_session_tokens",
               "session_id IN (SELECT id FROM sessions WHERE " + of_user + ")")},
        {"user_devices", count("user_devices", of_user)},
        {"app_assignments", count("app_assignments", of_user)},
        {"flow_states", count("flow_states", of_user)},
        {"verification_codes",
         count("verification_codes",
               "flow_id IN (SELECT id FROM flow_states WHERE " + of_user + ")")},
        {"audit_events", count("audit_events", of_user)},
    };
  }
};

// --- migration 006 -----------------------------------------------------------------------------

TEST_F(StoreTest, UpgradesAVersionFiveAuditTrailWithEmptyActorAndTarget) {
  const auto v5_path = dir_ / "v5.db";
  create_legacy_database(v5_path, 5);
  RawDb(v5_path).exec(
      "INSERT INTO audit_events (at, request_id, event, client_id, provider, user_id, outcome, "
      "device_fingerprint, peer_address, client_reported_ip) "
      "VALUES (100, 'req-old', 'login', 'client-a', 'wechat', '1001', 'SUCCESS', 'd', 'p', 'i')");
  auto store = open_store("sqlite://" + v5_path.string(), sealer_);
  EXPECT_EQ(store->migrate(), embedded_migrations().back().version);
  EXPECT_EQ(RawDb(v5_path).scalar("SELECT name FROM schema_migrations WHERE version = 6"), "admin");

  const auto events = store->query_audit_events({});
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].id, 1);
  EXPECT_EQ(events[0].request_id, "req-old");
  EXPECT_EQ(events[0].actor, "");
  EXPECT_EQ(events[0].target, "");
  EXPECT_TRUE(store->list_admin_tokens().empty());
}

// --- audit queries -----------------------------------------------------------------------------

TEST_F(StoreAdminTest, AppendWritesActorAndTargetAndReadsFillTheId) {
  AuditEvent event;
  event.at = 1700000000;
  event.request_id = "req-1";
  event.event = "admin";
  event.outcome = "201";
  event.peer_address = "10.0.0.9";
  event.actor = "deploy-bot";
  event.target = "POST /admin/v1/applications";
  store_->append_audit_event(event);
  event.request_id = "req-2";
  store_->append_audit_event(event);

  const auto recent = store_->recent_audit_events(10);
  ASSERT_EQ(recent.size(), 2U);
  EXPECT_EQ(recent[0].request_id, "req-2");
  EXPECT_EQ(recent[0].id, 2);
  EXPECT_EQ(recent[1].id, 1);
  EXPECT_EQ(recent[0].actor, "deploy-bot");
  EXPECT_EQ(recent[0].target, "POST /admin/v1/applications");
  EXPECT_EQ(recent[0].outcome, "201");

  const auto queried = store_->query_audit_events({});
  ASSERT_EQ(queried.size(), 2U);
  EXPECT_EQ(queried[0].id, 1);  // oldest first
  EXPECT_EQ(queried[0].request_id, "req-1");
  EXPECT_EQ(queried[0].actor, "deploy-bot");
  EXPECT_EQ(queried[0].target, "POST /admin/v1/applications");
  EXPECT_EQ(queried[0].peer_address, "10.0.0.9");
  EXPECT_EQ(queried[0].at, 1700000000);
}

TEST_F(StoreAdminTest, QueryFiltersAndPagesByCursor) {
  // 25 events: users alternate 1001/1002, clients a/b every other pair, every fifth one failed,
  // one per second from t = 1000.
  for (int i = 0; i < 25; ++i) {
    AuditEvent event;
    event.at = 1000 + i;
    event.request_id = "req-" + std::to_string(i);
    event.event = i % 3 == 0 ? "sms_send" : "login";
    event.client_id = (i / 2) % 2 == 0 ? "client-a" : "client-b";
    event.user_id = i % 2 == 0 ? "1001" : "1002";
    event.outcome = i % 5 == 0 ? "CODE_INVALID" : "SUCCESS";
    store_->append_audit_event(event);
  }

  // Pages of 10 over everything: 10, 10, 5, then none; ids increase without gaps or repeats.
  AuditQuery page;
  page.limit = 10;
  std::vector<std::string> seen;
  std::vector<std::size_t> sizes;
  for (;;) {
    const auto events = store_->query_audit_events(page);
    sizes.push_back(events.size());
    if (events.empty()) break;
    for (const AuditEvent& e : events) {
      EXPECT_GT(e.id, page.after_id);
      seen.push_back(e.request_id);
    }
    page.after_id = events.back().id;
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 10, 5, 0}));
  ASSERT_EQ(seen.size(), 25U);
  for (int i = 0; i < 25; ++i)
    EXPECT_EQ(seen[static_cast<std::size_t>(i)], "req-" + std::to_string(i));

  // Each filter alone, against a count made by hand from the pattern above.
  const auto count_of = [this](AuditQuery q) {
    q.limit = 1000;
    return store_->query_audit_events(q).size();
  };
  AuditQuery q;
  q.user_id = "1001";
  EXPECT_EQ(count_of(q), 13U);
  q = {};
  q.client_id = "client-b";
  EXPECT_EQ(count_of(q), 12U);  // i in {2,3,6,7,10,11,14,15,18,19,22,23}
  q = {};
  q.event = "sms_send";
  EXPECT_EQ(count_of(q), 9U);  // multiples of 3 in 0..24
  q = {};
  q.outcome = "CODE_INVALID";
  EXPECT_EQ(count_of(q), 5U);
  q = {};
  q.from = 1010;  // at >= from
  EXPECT_EQ(count_of(q), 15U);
  q = {};
  q.to = 1010;  // at < to
  EXPECT_EQ(count_of(q), 10U);
  q = {};
  q.user_id = "nobody";
  EXPECT_EQ(count_of(q), 0U);

  // All of them at once are an AND: user 1001, client-a, login, SUCCESS, 1004 <= at < 1020 is
  // i in {4, 8, 16} (0, 12 and 24 are sms_send, 20 failed).
  q = {};
  q.user_id = "1001";
  q.client_id = "client-a";
  q.event = "login";
  q.outcome = "SUCCESS";
  q.from = 1004;
  q.to = 1020;
  q.limit = 1000;
  std::vector<std::string> matched;
  for (const AuditEvent& e : store_->query_audit_events(q)) matched.push_back(e.request_id);
  EXPECT_EQ(matched, (std::vector<std::string>{"req-4", "req-8", "req-16"}));

  // A filter and the cursor together page the same way: 13 events of 1001, 10 then 3.
  q = {};
  q.user_id = "1001";
  q.limit = 10;
  const auto first = store_->query_audit_events(q);
  ASSERT_EQ(first.size(), 10U);
  EXPECT_EQ(first.back().request_id, "req-18");
  q.after_id = first.back().id;
  const auto second = store_->query_audit_events(q);
  ASSERT_EQ(second.size(), 3U);
  EXPECT_EQ(second.front().request_id, "req-20");
  EXPECT_EQ(second.back().request_id, "req-24");
}

TEST_F(StoreAdminTest, NewestFirstPagesBackwardsByCursor) {
  for (int i = 0; i < 25; ++i) {
    AuditEvent event;
    event.at = 1000 + i;
    event.request_id = "req-" + std::to_string(i);
    event.event = "login";
    event.user_id = i % 2 == 0 ? "1001" : "1002";
    store_->append_audit_event(event);
  }
  // Pages of 10, newest first: 24..15, 14..5, 4..0, then none.
  AuditQuery page;
  page.order = AuditOrder::kNewestFirst;
  page.limit = 10;
  std::vector<std::string> seen;
  std::vector<std::size_t> sizes;
  for (;;) {
    const auto events = store_->query_audit_events(page);
    sizes.push_back(events.size());
    if (events.empty()) break;
    for (const AuditEvent& e : events) {
      if (page.after_id != 0) {
        EXPECT_LT(e.id, page.after_id);
      }
      seen.push_back(e.request_id);
    }
    page.after_id = events.back().id;
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{10, 10, 5, 0}));
  ASSERT_EQ(seen.size(), 25U);
  for (int i = 0; i < 25; ++i)
    EXPECT_EQ(seen[static_cast<std::size_t>(i)], "req-" + std::to_string(24 - i));

  // With a filter: user 1002 is every odd i, newest first 23, 21, 19, then 17 ... 1.
  AuditQuery q;
  q.order = AuditOrder::kNewestFirst;
  q.user_id = "1002";
  q.limit = 3;
  const auto first = store_->query_audit_events(q);
  ASSERT_EQ(first.size(), 3U);
  EXPECT_EQ(first.front().request_id, "req-23");
  EXPECT_EQ(first.back().request_id, "req-19");
  q.after_id = first.back().id;
  q.limit = 100;
  const auto rest = store_->query_audit_events(q);
  ASSERT_EQ(rest.size(), 9U);
  EXPECT_EQ(rest.front().request_id, "req-17");
  EXPECT_EQ(rest.back().request_id, "req-1");
}

TEST_F(StoreAdminTest, QueryWithoutAPositiveLimitReturnsNothing) {
  AuditEvent event;
  event.event = "login";
  store_->append_audit_event(event);
  AuditQuery q;
  q.limit = 0;
  EXPECT_TRUE(store_->query_audit_events(q).empty());
  q.limit = -1;  // SQLite would read LIMIT -1 as no limit at all
  EXPECT_TRUE(store_->query_audit_events(q).empty());
  q.limit = 1;
  EXPECT_EQ(store_->query_audit_events(q).size(), 1U);
}

// --- admin tokens ------------------------------------------------------------------------------

TEST_F(StoreAdminTest, AdminTokensInsertFindListRevoke) {
  AdminToken ops = sample_token("tok-1", "ops", 200);
  ops.expires_at = 9000;
  store_->insert_admin_token(ops);
  store_->insert_admin_token(sample_token("tok-2", "bot", 100));
  store_->insert_admin_token(sample_token("tok-3", "alpha", 200));

  const auto found = store_->find_admin_token_by_hash("sha256-of-tok-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "tok-1");
  EXPECT_EQ(found->name, "ops");
  EXPECT_EQ(found->token_hash, "sha256-of-tok-1");
  EXPECT_EQ(found->created_at, 200);
  EXPECT_EQ(found->expires_at, 9000);
  EXPECT_EQ(found->revoked_at, 0);
  EXPECT_FALSE(store_->find_admin_token_by_hash("sha256-of-nothing"));

  // By created_at, then name.
  std::vector<std::string> names;
  for (const AdminToken& t : store_->list_admin_tokens()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"bot", "alpha", "ops"}));

  // Revoking is once only; the token is still found (the caller decides), now revoked.
  EXPECT_TRUE(store_->revoke_admin_token("tok-1", 5000));
  EXPECT_FALSE(store_->revoke_admin_token("tok-1", 6000));
  EXPECT_FALSE(store_->revoke_admin_token("tok-unknown", 6000));
  const auto revoked = store_->find_admin_token_by_hash("sha256-of-tok-1");
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->revoked_at, 5000);  // the first revocation's time stays
  EXPECT_EQ(store_->find_admin_token_by_hash("sha256-of-tok-2")->revoked_at, 0);
  EXPECT_THROW(store_->revoke_admin_token("tok-2", 0), StoreError);  // 0 reads as "not revoked"
  EXPECT_EQ(store_->find_admin_token_by_hash("sha256-of-tok-2")->revoked_at, 0);
}

TEST_F(StoreAdminTest, AdminTokenNameIdAndHashAreUnique) {
  store_->insert_admin_token(sample_token("tok-1", "ops", 100));
  AdminToken same_name = sample_token("tok-2", "ops", 100);
  EXPECT_THROW(store_->insert_admin_token(same_name), StoreError);
  AdminToken same_hash = sample_token("tok-3", "other", 100);
  same_hash.token_hash = "sha256-of-tok-1";
  EXPECT_THROW(store_->insert_admin_token(same_hash), StoreError);
  EXPECT_THROW(store_->insert_admin_token(sample_token("tok-1", "third", 100)), StoreError);
  EXPECT_EQ(count("admin_tokens"), 1);
  // A revoked token's name stays taken: the audit trail names tokens by name.
  ASSERT_TRUE(store_->revoke_admin_token("tok-1", 200));
  EXPECT_THROW(store_->insert_admin_token(sample_token("tok-4", "ops", 300)), StoreError);
}

// --- users -------------------------------------------------------------------------------------

TEST_F(StoreAdminTest, FindUsersListsAllByIdAfterTheCursor) {
  for (const char* id : {"1003", "1001", "1005", "1002", "1004"}) add_user(sample_user(id));
  EXPECT_EQ(ids_of(store_->find_users("", "", 100)),
            (std::vector<std::string>{"1001", "1002", "1003", "1004", "1005"}));
  EXPECT_EQ(ids_of(store_->find_users("", "", 2)), (std::vector<std::string>{"1001", "1002"}));
  EXPECT_EQ(ids_of(store_->find_users("", "1002", 2)), (std::vector<std::string>{"1003", "1004"}));
  EXPECT_EQ(ids_of(store_->find_users("", "1004", 2)), (std::vector<std::string>{"1005"}));
  EXPECT_TRUE(store_->find_users("", "1005", 2).empty());
  EXPECT_TRUE(store_->find_users("", "", 0).empty());
  EXPECT_TRUE(store_->find_users("", "", -1).empty());
}

TEST_F(StoreAdminTest, FindUsersMatchesIdUsernameMobileOrEmailExactly) {
  add_user(sample_user("1001"));
  add_user(sample_user("1002"));
  User no_contact = sample_user("1003");
  no_contact.mobile.clear();
  no_contact.email.clear();
  add_user(no_contact);
  // One user's username is another's id: the term finds both.
  User tricky = sample_user("1004");
  tricky.username = "1001";
  add_user(tricky);

  EXPECT_EQ(ids_of(store_->find_users("1002", "", 10)), std::vector<std::string>{"1002"});
  EXPECT_EQ(ids_of(store_->find_users("user-1002", "", 10)), std::vector<std::string>{"1002"});
  EXPECT_EQ(ids_of(store_->find_users("+861591002", "", 10)), std::vector<std::string>{"1002"});
  EXPECT_EQ(ids_of(store_->find_users("1002@example.com", "", 10)),
            std::vector<std::string>{"1002"});
  EXPECT_EQ(ids_of(store_->find_users("1001", "", 10)), (std::vector<std::string>{"1001", "1004"}));
  EXPECT_EQ(ids_of(store_->find_users("1001", "1001", 10)), std::vector<std::string>{"1004"});
  EXPECT_EQ(ids_of(store_->find_users("1001", "", 1)), std::vector<std::string>{"1001"});
  EXPECT_TRUE(store_->find_users("100", "", 10).empty());  // no prefix matches
  EXPECT_TRUE(store_->find_users("USER-1002", "", 10).empty());
  EXPECT_TRUE(store_->find_users("nobody", "", 10).empty());
}

TEST_F(StoreAdminTest, UpdateUserWritesContactFieldsOnly) {
  add_user(sample_user("1001"));
  User changed = sample_user("1001");
  changed.username = "not-written";
  changed.status = UserStatus::kDisabled;
  changed.created_at = 1;
  changed.name = "New Name";
  changed.mobile = "+8613800000000";
  changed.email = "new@example.com";
  changed.updated_at = 1700009999;
  EXPECT_EQ(store_->update_user(changed), UserUpdate::kOk);

  const auto found = store_->find_user("1001");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "New Name");
  EXPECT_EQ(found->mobile, "+8613800000000");
  EXPECT_EQ(found->email, "new@example.com");
  EXPECT_EQ(found->updated_at, 1700009999);
  EXPECT_EQ(found->username, "user-1001");
  EXPECT_EQ(found->status, UserStatus::kActive);
  EXPECT_EQ(found->created_at, 1700000000);
  EXPECT_EQ(store_->find_user_by_mobile("+8613800000000")->id, "1001");
  EXPECT_FALSE(store_->find_user_by_mobile("+861591001"));

  // Clearing stores NULL (the table's "none"), so another user's empty field is no clash.
  changed.mobile.clear();
  changed.email.clear();
  EXPECT_EQ(store_->update_user(changed), UserUpdate::kOk);
  EXPECT_EQ(count("users", "id = '1001' AND mobile IS NULL AND email IS NULL"), 1);
}

TEST_F(StoreAdminTest, UpdateUserConflictsOnAnotherUsersMobileOrEmail) {
  add_user(sample_user("1001"));
  add_user(sample_user("1002"));
  User changed = *store_->find_user("1001");
  changed.name = "Changed";
  changed.mobile = "+861591002";  // 1002's
  EXPECT_EQ(store_->update_user(changed), UserUpdate::kContactTaken);
  changed.mobile = "+861591001";
  changed.email = "1002@example.com";  // 1002's
  EXPECT_EQ(store_->update_user(changed), UserUpdate::kContactTaken);
  EXPECT_EQ(store_->find_user("1001")->name, "Name 1001");  // nothing written

  // Keeping one's own mobile and email is no conflict.
  changed.email = "1001@example.com";
  EXPECT_EQ(store_->update_user(changed), UserUpdate::kOk);
  EXPECT_EQ(store_->find_user("1001")->name, "Changed");

  // A user gone meanwhile is told apart from a conflict.
  EXPECT_EQ(store_->update_user(sample_user("9999")), UserUpdate::kUnknownUser);
  EXPECT_FALSE(store_->find_user("9999"));
}

TEST_F(StoreAdminTest, DeleteUserRemovesEveryDependentRowAndKeepsTheAuditTrail) {
  give_user_everything("1001", "union-1001");
  give_user_everything("1002", "union-1002");
  // A flow of another kind names no user and stays.
  add_flow(sample_flow("register-flow", "client-a"));
  const std::map<std::string, std::int64_t> expected_before = {{"users", 1},
                                                               {"identities", 2},
                                                               {"unionid_owners", 1},
                                                               {"sessions", 1},
                                                               {"retired_session_tokens", 1},
                                                               {"user_devices", 1},
                                                               {"app_assignments", 2},
                                                               {"flow_states", 1},
                                                               {"verification_codes", 1},
                                                               {"audit_events", 1}};
  ASSERT_EQ(rows_of("1001"), expected_before);
  ASSERT_EQ(rows_of("1002"), expected_before);
  const std::int64_t flows_before = count("flow_states");

  EXPECT_TRUE(store_->delete_user("1001"));

  auto expected_after = expected_before;
  for (auto& [table, rows] : expected_after) rows = table == "audit_events" ? 1 : 0;
  EXPECT_EQ(rows_of("1001"), expected_after);
  EXPECT_EQ(rows_of("1002"), expected_before);  // another user's rows are untouched
  EXPECT_EQ(count("flow_states"), flows_before - 1);
  EXPECT_TRUE(store_->find_flow_state("register-flow"));
  EXPECT_EQ(count("retired_session_tokens"), 1);
  EXPECT_EQ(count("verification_codes"), 1);
  EXPECT_EQ(count("applications"), 2);
  // What the store answers agrees with the tables.
  EXPECT_FALSE(store_->find_user("1001"));
  EXPECT_FALSE(store_->find_identity(std::string(kProviderWechat), "wx-app", "openid-1001"));
  EXPECT_FALSE(store_->find_identity_by_unionid(std::string(kProviderWechat), "union-1001"));
  EXPECT_FALSE(store_->find_session_by_hash("hash2-s-1001"));
  EXPECT_FALSE(store_->is_assigned("client-a", "1001"));
  EXPECT_EQ(RawDb(path_).scalar("PRAGMA foreign_key_check"), "");

  // The unionid is free again: the same person logging in becomes a new user.
  add_user(sample_user("1003"), sample_identity("openid-1001", "1003", "wx-app", "union-1001"));
  EXPECT_EQ(store_->find_identity_by_unionid(std::string(kProviderWechat), "union-1001")->user_id,
            "1003");

  EXPECT_FALSE(store_->delete_user("1001"));
  EXPECT_FALSE(store_->delete_user("nobody"));
  EXPECT_EQ(rows_of("1002"), expected_before);
}

// --- identities --------------------------------------------------------------------------------

TEST_F(StoreAdminTest, UnlinkIdentityReleasesTheUnionidWithItsLastIdentity) {
  const std::string wechat(kProviderWechat);
  add_user(sample_user("1001"), sample_identity("openid-app", "1001", "wx-app", "union-1"));
  LoginCommit mini;
  mini.new_identity = sample_identity("openid-mini", "1001", "wx-mini", "union-1");
  mini.now = 1700000100;
  ASSERT_EQ(store_->commit_login(mini), CommitResult::kOk);
  ASSERT_EQ(count("unionid_owners", "unionid = 'union-1' AND user_id = '1001'"), 1);

  // The mini program still holds the unionid: the claim stays, so another user cannot take it.
  EXPECT_TRUE(store_->unlink_identity(wechat, "wx-app", "openid-app"));
  EXPECT_FALSE(store_->find_identity(wechat, "wx-app", "openid-app"));
  EXPECT_TRUE(store_->find_identity(wechat, "wx-mini", "openid-mini"));
  EXPECT_EQ(count("unionid_owners", "unionid = 'union-1'"), 1);
  EXPECT_FALSE(store_->unlink_identity(wechat, "wx-app", "openid-app"));  // gone already

  // The last one goes with the claim.
  EXPECT_TRUE(store_->unlink_identity(wechat, "wx-mini", "openid-mini"));
  EXPECT_EQ(count("unionid_owners"), 0);
  EXPECT_EQ(count("identities"), 0);
  EXPECT_TRUE(store_->find_user("1001"));  // the user stays

  // Without a unionid there is no claim to consider.
  add_user(sample_user("1002"), sample_identity("openid-2", "1002", "wx-app"));
  EXPECT_TRUE(store_->unlink_identity(wechat, "wx-app", "openid-2"));
  EXPECT_FALSE(store_->unlink_identity(wechat, "wx-app", "unknown"));
  EXPECT_FALSE(store_->unlink_identity(std::string(kProviderWeibo), "wx-app", "openid-2"));

  // The unionid, released, can be linked to someone else.
  LoginCommit relink;
  relink.new_identity = sample_identity("openid-app", "1002", "wx-app", "union-1");
  relink.now = 1700000200;
  EXPECT_EQ(store_->commit_login(relink), CommitResult::kOk);
  EXPECT_EQ(RawDb(path_).scalar("SELECT user_id FROM unionid_owners WHERE unionid = 'union-1'"),
            "1002");
}

// --- assignments -------------------------------------------------------------------------------

TEST_F(StoreAdminTest, UnassignAndListAssignedUsers) {
  for (const char* id : {"1003", "1001", "1002"}) {
    add_user(sample_user(id));
    ASSERT_TRUE(store_->assign_user("client-a", id));
  }
  ASSERT_TRUE(store_->assign_user("client-b", "1002"));
  EXPECT_EQ(store_->assigned_users("client-a"), (std::vector<std::string>{"1001", "1002", "1003"}));
  EXPECT_EQ(store_->assigned_users("client-b"), std::vector<std::string>{"1002"});
  EXPECT_TRUE(store_->assigned_users("client-unknown").empty());

  EXPECT_TRUE(store_->unassign_user("client-a", "1002"));
  EXPECT_FALSE(store_->unassign_user("client-a", "1002"));  // not assigned any more
  EXPECT_FALSE(store_->unassign_user("client-a", "nobody"));
  EXPECT_FALSE(store_->is_assigned("client-a", "1002"));
  EXPECT_TRUE(store_->is_assigned("client-b", "1002"));  // other apps keep theirs
  EXPECT_EQ(store_->assigned_users("client-a"), (std::vector<std::string>{"1001", "1003"}));
}

}  // namespace
}  // namespace ciamd
