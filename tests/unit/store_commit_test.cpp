// Store::commit_login on SQLite: all or nothing, each conflict, flows and verification codes that
// cannot be used twice, identity lookups (unionid across provider apps), a unionid attached to an
// identity linked without one, and races between threads.
#include <algorithm>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "unit/store_test_support.hpp"

namespace ciamd {
namespace {

using testing_support::RawDb;
using testing_support::StoreTest;

class StoreCommitTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ASSERT_TRUE(store_->create_application(sample_app("client-a")));
    add_flow(sample_flow("flow-1", "client-a"));
  }

  // A complete registration: consumes flow-1, creates user `id` with its WeChat identity and a
  // session, and starts an MFA flow.
  LoginCommit registration(const std::string& id) {
    LoginCommit commit;
    commit.consume_flow_id = "flow-1";
    commit.new_user = sample_user(id);
    commit.new_identity = sample_identity("openid-" + id, id, "wx-app", "union-" + id);
    commit.session = sample_session("session-" + id, id, "client-a");
    commit.new_flow = sample_flow("next-" + id, "client-a");
    commit.new_flow->kind = FlowKind::kMfa;
    commit.new_flow->user_id = id;
    commit.remember_device = KnownDevice{id, "device-1"};
    commit.now = 1700000300;
    return commit;
  }
};

TEST_F(StoreCommitTest, HappyPathWritesEverything) {
  const LoginCommit commit = registration("1001");
  ASSERT_EQ(store_->commit_login(commit), CommitResult::kOk);

  const auto flow = store_->find_flow_state("flow-1");
  ASSERT_TRUE(flow);
  EXPECT_TRUE(flow->consumed);
  ASSERT_TRUE(store_->find_user("1001"));

  const auto identity = store_->find_identity("wechat", "wx-app", "openid-1001");
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->user_id, "1001");
  EXPECT_EQ(identity->unionid, "union-1001");
  EXPECT_EQ(identity->profile_json, commit.new_identity->profile_json);
  EXPECT_EQ(identity->created_at, commit.new_identity->created_at);

  const auto session = store_->find_session_by_hash("hash-session-1001");
  ASSERT_TRUE(session);
  EXPECT_EQ(session->id, "session-1001");
  EXPECT_EQ(session->user_id, "1001");
  EXPECT_EQ(session->client_id, "client-a");
  EXPECT_EQ(session->provider, "wechat");
  EXPECT_EQ(session->device_fingerprint, "device-1");
  EXPECT_EQ(session->created_at, 1700000200);
  EXPECT_EQ(session->expires_at, 1700432200);
  EXPECT_FALSE(session->revoked);
  EXPECT_FALSE(store_->find_session_by_hash("hash-unknown"));
  EXPECT_TRUE(store_->is_known_device("1001", "device-1"));  // the user is new in this commit

  const auto next = store_->find_flow_state("next-1001");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->kind, FlowKind::kMfa);
  EXPECT_EQ(next->user_id, "1001");
  EXPECT_FALSE(next->consumed);
}

TEST_F(StoreCommitTest, PendingIdentityRoundTripsExactly) {
  FlowState flow = sample_flow("flow-2", "client-a");
  flow.kind = FlowKind::kSocialBind;
  flow.pending_identity.profile_json =
      "{ \"nickname\" : \"\\u5f20\\u4e09 \xe5\xbc\xa0\", \"sex\":1,\n \"a\\\"b\": [1.50, null] }";
  flow.pending_identity.created_at = 1234567890123;
  add_flow(flow);

  const auto found = store_->find_flow_state("flow-2");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->kind, FlowKind::kSocialBind);
  EXPECT_EQ(found->client_id, "client-a");
  EXPECT_EQ(found->provider, "wechat");
  EXPECT_EQ(found->user_id, "");
  EXPECT_EQ(found->device_fingerprint, "device-1");
  EXPECT_EQ(found->created_at, flow.created_at);
  EXPECT_EQ(found->expires_at, flow.expires_at);
  const Identity& a = found->pending_identity;
  const Identity& b = flow.pending_identity;
  EXPECT_EQ(a.provider, b.provider);
  EXPECT_EQ(a.provider_app_id, b.provider_app_id);
  EXPECT_EQ(a.subject, b.subject);
  EXPECT_EQ(a.unionid, b.unionid);
  EXPECT_EQ(a.user_id, b.user_id);
  EXPECT_EQ(a.profile_json, b.profile_json);
  EXPECT_EQ(a.created_at, b.created_at);
}

