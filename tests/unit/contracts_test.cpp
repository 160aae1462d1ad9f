// The usage sketches of the module headers, compiled and run: each test below is the example its
// header shows (store roles, flows' shared pieces, the operator use cases), written against the
// real in-memory store. A signature change breaks this file, not a reader's trust in a comment.
// A header whose example lives here says so.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "flows/admin/admin_flows.hpp"
#include "flows/admin/page.hpp"
#include "flows/flow_step.hpp"
#include "flows/keys/signing_keys.hpp"
#include "flows/login/providers.hpp"
#include "flows/retry.hpp"
#include "flows_test_support.hpp"
#include "store/store.hpp"

namespace ciamd {
namespace {

class ContractsTest : public testing::FlowsTest {
 protected:
  ContractsTest() { add_app(app_with("client-1", UnboundPolicy::kRegister)); }

  Identity wechat_identity(const std::string& openid) const {
    return Identity{"wechat", "wxapp", openid, "", "", "{}", now_.load()};
  }

  User user(const std::string& id) const {
    User u;
    u.id = id;
    u.username = "user_" + id;
    u.created_at = now_;
    u.updated_at = now_;
    return u;
  }

  Session session_of(const std::string& user_id, const std::string& token_hash) const {
    Session s;
    s.id = "s-" + user_id;
    s.token_hash = token_hash;
    s.user_id = user_id;
    s.client_id = "client-1";
    s.provider = "wechat";
    s.created_at = now_;
    s.expires_at = now_ + 3600;
    return s;
  }
};

// store/login_store.hpp: everything one outcome writes is one LoginCommit, all or nothing.
TEST_F(ContractsTest, LoginStoreCommitsAnOutcomeWholeOrNotAtAll) {
  LoginStore& logins = *store_;
  const UnixSeconds now = now_;
  LoginCommit c;
  c.now = now;
  c.new_user = user("u-1");
  Identity identity = wechat_identity("openid-1");
  identity.user_id = "u-1";
  c.new_identity = identity;
  c.session = session_of("u-1", "hash-1");
  ASSERT_EQ(logins.commit_login(c), CommitResult::kOk);

  // Another request linking the same identity: none of it is written.
  LoginCommit again;
  again.now = now;
  again.new_user = user("u-2");
  Identity same = wechat_identity("openid-1");
  same.user_id = "u-2";
  again.new_identity = same;
  EXPECT_EQ(logins.commit_login(again), CommitResult::kIdentityTaken);
  EXPECT_FALSE(logins.find_user("u-2"));
  EXPECT_EQ(logins.find_identity("wechat", "wxapp", "openid-1")->user_id, "u-1");
}

// store/session_store.hpp: a refresh is a compare-and-swap; of two with one token, one wins.
TEST_F(ContractsTest, SessionStoreRefreshIsACompareAndSwap) {
  LoginCommit c;
  c.now = now_;
  c.new_user = user("u-1");
  c.session = session_of("u-1", "hash-1");
  ASSERT_EQ(store_->commit_login(c), CommitResult::kOk);

  SessionStore& sessions = *store_;
  const std::optional<Session> session = sessions.find_session_by_hash("hash-1");
  ASSERT_TRUE(session);
  const UnixSeconds now = now_;
  const SessionRefresh r{session->id, "hash-1", "hash-2", now + 3600, now};
  EXPECT_TRUE(sessions.refresh_session(r));
  EXPECT_FALSE(sessions.refresh_session(r)) << "the presented token changed meanwhile";
  EXPECT_TRUE(sessions.find_session_by_retired_hash("hash-1"));
}

// store/code_store.hpp: codes stored as hashes, the newest per target live, failed tries counted.
TEST_F(ContractsTest, CodeStoreKeepsTheNewestCodeAndCountsSendsAndTries) {
  CodeStore& codes = *store_;
  const UnixSeconds now = now_;
  PendingStep pending = new_step(services_, app_with("client-1", UnboundPolicy::kRegister),
                                 FlowKind::kSocialRegister, device_);
  LoginCommit flow;
  flow.now = now;
  flow.new_flow = pending.flow;
  ASSERT_EQ(store_->commit_login(flow), CommitResult::kOk);

  VerificationCode code;
  code.id = "code-1";
  code.flow_id = pending.flow.id;
  code.purpose = "REGISTER_SMS";
  code.target = "+8615907132852";
  code.code_hash = "hmac-of-the-code";
  code.created_at = now;
  code.expires_at = now + 300;
  codes.insert_verification_code(code);
  codes.record_send("target:+8615907132852", "+8615907132852", now);
  EXPECT_EQ(codes.count_sends("target:+8615907132852", now - 60), 1);
  codes.record_send("flow:" + pending.flow.id, "+8615907132852", now);
  EXPECT_EQ(codes.count_other_targets("flow:" + pending.flow.id, "+8615907132852", 0), 0);
  EXPECT_EQ(codes.count_other_targets("flow:" + pending.flow.id, "a@example.com", 0), 1);

  const std::optional<VerificationCode> live =
      codes.find_live_code(pending.flow.id, "REGISTER_SMS", "+8615907132852", now);
  ASSERT_TRUE(live);
  EXPECT_EQ(codes.record_failed_attempt(live->id, 5), 1);
}

// store/shared_state_store.hpp: one holder of a lease at a time, until it is released.
TEST_F(ContractsTest, SharedStateStoreLeasesHaveOneHolder) {
  SharedStateStore& shared = *store_;
  const UnixSeconds now = now_;
  EXPECT_TRUE(shared.acquire_lease("send/+8615907132852", "request-a", now, now + 60));
  EXPECT_FALSE(shared.acquire_lease("send/+8615907132852", "request-b", now, now + 60));
  shared.release_lease("send/+8615907132852", "request-a");
  EXPECT_TRUE(shared.acquire_lease("send/+8615907132852", "request-b", now, now + 60));
}

// store/audit_store.hpp and flows/admin/audit_trail.hpp: filtered pages with a cursor.
TEST_F(ContractsTest, AuditTrailPagesWithACursor) {
  AuditStore& audit = *store_;
  for (int i = 0; i < 5; ++i) {
    AuditEvent event;
    event.at = now_ + i;
    event.event = "login";
    event.user_id = i % 2 == 0 ? "u_1" : "u_2";
    audit.append_audit_event(event);
  }
  const AuditTrail trail(*store_);
  AuditQuery q;
  q.user_id = "u_1";
  q.limit = 2;
  AuditPage page = trail.page(q);
  std::vector<AuditEvent> seen = page.events;
  while (page.next != 0) {
    q.after_id = page.next;
    page = trail.page(q);
    seen.insert(seen.end(), page.events.begin(), page.events.end());
  }
  ASSERT_EQ(seen.size(), 3u);
  for (const AuditEvent& e : seen) EXPECT_EQ(e.user_id, "u_1");
}

// store/maintenance_store.hpp: purge in batches while more may be waiting.
TEST_F(ContractsTest, MaintenanceStorePurgesInBatches) {
  MaintenanceStore& maintenance = *store_;
  EXPECT_GT(maintenance.schema_version(), 0);
  const UnixSeconds now = now_;
  PurgeRequest p{now, now - 86400, 1000};
  int passes = 1;
  while (maintenance.purge_expired(p).more(p.batch)) ++passes;
  EXPECT_EQ(passes, 1);
}

// store/user_admin_store.hpp and flows/admin/page.hpp: every user by id, a page at a time.
TEST_F(ContractsTest, UsersArePagedByIdAfterACursor) {
  for (const char* id : {"a", "b", "c"}) add_user(id);
  UserAdminStore& users = *store_;
  const std::vector<User> page = users.find_users("", /*after_id=*/"", 2);
  ASSERT_EQ(page.size(), 2u);
  const std::vector<User> next = users.find_users("", page.back().id, 2);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].id, "c");

