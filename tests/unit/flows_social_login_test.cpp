// flows/login/social_login: what a proven social identity means for an application, checked end to
// end against a real SQLite store, real keys and a real blocking pool.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "flows/flow_step.hpp"
#include "flows/login/social_login.hpp"
#include "flows_test_support.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

class SocialLoginTest : public testing::FlowsTest {
 protected:
  Result<LoginOutcome> login(const Application& app, const ExternalIdentity& who) {
    const SocialLogin flow = social_login();
    return await(flow.complete(app, who, device_));
  }

  static ExternalIdentity wechat(std::string appid, std::string openid, std::string unionid = "") {
    return ExternalIdentity{"wechat",           std::move(appid), std::move(openid),
                            std::move(unionid), "Nick",           R"({"nickname":"Nick"})"};
  }

  static Identity linked(const ExternalIdentity& who, std::string user_id) {
    return Identity{who.provider,       who.provider_app_id, who.subject,    who.unionid,
                    std::move(user_id), who.profile_json,    testing::kStart};
  }

  // A SUCCESS whose session row and id_token say what docs/api.md "Tokens" says.
  void expect_success(const Result<LoginOutcome>& r, const Application& app,
                      const std::string& user_id, std::int64_t session_ttl) {
    ASSERT_TRUE(r) << error_info(r.error().code).code;
    ASSERT_EQ(status_of(r.value()), "SUCCESS");
    const auto& ok = std::get<LoginSuccess>(r.value());
    EXPECT_EQ(ok.user_id, user_id);
    EXPECT_EQ(ok.expire, session_ttl);
    ASSERT_EQ(ok.session_token.size(), 32u);
    for (char c : ok.session_token) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));

    std::optional<Session> s = store_->find_session_by_hash(crypto::sha256_hex(ok.session_token));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->user_id, user_id);
    EXPECT_EQ(s->client_id, app.client_id);
    EXPECT_EQ(s->device_fingerprint, device_.fingerprint);
    EXPECT_EQ(s->created_at, now_.load());
    EXPECT_EQ(s->expires_at, now_.load() + session_ttl);
    EXPECT_FALSE(s->revoked);
    EXPECT_FALSE(store_->find_session_by_hash(ok.session_token)) << "the clear token is stored";

    boost::json::object claims = verified_claims(ok.id_token);
    EXPECT_EQ(claims.at("sub").as_string(), user_id);
    EXPECT_EQ(claims.at("aud").as_string(), app.client_id);
    EXPECT_EQ(claims.at("iss").as_string(), "https://ciamd.test");
    const std::int64_t iat = claims.at("iat").as_int64();
    EXPECT_EQ(iat, now_.load());
    EXPECT_EQ(claims.at("exp").as_int64() - iat, app.id_token_ttl);
    EXPECT_EQ(claims.at("nbf").as_int64(), iat - 120);
    EXPECT_FALSE(claims.at("jti").as_string().empty());
    auto api = boost::json::parse(claims.at("api").as_string()).as_object();
    EXPECT_EQ(api.at("id").as_string(), user_id);
  }

  static ApiError error_of(const Result<LoginOutcome>& r) {
    if (r) return ApiError{ErrorCode::kNotFound, "expected an error, got a login outcome"};
    return r.error();
  }
};

TEST_F(SocialLoginTest, LinkedUserGetsSuccessWithSessionAndVerifiableIdToken) {
  Application app = app_with("client-linked", UnboundPolicy::kReject);
  app.id_token_ttl = 600;
  app.wechat_session_ttl = 7200;
  add_app(app);
  User u = add_user("u-linked", UserStatus::kActive, "+8615907132852");
  const ExternalIdentity who = wechat("wxapp", "openid-1");
  link(linked(who, u.id));
  now_ += 50;  // the login happens later than the link

  Result<LoginOutcome> r = login(app, who);
  expect_success(r, app, u.id, 7200);
  auto api = boost::json::parse(
                 verified_claims(std::get<LoginSuccess>(r.value()).id_token).at("api").as_string())
                 .as_object();
  EXPECT_EQ(api.at("mobile").as_string(), "+86-15907132852");
  EXPECT_EQ(api.at("userName").as_string(), "user_u-linked");
}

TEST_F(SocialLoginTest, WeiboIdentityGetsTheWeiboSessionLifetime) {
  Application app = add_app(app_with("client-weibo", UnboundPolicy::kReject));
  User u = add_user("u-weibo");
  ExternalIdentity who{"weibo", "weibo-key", "uid-77", "", "W", "{}"};
  link(linked(who, u.id));
  expect_success(login(app, who), app, u.id, kDefaultWeiboSessionTtl);
}