TEST_F(StoreCommitTest, UserConflictLeavesNothingBehind) {
  User existing = sample_user("2001");
  existing.username = "taken-name";
  existing.mobile = "+8613800000000";
  existing.email = "taken@example.com";
  add_user(existing);
  const auto before = row_counts();

  for (const char* clash : {"id", "username", "mobile", "email"}) {
    LoginCommit commit = registration("1001");
    User& user = *commit.new_user;
    if (clash == std::string_view("id")) user.id = existing.id;
    if (clash == std::string_view("username")) user.username = existing.username;
    if (clash == std::string_view("mobile")) user.mobile = existing.mobile;
    if (clash == std::string_view("email")) user.email = existing.email;
    commit.new_identity->user_id = user.id;
    commit.session->user_id = user.id;
    EXPECT_EQ(store_->commit_login(commit), CommitResult::kUserConflict) << clash;
    EXPECT_EQ(row_counts(), before) << clash;
  }
}

TEST_F(StoreCommitTest, IdentityTakenLeavesNothingBehind) {
  add_user(sample_user("2001"), sample_identity("openid-x", "2001", "wx-app", "union-x"));
  const auto before = row_counts();

  // The same openid in the same app.
  LoginCommit same_subject = registration("1001");
  same_subject.new_identity->subject = "openid-x";
  EXPECT_EQ(store_->commit_login(same_subject), CommitResult::kIdentityTaken);
  EXPECT_EQ(row_counts(), before);

  // Another openid with the same unionid in the same app: cannot be another person.
  LoginCommit same_app_unionid = registration("1001");
  same_app_unionid.new_identity->unionid = "union-x";
  EXPECT_EQ(store_->commit_login(same_app_unionid), CommitResult::kIdentityTaken);
  EXPECT_EQ(row_counts(), before);

  // The unionid through another app (the mini program), for a new user: it belongs to 2001.
  LoginCommit other_app_unionid = registration("1001");
  other_app_unionid.new_identity->provider_app_id = "wx-mini";
  other_app_unionid.new_identity->unionid = "union-x";
  EXPECT_EQ(store_->commit_login(other_app_unionid), CommitResult::kIdentityTaken);
  EXPECT_EQ(row_counts(), before);
}

TEST_F(StoreCommitTest, FailureMidwayLeavesNothingBehind) {
  const auto before = row_counts();
  LoginCommit commit = registration("1001");
  commit.session->client_id = "client-unknown";  // foreign key violation after three writes
  EXPECT_THROW(store_->commit_login(commit), StoreError);
  EXPECT_EQ(row_counts(), before);
  // And the connection that failed is healthy for the next caller.
  EXPECT_EQ(store_->commit_login(registration("1001")), CommitResult::kOk);
}

TEST_F(StoreCommitTest, FlowIsUsableOnce) {
  ASSERT_EQ(store_->commit_login(registration("1001")), CommitResult::kOk);
  const auto before = row_counts();
  EXPECT_EQ(store_->commit_login(registration("1002")), CommitResult::kFlowNotUsable);
  EXPECT_EQ(row_counts(), before);
}

TEST_F(StoreCommitTest, ExpiredOrUnknownFlowIsNotUsable) {
  const auto before = row_counts();
  LoginCommit expired = registration("1001");
  expired.now = sample_flow("flow-1", "client-a").expires_at;  // expires_at is the first bad second
  EXPECT_EQ(store_->commit_login(expired), CommitResult::kFlowNotUsable);
  LoginCommit unknown = registration("1001");
  unknown.consume_flow_id = "flow-unknown";
  EXPECT_EQ(store_->commit_login(unknown), CommitResult::kFlowNotUsable);
  EXPECT_EQ(row_counts(), before);
}

