// The mini program's flows against a real SQLite store, real keys and a real blocking pool:
// PhoneLogin, SocialLogin with a mini program identity (lifetime, unionid attached later), and
// SocialBind with a phone WeChat vouched for.
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <vector>

#include "flows/login/phone_login.hpp"
#include "flows/login/social_login.hpp"
#include "flows/social/social_bind.hpp"
#include "flows_verify_support.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

constexpr const char* kPhone = "+8615907132852";
constexpr std::int64_t kMiniTtl = 3600;

class MiniProgramFlowsTest : public testing::VerifyTest {
 protected:
  Application mini_app(std::string client_id, UnboundPolicy unbound,
                       AccessPolicy access = AccessPolicy::kAll) {
    Application app = app_with(std::move(client_id), unbound, access);
    app.miniprogram = WechatCredentials{"wxmini", "mini-secret"};
    app.miniprogram_session_ttl = kMiniTtl;
    return add_app(app);
  }

  Result<LoginOutcome> phone_login(const Application& app, const std::string& e164) {
    return await(FlowsTest::phone_login().complete(app, e164, kLoginWechatMiniProgram, device_));
  }

  Result<LoginOutcome> social_login(const Application& app, const ExternalIdentity& who) {
    return await(FlowsTest::social_login().complete(app, who, device_));
  }

  static ExternalIdentity mini_identity(std::string openid, std::string unionid = "") {
    ExternalIdentity who{"wechat", "wxmini", std::move(openid), std::move(unionid), "", "{}"};
    who.login_method = std::string(kLoginWechatMiniProgram);
    return who;
  }

  static ErrorCode code_of(const Result<LoginOutcome>& r) {
    return r ? ErrorCode::kNotFound : r.error().code;
  }

  // The SUCCESS's user, after checking its session row says "mini program".
  std::string success_user(const Result<LoginOutcome>& r) {
    if (!r) {
      ADD_FAILURE() << error_info(r.error().code).code << " " << r.error().detail;
      return "";
    }
    if (status_of(r.value()) != "SUCCESS") {
      ADD_FAILURE() << "status " << status_of(r.value());
      return "";
    }
    const auto& ok = std::get<LoginSuccess>(r.value());
    EXPECT_EQ(ok.expire, kMiniTtl);
    std::optional<Session> s = store_->find_session_by_hash(crypto::sha256_hex(ok.session_token));
    EXPECT_TRUE(s);
    if (s) {
      EXPECT_EQ(s->provider, kLoginWechatMiniProgram);
    }
    EXPECT_EQ(verified_claims(ok.id_token).at("sub").as_string(), ok.user_id);
    return ok.user_id;
  }

  int user_count() { return static_cast<int>(store_->find_users("", "", 1000).size()); }
};

// --- PhoneLogin --------------------------------------------------------------------------------

TEST_F(MiniProgramFlowsTest, PhoneLoginFindsTheUserWithThatNumber) {
  const Application app = mini_app("c-phone", UnboundPolicy::kReject);
  User u = add_user("u-phone", UserStatus::kActive, kPhone);
  EXPECT_EQ(success_user(phone_login(app, kPhone)), u.id);
  EXPECT_EQ(user_count(), 1);
}

TEST_F(MiniProgramFlowsTest, PhoneLoginRegistersAnUnknownNumberWhereTheAppRegisters) {
  for (UnboundPolicy policy : {UnboundPolicy::kRegister, UnboundPolicy::kAutoCreate}) {
    const std::string client = "c-reg-" + std::string(to_string(policy));
    const std::string phone = policy == UnboundPolicy::kRegister ? "+8613800138000" : kPhone;
    const Application app = mini_app(client, policy);
    const std::string id = success_user(phone_login(app, phone));
    std::optional<User> created = store_->find_user_by_mobile(phone);
    ASSERT_TRUE(created) << client;
    EXPECT_EQ(created->id, id);
    // The next login finds the same user.
    EXPECT_EQ(success_user(phone_login(app, phone)), id);
  }
  EXPECT_EQ(user_count(), 2);
}