TEST_F(SocialLoginTest, DisabledLinkedUserGetsUser0039) {
  Application app = add_app(app_with("client-disabled", UnboundPolicy::kAutoCreate));
  User u = add_user("u-disabled", UserStatus::kDisabled);
  const ExternalIdentity who = wechat("wxapp", "openid-d");
  link(linked(who, u.id));
  EXPECT_EQ(error_of(login(app, who)).code, ErrorCode::kUserDisabled);
}

TEST_F(SocialLoginTest, AssignedAccessDeniesAnUnassignedUserAndAdmitsAnAssignedOne) {
  Application app =
      add_app(app_with("client-assigned", UnboundPolicy::kRegister, AccessPolicy::kAssigned));
  User u = add_user("u-assigned");
  const ExternalIdentity who = wechat("wxapp", "openid-a");
  link(linked(who, u.id));

  Result<LoginOutcome> denied = login(app, who);
  ASSERT_TRUE(denied);
  EXPECT_EQ(status_of(denied.value()), "ACCESS_DENIED");
  EXPECT_EQ(user_of(denied.value()), u.id);

  ASSERT_TRUE(store_->assign_user(app.client_id, u.id));
  expect_success(login(app, who), app, u.id, kDefaultWechatSessionTtl);
}

TEST_F(SocialLoginTest, KnownUnionidOfAnotherAppLinksToTheSameUser) {
  Application app = add_app(app_with("client-union", UnboundPolicy::kAutoCreate));
  User u = add_user("u-union");
  link(linked(wechat("wx-mobile-app", "openid-app", "union-1"), u.id));

  const ExternalIdentity mini = wechat("wx-mini-program", "openid-mini", "union-1");
  expect_success(login(app, mini), app, u.id, kDefaultWechatSessionTtl);
  std::optional<Identity> now_linked =
      store_->find_identity("wechat", "wx-mini-program", "openid-mini");
  ASSERT_TRUE(now_linked);
  EXPECT_EQ(now_linked->user_id, u.id);
  EXPECT_EQ(now_linked->unionid, "union-1");
  EXPECT_EQ(store_->find_users("", "", 100).size(), 1u) << "auto_create must not have run";

  // The second time the identity is linked directly.
  expect_success(login(app, mini), app, u.id, kDefaultWechatSessionTtl);
}

TEST_F(SocialLoginTest, UnionidOfADisabledUserIsNotLinked) {
  Application app = add_app(app_with("client-union-d", UnboundPolicy::kAutoCreate));
  User u = add_user("u-union-d", UserStatus::kDisabled);
  link(linked(wechat("wx-mobile-app", "openid-app", "union-d"), u.id));

  EXPECT_EQ(error_of(login(app, wechat("wx-mini", "openid-mini", "union-d"))).code,
            ErrorCode::kUserDisabled);
  EXPECT_FALSE(store_->find_identity("wechat", "wx-mini", "openid-mini"));
}

TEST_F(SocialLoginTest, RegisterPolicyStartsAUserRegisterFlow) {
  Application app = add_app(app_with("client-register", UnboundPolicy::kRegister));
  const ExternalIdentity who = wechat("wxapp", "openid-r", "union-r");

  Result<LoginOutcome> r = login(app, who);
  ASSERT_TRUE(r);
  ASSERT_EQ(status_of(r.value()), "USER_REGISTER");
  const auto& step = std::get<LoginStep>(r.value());
  EXPECT_EQ(step.data, R"({"socialBindOrRegisterFlow":["VERIFY_PHONE","VERIFY_EMAIL"]})");
  EXPECT_TRUE(step.user_id.empty());

  std::optional<StateTokenClaims> claims =
      state_tokens_.verify(step.state_token, app.client_id, now_);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->flow, "social_register");
  EXPECT_FALSE(state_tokens_.verify(step.state_token, "another-client", now_));
  EXPECT_FALSE(state_tokens_.verify(step.state_token, app.client_id, now_ + 1800));

  std::optional<FlowState> flow = store_->find_flow_state(claims->flow_id);
  ASSERT_TRUE(flow);
  EXPECT_EQ(flow->kind, FlowKind::kSocialRegister);
  EXPECT_EQ(flow->client_id, app.client_id);
  EXPECT_EQ(flow->provider, "wechat");
  EXPECT_EQ(flow->device_fingerprint, "fp-1");
  EXPECT_EQ(flow->created_at, now_.load());
  EXPECT_EQ(flow->expires_at, now_.load() + 1800);
  EXPECT_FALSE(flow->consumed);
  EXPECT_EQ(flow->pending_identity.provider_app_id, "wxapp");
  EXPECT_EQ(flow->pending_identity.subject, "openid-r");
  EXPECT_EQ(flow->pending_identity.unionid, "union-r");
  EXPECT_TRUE(flow->pending_identity.user_id.empty());
  EXPECT_EQ(flow->pending_identity.profile_json, who.profile_json);

  EXPECT_FALSE(store_->find_identity("wechat", "wxapp", "openid-r")) << "nothing is linked yet";
  EXPECT_TRUE(store_->find_users("", "", 100).empty());
}