TEST_F(StoreCommitTest, OneUserAcrossAppAndMiniProgram) {
  add_user(sample_user("1001"), sample_identity("openid-app", "1001", "wx-app", "union-1"));
  LoginCommit link;
  link.new_identity = sample_identity("openid-mini", "1001", "wx-mini", "union-1");
  link.new_identity->created_at += 10;
  link.now = 1700000400;
  ASSERT_EQ(store_->commit_login(link), CommitResult::kOk);
  add_user(sample_user("1002"), sample_identity("weibo-uid", "1002"));

  const auto by_unionid = store_->find_identity_by_unionid("wechat", "union-1");
  ASSERT_TRUE(by_unionid);
  EXPECT_EQ(by_unionid->user_id, "1001");
  EXPECT_EQ(by_unionid->subject, "openid-app");  // the oldest of the two
  EXPECT_FALSE(store_->find_identity_by_unionid("weibo", "union-1"));
  EXPECT_FALSE(store_->find_identity_by_unionid("wechat", ""));  // no unionid is no match
  EXPECT_FALSE(store_->find_identity("wechat", "wx-mini", "openid-app"));

  const auto identities = store_->list_identities("1001");
  ASSERT_EQ(identities.size(), 2U);
  EXPECT_EQ(identities[0].provider_app_id, "wx-app");
  EXPECT_EQ(identities[1].provider_app_id, "wx-mini");
  EXPECT_EQ(store_->list_identities("1002").size(), 1U);
  EXPECT_TRUE(store_->list_identities("nobody").empty());
}

// --- attach_unionid ----------------------------------------------------------------------------

// A mini program login whose identity was linked without a unionid and now comes with one.
class StoreAttachUnionidTest : public StoreCommitTest {
 protected:
  // Adds user `user_id` with an identity in `app_id` that has no unionid.
  void add_user_without_unionid(const std::string& user_id, const std::string& subject,
                                const std::string& app_id = "wx-mini") {
    add_user(sample_user(user_id), sample_identity(subject, user_id, app_id));
  }

  // The login of `user_id` through (`app_id`, `subject`) that writes `unionid` onto the identity,
  // with the session it starts.
  LoginCommit attaching(const std::string& user_id, const std::string& subject,
                        const std::string& unionid, const std::string& app_id = "wx-mini") {
    LoginCommit commit;
    commit.attach_unionid =
        UnionidAttachment{std::string(kProviderWechat), app_id, subject, unionid, user_id};
    commit.session = sample_session("session-" + subject, user_id, "client-a");
    commit.now = 1700000300;
    return commit;
  }

  std::string owner_of(const std::string& unionid) {
    return RawDb(path_).scalar(
        "SELECT user_id FROM unionid_owners WHERE provider = 'wechat' AND unionid = '" + unionid +
        "'");
  }

  std::string unionid_of(const std::string& app_id, const std::string& subject) {
    const auto identity = store_->find_identity("wechat", app_id, subject);
    return identity ? identity->unionid : "(no identity)";
  }
};

TEST_F(StoreAttachUnionidTest, WritesTheUnionidAndClaimsIt) {
  add_user_without_unionid("1001", "openid-mini");
  ASSERT_EQ(owner_of("union-1"), "");

  ASSERT_EQ(store_->commit_login(attaching("1001", "openid-mini", "union-1")), CommitResult::kOk);
  EXPECT_EQ(unionid_of("wx-mini", "openid-mini"), "union-1");
  const auto by_unionid = store_->find_identity_by_unionid("wechat", "union-1");
  ASSERT_TRUE(by_unionid);
  EXPECT_EQ(by_unionid->subject, "openid-mini");
  EXPECT_EQ(by_unionid->user_id, "1001");
  EXPECT_EQ(owner_of("union-1"), "1001");
  EXPECT_TRUE(store_->find_session_by_hash("hash-session-openid-mini"));
}

TEST_F(StoreAttachUnionidTest, UnionidTheUserOwnsThroughAnotherAppIsAttached) {
  // The user logged in to the mobile app first (with the unionid), then to the mini program
  // without one; now the mini program gives it too.
  add_user(sample_user("1001"), sample_identity("openid-app", "1001", "wx-app", "union-1"));
  LoginCommit link;
  link.new_identity = sample_identity("openid-mini", "1001", "wx-mini");
  link.now = 1700000200;
  ASSERT_EQ(store_->commit_login(link), CommitResult::kOk);

  ASSERT_EQ(store_->commit_login(attaching("1001", "openid-mini", "union-1")), CommitResult::kOk);
  EXPECT_EQ(unionid_of("wx-mini", "openid-mini"), "union-1");
  EXPECT_EQ(RawDb(path_).count("unionid_owners"), 1);
  EXPECT_EQ(owner_of("union-1"), "1001");
}