  Page<User> p = users_admin_.search("", "", 2);
  std::vector<std::string> ids;
  for (;;) {
    for (const User& u : p.items) ids.push_back(u.id);
    if (!p.next) break;
    p = users_admin_.search("", *p.next, 2);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "c"}));
}

// flows/retry.hpp: a lost race decides again; a second loss in a row is COM.0002.
TEST_F(ContractsTest, DecideWithRetriesDecidesAgainAfterALostRace) {
  int attempts = 0;
  Result<int> decided = decide_with_retries<int>(2, "lost twice", [&]() -> Attempt<int> {
    if (++attempts == 1) return LostRace{};
    return Result<int>{42};
  });
  ASSERT_TRUE(decided);
  EXPECT_EQ(decided.value(), 42);

  Result<int> exhausted =
      decide_with_retries<int>(2, "lost twice", []() -> Attempt<int> { return LostRace{}; });
  ASSERT_FALSE(exhausted);
  EXPECT_EQ(exhausted.error().code, ErrorCode::kSystemBusy);
  EXPECT_EQ(exhausted.error().detail, "lost twice");
}

// flows/login/providers.hpp: what every flow checks before it spends a mini program code.
TEST_F(ContractsTest, MiniProgramCodesNeedCredentialsAndAPlausibleLength) {
  Application app = app_with("client-1", UnboundPolicy::kRegister);
  EXPECT_EQ(check_miniprogram_code(app, "code").error().code, ErrorCode::kLoginNotEnabled);
  app.miniprogram = WechatCredentials{"wxmini", "secret"};
  EXPECT_TRUE(check_miniprogram_code(app, std::string(32, 'c')));
  EXPECT_EQ(check_miniprogram_code(app, std::string(kMaxWechatCodeLength + 1, 'c')).error().code,
            ErrorCode::kMiniProgramCallFailed);
}