TEST_F(SocialLoginTest, BindPolicyStartsASocialBindFlowWithTheAppsMethodsInOrder) {
  Application app = app_with("client-bind", UnboundPolicy::kBind);
  app.bind_methods = {BindMethod::kVerifyEmail, BindMethod::kVerifyPhone};
  add_app(app);

  Result<LoginOutcome> r = login(app, wechat("wxapp", "openid-b"));
  ASSERT_TRUE(r);
  ASSERT_EQ(status_of(r.value()), "SOCIAL_BIND");
  const auto& step = std::get<LoginStep>(r.value());
  EXPECT_EQ(step.data, R"({"socialBindOrRegisterFlow":["VERIFY_EMAIL","VERIFY_PHONE"]})");
  std::optional<StateTokenClaims> claims =
      state_tokens_.verify(step.state_token, app.client_id, now_);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->flow, "social_bind");
  std::optional<FlowState> flow = store_->find_flow_state(claims->flow_id);
  ASSERT_TRUE(flow);
  EXPECT_EQ(flow->kind, FlowKind::kSocialBind);
  EXPECT_EQ(flow->pending_identity.subject, "openid-b");
}

TEST_F(SocialLoginTest, AutoCreateMakesUserIdentityAndSessionAtOnce) {
  Application app = add_app(app_with("client-auto", UnboundPolicy::kAutoCreate));
  const ExternalIdentity who = wechat("wxapp", "openid-new", "union-new");

  Result<LoginOutcome> r = login(app, who);
  ASSERT_TRUE(r);
  const std::string user_id = std::get<LoginSuccess>(r.value()).user_id;
  expect_success(r, app, user_id, kDefaultWechatSessionTtl);

  std::optional<User> user = store_->find_user(user_id);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->name, "Nick");
  EXPECT_EQ(user->username.rfind("wechat_", 0), 0u) << user->username;
  EXPECT_EQ(user->status, UserStatus::kActive);
  std::optional<Identity> identity = store_->find_identity("wechat", "wxapp", "openid-new");
  ASSERT_TRUE(identity);
  EXPECT_EQ(identity->user_id, user_id);
  EXPECT_EQ(identity->unionid, "union-new");

  // Logging in again finds the link instead of creating a second user.
  expect_success(login(app, who), app, user_id, kDefaultWechatSessionTtl);
  EXPECT_EQ(store_->find_users("", "", 100).size(), 1u);
}

TEST_F(SocialLoginTest, ConcurrentFirstLoginsOfOneIdentityMakeOneUser) {
  Application app = add_app(app_with("client-race", UnboundPolicy::kAutoCreate));
  const ExternalIdentity who = wechat("wxapp", "openid-race", "union-race");
  const SocialLogin flow = social_login();
  auto a = spawn(flow.complete(app, who, device_));
  auto b = spawn(flow.complete(app, who, device_));
  Result<LoginOutcome> ra = std::move(*a.get());
  Result<LoginOutcome> rb = std::move(*b.get());
  ASSERT_TRUE(ra);
  ASSERT_TRUE(rb);
  EXPECT_EQ(user_of(ra.value()), user_of(rb.value()));
  EXPECT_EQ(store_->find_users("", "", 100).size(), 1u);
}

TEST_F(SocialLoginTest, AutoCreateUnderAssignedAccessDeniesAndCreatesNothing) {
  Application app = add_app(
      app_with("client-auto-assigned", UnboundPolicy::kAutoCreate, AccessPolicy::kAssigned));
  Result<LoginOutcome> r = login(app, wechat("wxapp", "openid-x", "union-x"));
  ASSERT_TRUE(r);
  EXPECT_EQ(status_of(r.value()), "ACCESS_DENIED");
  EXPECT_TRUE(user_of(r.value()).empty());
  EXPECT_TRUE(store_->find_users("", "", 100).empty());
  EXPECT_FALSE(store_->find_identity("wechat", "wxapp", "openid-x"));
  EXPECT_FALSE(store_->find_identity_by_unionid("wechat", "union-x"));
}

TEST_F(SocialLoginTest, RejectPolicyGivesUser0001AndCreatesNothing) {
  Application app = add_app(app_with("client-reject", UnboundPolicy::kReject));
  EXPECT_EQ(error_of(login(app, wechat("wxapp", "openid-n"))).code, ErrorCode::kUserNotFound);
  EXPECT_TRUE(store_->find_users("", "", 100).empty());
  EXPECT_FALSE(store_->find_identity("wechat", "wxapp", "openid-n"));
}

}  // namespace
}  // namespace ciamd