TEST_F(StoreAttachUnionidTest, IdentityWithAUnionidKeepsIt) {
  add_user(sample_user("1001"), sample_identity("openid-mini", "1001", "wx-mini", "union-1"));
  const auto before = row_counts();
  for (const char* unionid : {"union-2", "union-1"}) {  // another one, or the same again
    EXPECT_EQ(store_->commit_login(attaching("1001", "openid-mini", unionid)),
              CommitResult::kIdentityTaken)
        << unionid;
    EXPECT_EQ(row_counts(), before) << unionid;
  }
  EXPECT_EQ(unionid_of("wx-mini", "openid-mini"), "union-1");
  EXPECT_EQ(owner_of("union-2"), "");
}

TEST_F(StoreAttachUnionidTest, UnknownOrRelinkedIdentityIsNotChanged) {
  add_user_without_unionid("1001", "openid-mini");
  add_user(sample_user("2001"));
  const auto before = row_counts();
  // No such identity; and the identity as read for another user than it now belongs to.
  EXPECT_EQ(store_->commit_login(attaching("1001", "openid-other", "union-1")),
            CommitResult::kIdentityTaken);
  EXPECT_EQ(store_->commit_login(attaching("2001", "openid-mini", "union-1")),
            CommitResult::kIdentityTaken);
  EXPECT_EQ(row_counts(), before);
  EXPECT_EQ(unionid_of("wx-mini", "openid-mini"), "");
}

TEST_F(StoreAttachUnionidTest, UnionidOfAnotherUserRollsBackTheWholeCommit) {
  // 2001 owns union-x through the mobile app; 1001's mini program identity cannot take it.
  add_user(sample_user("2001"), sample_identity("openid-app", "2001", "wx-app", "union-x"));
  add_user_without_unionid("1001", "openid-mini");
  const auto before = row_counts();

  LoginCommit commit = attaching("1001", "openid-mini", "union-x");
  commit.consume_flow_id = "flow-1";
  commit.new_flow = sample_flow("next-1001", "client-a");
  EXPECT_EQ(store_->commit_login(commit), CommitResult::kIdentityTaken);

  EXPECT_EQ(row_counts(), before);  // flow-1 not consumed, no session, no new flow
  EXPECT_FALSE(store_->find_session_by_hash("hash-session-openid-mini"));
  EXPECT_EQ(unionid_of("wx-mini", "openid-mini"), "");  // the UPDATE was rolled back too
  EXPECT_EQ(owner_of("union-x"), "2001");
  const auto by_unionid = store_->find_identity_by_unionid("wechat", "union-x");
  ASSERT_TRUE(by_unionid);
  EXPECT_EQ(by_unionid->user_id, "2001");
}

TEST_F(StoreAttachUnionidTest, UnionidOfAnotherIdentityOfTheSameAppIsRefused) {
  // Within one provider app openid and unionid are one-to-one. Both identities belong to 1001 so
  // that unionid_owners would allow it: the unique index alone refuses.
  add_user(sample_user("1001"), sample_identity("openid-a", "1001", "wx-mini", "union-1"));
  LoginCommit link;
  link.new_identity = sample_identity("openid-b", "1001", "wx-mini");
  link.now = 1700000200;
  ASSERT_EQ(store_->commit_login(link), CommitResult::kOk);
  const auto before = row_counts();

  EXPECT_EQ(store_->commit_login(attaching("1001", "openid-b", "union-1")),
            CommitResult::kIdentityTaken);
  EXPECT_EQ(row_counts(), before);
  EXPECT_EQ(unionid_of("wx-mini", "openid-b"), "");
}

TEST_F(StoreAttachUnionidTest, EmptyUnionidIsACallerBug) {
  add_user_without_unionid("1001", "openid-mini");
  EXPECT_THROW(store_->commit_login(attaching("1001", "openid-mini", "")), StoreError);
  EXPECT_EQ(unionid_of("wx-mini", "openid-mini"), "");
}