TEST_F(MiniProgramFlowsTest, PhoneLoginOfAnUnknownNumberIsUser0001WhereTheAppDoesNotRegister) {
  for (UnboundPolicy policy : {UnboundPolicy::kBind, UnboundPolicy::kReject}) {
    const Application app = mini_app("c-" + std::string(to_string(policy)), policy);
    EXPECT_EQ(code_of(phone_login(app, kPhone)), ErrorCode::kUserNotFound);
  }
  EXPECT_EQ(user_count(), 0);
}

TEST_F(MiniProgramFlowsTest, PhoneLoginOfADisabledUserIsUser0039WithoutSession) {
  const Application app = mini_app("c-dis", UnboundPolicy::kRegister);
  add_user("u-off", UserStatus::kDisabled, kPhone);
  EXPECT_EQ(code_of(phone_login(app, kPhone)), ErrorCode::kUserDisabled);
}

TEST_F(MiniProgramFlowsTest, PhoneLoginUnderAssignedAccessDeniesAndCreatesNobody) {
  const Application app = mini_app("c-assigned", UnboundPolicy::kRegister, AccessPolicy::kAssigned);
  User u = add_user("u-unassigned", UserStatus::kActive, kPhone);
  Result<LoginOutcome> r = phone_login(app, kPhone);
  ASSERT_TRUE(r);
  EXPECT_EQ(status_of(r.value()), "ACCESS_DENIED");
  EXPECT_EQ(user_of(r.value()), u.id);

  Result<LoginOutcome> fresh = phone_login(app, "+8613800138000");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(status_of(fresh.value()), "ACCESS_DENIED");
  EXPECT_FALSE(store_->find_user_by_mobile("+8613800138000"));

  ASSERT_TRUE(store_->assign_user(app.client_id, u.id));
  EXPECT_EQ(success_user(phone_login(app, kPhone)), u.id);
}

TEST_F(MiniProgramFlowsTest, ConcurrentFirstPhoneLoginsOfOneNumberMakeOneUser) {
  const Application app = mini_app("c-race", UnboundPolicy::kAutoCreate);
  // Outlives the coroutines: complete() is a member coroutine and reads the object as it runs.
  const PhoneLogin login = FlowsTest::phone_login();
  std::vector<std::future<std::optional<Result<LoginOutcome>>>> logins;
  for (int i = 0; i < 8; ++i) {
    logins.push_back(spawn(login.complete(app, kPhone, kLoginWechatMiniProgram, device_)));
  }
  std::set<std::string> users;
  for (auto& f : logins) users.insert(success_user(*f.get()));
  EXPECT_EQ(users.size(), 1u);
  EXPECT_EQ(user_count(), 1);
}

// --- SocialLogin with mini program identities --------------------------------------------------

TEST_F(MiniProgramFlowsTest, MiniProgramLoginUsesTheMiniProgramSessionLifetime) {
  const Application app = mini_app("c-mini", UnboundPolicy::kAutoCreate);
  const std::string id = success_user(social_login(app, mini_identity("mini-openid")));
  std::optional<Identity> link = store_->find_identity("wechat", "wxmini", "mini-openid");
  ASSERT_TRUE(link);
  EXPECT_EQ(link->user_id, id);
}

TEST_F(MiniProgramFlowsTest, RegisterFlowFromTheMiniProgramRemembersHowItStarted) {
  const Application app = mini_app("c-mini-reg", UnboundPolicy::kRegister);
  Result<LoginOutcome> r = social_login(app, mini_identity("mini-openid"));
  ASSERT_TRUE(r);
  ASSERT_EQ(status_of(r.value()), "USER_REGISTER");
  std::optional<StateTokenClaims> claims =
      state_tokens_.verify(std::get<LoginStep>(r.value()).state_token, app.client_id, now_.load());
  ASSERT_TRUE(claims);
  std::optional<FlowState> flow = store_->find_flow_state(claims->flow_id);
  ASSERT_TRUE(flow);
  EXPECT_EQ(flow->provider, kLoginWechatMiniProgram);
  EXPECT_EQ(flow->pending_identity.provider, "wechat");
  EXPECT_EQ(flow->pending_identity.provider_app_id, "wxmini");
}