// flows/admin/admin_flows.hpp and the operator use cases it bundles.
TEST_F(ContractsTest, AdminFlowsActThroughOneSetOfRules) {
  Store& store = *store_;
  const AdminFlows admin{AdminTokens(store),
                         ApplicationAdmin(store, store),
                         TenantAdmin(store),
                         UserAdmin(store, store),
                         SessionAdmin(store, store),
                         AuditTrail(store),
                         KeyRotation(store, store, sealer_)};
  const UnixSeconds now = now_;

  // flows/admin/tenants.hpp
  Result<Tenant> t = admin.tenants.create("acme", "ACME Inc.", now);
  ASSERT_TRUE(t);

  // flows/admin/applications.hpp
  AppChanges c;
  c.name = "Demo";
  c.unbound = "auto_create";
  c.tenant_id = "acme";
  Result<Application> app = admin.applications.create(c, now);
  ASSERT_TRUE(app);
  EXPECT_EQ(admin.applications.get(app.value().client_id).value().name, "Demo");

  // flows/admin/users.hpp: a mobile in any written form finds its user.
  UserChanges u;
  u.name = "Alice";
  u.mobile = "+86 159 0713 2852";
  ASSERT_TRUE(admin.users.create(u, now));
  Page<User> found = admin.users.search("159 0713 2852", "", 100);
  ASSERT_EQ(found.items.size(), 1u);
  EXPECT_EQ(found.items[0].name, "Alice");

  // flows/admin/admin_tokens.hpp: shown once, checked by hash.
  Result<IssuedAdminToken> token = admin.tokens.issue("deploy-bot", /*expires_in=*/0, now);
  ASSERT_TRUE(token);
  EXPECT_TRUE(admin.tokens.authenticate(token.value().token, now));
  EXPECT_FALSE(admin.tokens.authenticate(token.value().token + "x", now));
  ASSERT_TRUE(admin.tokens.revoke("deploy-bot", now));
  EXPECT_FALSE(admin.tokens.authenticate(token.value().token, now));

  // flows/keys/key_rotation.hpp
  load_signing_keys(store, sealer_, keys_, clock());
  Result<std::vector<RotatedKey>> rotated = admin.keys.rotate("all", 600, 30, now);
  ASSERT_TRUE(rotated);
  ASSERT_EQ(rotated.value().size(), 2u);
  EXPECT_EQ(rotated.value()[0].signs_from, now + 600);
  EXPECT_EQ(rotated.value()[0].replaces.size(), 1u);
  EXPECT_EQ(admin.keys.rotate("HS256", 600, 30, now).error().code,
            ErrorCode::kAdminInvalidArgument);
}

// flows/flow_guard.hpp: a state token names a usable flow of an accepted kind, or COMMON.1007.
TEST_F(ContractsTest, FlowGuardLoadsTheFlowAStateTokenNames) {
  const Application app = app_with("client-1", UnboundPolicy::kBind);
  PendingStep pending = new_step(services_, app, FlowKind::kSocialBind, device_);
  LoginCommit c;
  c.now = now_;
  c.new_flow = pending.flow;
  ASSERT_EQ(store_->commit_login(c), CommitResult::kOk);

  const FlowGuard guard = flow_guard();
  Result<FlowState> flow =
      await(guard.load(pending.step.state_token, "client-1", {FlowKind::kSocialBind}));
  ASSERT_TRUE(flow);
  EXPECT_EQ(flow.value().id, pending.flow.id);
  EXPECT_EQ(await(guard.load(pending.step.state_token, "client-1", {FlowKind::kMfa})).error().code,
            ErrorCode::kStateTokenInvalid);
}

}  // namespace
}  // namespace ciamd