// --- verification codes -----------------------------------------------------------------------

class StoreCommitCodeTest : public StoreCommitTest {
 protected:
  void SetUp() override {
    StoreCommitTest::SetUp();
    store_->insert_verification_code(code_);
  }

  // registration(id), proven by code-1.
  LoginCommit verified(const std::string& id) {
    LoginCommit commit = registration(id);
    commit.consume_code_id = code_.id;
    return commit;
  }

  bool code_is_live() {
    return store_->find_live_code(code_.flow_id, code_.purpose, code_.target, 1700000300)
        .has_value();
  }

  const VerificationCode code_ = sample_code("code-1", "flow-1");
};

TEST_F(StoreCommitCodeTest, CodeIsUsedByTheLogin) {
  ASSERT_TRUE(code_is_live());
  ASSERT_EQ(store_->commit_login(verified("1001")), CommitResult::kOk);
  EXPECT_FALSE(code_is_live());
  EXPECT_EQ(RawDb(path_).scalar("SELECT used FROM verification_codes WHERE id = 'code-1'"), "1");
  ASSERT_TRUE(store_->find_user("1001"));
}

TEST_F(StoreCommitCodeTest, CodeIsUsableOnce) {
  ASSERT_EQ(store_->commit_login(verified("1001")), CommitResult::kOk);
  const auto before = row_counts();
  LoginCommit again = verified("1002");
  again.consume_flow_id.reset();  // so that only the code can fail
  EXPECT_EQ(store_->commit_login(again), CommitResult::kCodeNotUsable);
  EXPECT_EQ(row_counts(), before);
}

TEST_F(StoreCommitCodeTest, RevokedExpiredOrUnknownCodeIsNotUsable) {
  const auto before = row_counts();
  LoginCommit expired = verified("1001");
  expired.now = code_.expires_at;  // the first bad second
  EXPECT_EQ(store_->commit_login(expired), CommitResult::kCodeNotUsable);
  LoginCommit unknown = verified("1001");
  unknown.consume_code_id = "code-unknown";
  EXPECT_EQ(store_->commit_login(unknown), CommitResult::kCodeNotUsable);
  EXPECT_EQ(row_counts(), before);  // nor was flow-1 consumed

  // Revoked by failed attempts.
  for (int i = 0; i < 5; ++i) store_->record_failed_attempt("code-1", 5);
  EXPECT_EQ(store_->commit_login(verified("1001")), CommitResult::kCodeNotUsable);
  // Revoked by a newer code: the older one no longer works, the newer one does.
  VerificationCode newer = sample_code("code-2", "flow-1", 1700000150);
  store_->insert_verification_code(newer);
  VerificationCode newest = sample_code("code-3", "flow-1", 1700000160);
  store_->insert_verification_code(newest);
  LoginCommit replaced = verified("1001");
  replaced.consume_code_id = "code-2";
  EXPECT_EQ(store_->commit_login(replaced), CommitResult::kCodeNotUsable);
  EXPECT_EQ(row_counts()["consumed flows"], before.at("consumed flows"));
  replaced.consume_code_id = "code-3";
  EXPECT_EQ(store_->commit_login(replaced), CommitResult::kOk);
}

TEST_F(StoreCommitCodeTest, CodeIsCheckedBeforeTheFlow) {
  ASSERT_EQ(store_->commit_login(registration("1001")), CommitResult::kOk);  // flow-1 spent
  LoginCommit commit = verified("1002");
  commit.consume_code_id = "code-unknown";
  EXPECT_EQ(store_->commit_login(commit), CommitResult::kCodeNotUsable);
  EXPECT_EQ(store_->commit_login(verified("1002")), CommitResult::kFlowNotUsable);
  EXPECT_TRUE(code_is_live());  // the failed flow rolled the code back
}