TEST_F(MiniProgramFlowsTest, UnionidThatAppearsLaterAttachesToTheExistingUser) {
  const Application app = mini_app("c-union", UnboundPolicy::kReject);
  User u = add_user("u-union");
  link(Identity{"wechat", "wxmini", "mini-openid", "", u.id, "{}", now_.load()});

  EXPECT_EQ(success_user(social_login(app, mini_identity("mini-openid", "union-1"))), u.id);
  std::optional<Identity> updated = store_->find_identity("wechat", "wxmini", "mini-openid");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->unionid, "union-1");

  // The same person through the WeChat app of the same Open Platform account: the same user.
  ExternalIdentity app_login{"wechat", "wxapp", "app-openid", "union-1", "Nick", "{}"};
  Result<LoginOutcome> r = social_login(app, app_login);
  ASSERT_TRUE(r) << error_info(r.error().code).code;
  ASSERT_EQ(status_of(r.value()), "SUCCESS");
  EXPECT_EQ(std::get<LoginSuccess>(r.value()).user_id, u.id);
}

TEST_F(MiniProgramFlowsTest, UnionidOwnedByAnotherUserIsNotAttachedAndTheLoginGoesOn) {
  const Application app = mini_app("c-union2", UnboundPolicy::kReject);
  User first = add_user("u-first");
  User second = add_user("u-second");
  link(Identity{"wechat", "wxapp", "app-openid", "union-2", second.id, "{}", now_.load()});
  link(Identity{"wechat", "wxmini", "mini-openid", "", first.id, "{}", now_.load()});

  EXPECT_EQ(success_user(social_login(app, mini_identity("mini-openid", "union-2"))), first.id);
  EXPECT_EQ(store_->find_identity("wechat", "wxmini", "mini-openid")->unionid, "");
}

// --- SocialBind with a phone WeChat vouched for ------------------------------------------------

class ProvenPhoneBindTest : public MiniProgramFlowsTest {
 protected:
  Result<LoginOutcome> bind(const Application& app, const FlowState& flow,
                            const std::string& e164) {
    return await(social_bind(verification()).complete(app, flow, ProvenPhone{e164}, device_));
  }

  bool consumed(const FlowState& flow) {
    std::optional<FlowState> f = store_->find_flow_state(flow.id);
    return f && f->consumed;
  }
};

TEST_F(ProvenPhoneBindTest, BindLinksTheUserWithThatNumberWithoutAnyCode) {
  const Application app = mini_app("c-pb", UnboundPolicy::kBind);
  User u = add_user("u-pb", UserStatus::kActive, kPhone);
  FlowState flow = new_flow(app, FlowKind::kSocialBind, "mini-openid");
  Result<LoginOutcome> r = bind(app, flow, kPhone);
  ASSERT_TRUE(r) << error_info(r.error().code).code;
  ASSERT_EQ(status_of(r.value()), "SUCCESS");
  EXPECT_EQ(std::get<LoginSuccess>(r.value()).user_id, u.id);
  EXPECT_TRUE(consumed(flow));
  EXPECT_EQ(store_->find_identity("wechat", "wxapp", "mini-openid")->user_id, u.id);
  // Spent: the same state token cannot bind again.
  EXPECT_EQ(code_of(bind(app, flow, kPhone)), ErrorCode::kStateTokenInvalid);
}

TEST_F(ProvenPhoneBindTest, BindWithoutSuchUserIsUser0001AndKeepsTheFlow) {
  const Application app = mini_app("c-pb2", UnboundPolicy::kBind);
  FlowState flow = new_flow(app, FlowKind::kSocialBind, "mini-openid");
  EXPECT_EQ(code_of(bind(app, flow, kPhone)), ErrorCode::kUserNotFound);
  EXPECT_FALSE(consumed(flow));
  EXPECT_EQ(user_count(), 0);
}

TEST_F(ProvenPhoneBindTest, RegisterBindCreatesTheUserWithThatNumber) {
  const Application app = mini_app("c-prb", UnboundPolicy::kRegister);
  FlowState flow = new_flow(app, FlowKind::kSocialRegister, "mini-openid");
  Result<LoginOutcome> r = bind(app, flow, kPhone);
  ASSERT_TRUE(r) << error_info(r.error().code).code;
  ASSERT_EQ(status_of(r.value()), "SUCCESS");
  std::optional<User> created = store_->find_user_by_mobile(kPhone);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->id, std::get<LoginSuccess>(r.value()).user_id);
  EXPECT_EQ(store_->find_identity("wechat", "wxapp", "mini-openid")->user_id, created->id);
}

}  // namespace
}  // namespace ciamd