TEST_F(StoreCommitCodeTest, LaterFailureLeavesTheCodeUsable) {
  add_user(sample_user("2001"), sample_identity("openid-x", "2001", "wx-app", "union-x"));
  const auto before = row_counts();
  LoginCommit taken = verified("1001");
  taken.new_identity->subject = "openid-x";
  EXPECT_EQ(store_->commit_login(taken), CommitResult::kIdentityTaken);
  EXPECT_EQ(row_counts(), before);
  EXPECT_TRUE(code_is_live());

  LoginCommit broken = verified("1001");
  broken.session->client_id = "client-unknown";  // a foreign key violation: StoreError
  EXPECT_THROW(store_->commit_login(broken), StoreError);
  EXPECT_EQ(row_counts(), before);
  EXPECT_TRUE(code_is_live());

  EXPECT_EQ(store_->commit_login(verified("1001")), CommitResult::kOk);
  EXPECT_FALSE(code_is_live());
}

// --- concurrency -------------------------------------------------------------------------------

constexpr int kThreads = 8;

// Runs make_commit(i) on kThreads threads released at once; returns every result.
template <class MakeCommit>
std::vector<CommitResult> race(Store& store, MakeCommit make_commit) {
  std::vector<CommitResult> results;
  std::mutex mutex;
  std::latch start(kThreads);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        const LoginCommit commit = make_commit(i);
        start.arrive_and_wait();
        const CommitResult result = store.commit_login(commit);
        const std::lock_guard lock(mutex);
        results.push_back(result);
      });
    }
  }
  return results;
}

TEST_F(StoreCommitTest, OneOfEightThreadsConsumesAFlow) {
  const auto results = race(*store_, [this](int i) { return registration(std::to_string(i)); });
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kThreads));
  EXPECT_EQ(std::count(results.begin(), results.end(), CommitResult::kOk), 1);
  EXPECT_EQ(std::count(results.begin(), results.end(), CommitResult::kFlowNotUsable), kThreads - 1);
  RawDb raw(path_);
  EXPECT_EQ(raw.count("users"), 1);
  EXPECT_EQ(raw.count("sessions"), 1);
}

TEST_F(StoreCommitTest, OneOfEightThreadsLinksAnIdentity) {
  const auto results = race(*store_, [this](int i) {
    LoginCommit commit = registration(std::to_string(i));
    commit.consume_flow_id.reset();
    commit.new_identity->subject = "openid-same";
    return commit;
  });
  EXPECT_EQ(std::count(results.begin(), results.end(), CommitResult::kOk), 1);
  EXPECT_EQ(std::count(results.begin(), results.end(), CommitResult::kIdentityTaken), kThreads - 1);
  RawDb raw(path_);
  EXPECT_EQ(raw.count("users"), 1);
  EXPECT_EQ(raw.count("identities"), 1);
}

TEST_F(StoreCommitTest, OneOfEightThreadsClaimsAUnionidAcrossApps) {
  // The same person through eight different apps of one Open Platform account, at once: one
  // user, not eight.
  const auto results = race(*store_, [this](int i) {
    LoginCommit commit = registration(std::to_string(i));
    commit.consume_flow_id.reset();
    commit.new_identity->provider_app_id = "wx-app-" + std::to_string(i);
    commit.new_identity->unionid = "union-same";
    return commit;
  });
  EXPECT_EQ(std::count(results.begin(), results.end(), CommitResult::kOk), 1);
  EXPECT_EQ(std::count(results.begin(), results.end(), CommitResult::kIdentityTaken), kThreads - 1);
  RawDb raw(path_);
  EXPECT_EQ(raw.count("users"), 1);
  EXPECT_EQ(raw.count("unionid_owners"), 1);
}

TEST_F(StoreCommitCodeTest, OneOfEightThreadsUsesACode) {
  // Eight requests with the same code; the flow is left out so that only the code decides.
  const auto results = race(*store_, [this](int i) {
    LoginCommit commit = verified(std::to_string(i));
    commit.consume_flow_id.reset();
    return commit;
  });
  EXPECT_EQ(std::count(results.begin(), results.end(), CommitResult::kOk), 1);
  EXPECT_EQ(std::count(results.begin(), results.end(), CommitResult::kCodeNotUsable), kThreads - 1);
  RawDb raw(path_);
  EXPECT_EQ(raw.count("users"), 1);
  EXPECT_EQ(raw.count("sessions"), 1);
}

}  // namespace
}  // namespace ciamd
