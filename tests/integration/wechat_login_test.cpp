// POST /api/v2/sdk/login/wechat, every successful outcome (docs/api.md, that endpoint): SUCCESS
// with a verified id_token, the four unbound policies, the access policy and disabled users.
#include <gtest/gtest.h>

#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

const std::vector<std::string> kPhoneEmail{"VERIFY_PHONE", "VERIFY_EMAIL"};

class WechatLogin : public EnvSuite {
 protected:
  // Logs a brand-new WeChat user in through a fresh auto_create app and returns its user id, so
  // the user is linked for every app sharing the Env's WeChat appid.
  std::string linked_user(SimUser* sim_user = nullptr) {
    const std::string client = env().create_app({.unbound = "auto_create"});
    const SimUser u = env().new_wechat_user();
    if (sim_user != nullptr) *sim_user = u;
    const HttpResult r = env().login_wechat(client, env().mint_code(u.user_key));
    EXPECT_TRUE(is_success(r));
    std::string sub;
    EXPECT_TRUE(is_valid_id_token(id_token_of(r), env().fetch_jwks(), client, 300, &sub));
    return sub;
  }
};

TEST_F(WechatLogin, AutoCreateCreatesLinksAndLogsInANewUser) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const SimUser u = env().new_wechat_user();
  const RowCounts before = env().row_counts();

  const HttpResult r = env().login_wechat(client, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(r));
  std::string sub;
  EXPECT_TRUE(is_valid_id_token(id_token_of(r), env().fetch_jwks(), client, 300, &sub));
  const RowCounts after = env().settle_audit(before, 1);
  EXPECT_TRUE(counts_changed_by(
      before, after, {{"users", 1}, {"identities", 1}, {"sessions", 1}, {"audit_events", 1}},
      false));

  // The same WeChat user, a fresh code: the identity is linked now, so the same user logs in.
  const HttpResult again = env().login_wechat(client, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(again));
  std::string sub2;
  EXPECT_TRUE(is_valid_id_token(id_token_of(again), env().fetch_jwks(), client, 300, &sub2));
  EXPECT_EQ(sub2, sub);
  const RowCounts last = env().settle_audit(after, 1);
  EXPECT_TRUE(counts_changed_by(
      after, last, {{"users", 0}, {"identities", 0}, {"sessions", 1}, {"audit_events", 1}}, false));
  EXPECT_NE(parse_json(r.body).at("session_token"), parse_json(again.body).at("session_token"));
}

TEST_F(WechatLogin, LinkedUserGetsSuccessOnAnAppOfAnyUnboundPolicy) {
  for (const char* policy : {"register", "bind", "reject"}) {
    SCOPED_TRACE(policy);
    const std::string client = env().create_app({.unbound = std::string(policy)});
    SimUser u;
    const std::string linked = linked_user(&u);
    const HttpResult r = env().login_wechat(client, env().mint_code(u.user_key));
    ASSERT_TRUE(is_success(r));
    std::string got;
    EXPECT_TRUE(is_valid_id_token(id_token_of(r), env().fetch_jwks(), client, 300, &got));
    EXPECT_EQ(got, linked);
  }
}

TEST_F(WechatLogin, ConfiguredTtlsShapeSessionAndIdToken) {
  const std::string client =
      env().create_app({.unbound = "auto_create", .id_token_ttl = 600, .wechat_session_ttl = 3600});
  const HttpResult r = env().login_wechat(client, env().fresh_code());
  ASSERT_TRUE(is_success(r, 3600));
  EXPECT_TRUE(is_valid_id_token(id_token_of(r), env().fetch_jwks(), client, 600));
}

TEST_F(WechatLogin, RegisterIsTheDefaultPolicyAndStartsAFlow) {
  const std::string client = env().create_app();  // no --unbound: register
  const RowCounts before = env().row_counts();
  const HttpResult r = env().login_wechat(client, env().fresh_code());
  EXPECT_TRUE(is_flow(r, "USER_REGISTER", kPhoneEmail));
  const RowCounts after = env().settle_audit(before, 1);
  EXPECT_TRUE(counts_changed_by(
      before, after, {{"users", 0}, {"sessions", 0}, {"flow_states", 1}, {"audit_events", 1}},
      false));
}

TEST_F(WechatLogin, FlowListFollowsTheConfiguredBindMethods) {
  const std::string reordered =
      env().create_app({.unbound = "register", .bind_methods = "VERIFY_EMAIL,VERIFY_PHONE"});
  EXPECT_TRUE(is_flow(env().login_wechat(reordered, env().fresh_code()), "USER_REGISTER",
                      {"VERIFY_EMAIL", "VERIFY_PHONE"}));
  const std::string single =
      env().create_app({.unbound = "register", .bind_methods = "VERIFY_EMAIL"});
  EXPECT_TRUE(
      is_flow(env().login_wechat(single, env().fresh_code()), "USER_REGISTER", {"VERIFY_EMAIL"}));
  const std::string bind_phone =
      env().create_app({.unbound = "bind", .bind_methods = "VERIFY_PHONE"});
  EXPECT_TRUE(
      is_flow(env().login_wechat(bind_phone, env().fresh_code()), "SOCIAL_BIND", {"VERIFY_PHONE"}));
}

TEST_F(WechatLogin, BindPolicyAnswersSocialBindWithoutTheSeedsStraySpace) {
  const std::string client = env().create_app({.unbound = "bind"});
  const RowCounts before = env().row_counts();
  const HttpResult r = env().login_wechat(client, env().fresh_code());
  EXPECT_TRUE(is_flow(r, "SOCIAL_BIND", kPhoneEmail));
  const RowCounts after = env().settle_audit(before, 1);
  EXPECT_TRUE(counts_changed_by(before, after, {{"users", 0}, {"sessions", 0}, {"audit_events", 1}},
                                false));
}

TEST_F(WechatLogin, RejectPolicyAnswersUserNotFoundAndWritesNothingButAudit) {
  const std::string client = env().create_app({.unbound = "reject"});
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    SCOPED_TRACE(to_string(lang));
    const RowCounts before = env().row_counts();
    const HttpResult r = env().login_wechat(client, env().fresh_code(), lang_headers(lang));
    EXPECT_TRUE(is_error(r, "IDAAS.SDK.USER.0001", lang));
    EXPECT_TRUE(
        counts_changed_by(before, env().settle_audit(before, 1), {{"audit_events", 1}}, true));
  }
}

TEST_F(WechatLogin, AssignedAccessDeniesUnassignedUsersUntilAssigned) {
  const std::string sub = linked_user();
  SimUser u;
  const std::string user = linked_user(&u);
  const std::string client = env().create_app({.unbound = "auto_create", .access = "assigned"});

  const RowCounts before = env().row_counts();
  const HttpResult denied = env().login_wechat(client, env().mint_code(u.user_key));
  EXPECT_TRUE(is_access_denied(denied));
  const RowCounts after = env().settle_audit(before, 1);
  EXPECT_TRUE(counts_changed_by(before, after, {{"audit_events", 1}}, true))
      << "ACCESS_DENIED must create no session (and nothing else)";

  const RunResult assign = env().cli({"app", "assign", client, "--user", user});
  ASSERT_EQ(assign.exit_code, 0) << assign.err;
  const HttpResult ok = env().login_wechat(client, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(ok));
  std::string got;
  EXPECT_TRUE(is_valid_id_token(id_token_of(ok), env().fetch_jwks(), client, 300, &got));
  EXPECT_EQ(got, user);
  EXPECT_NE(got, sub);
}

TEST_F(WechatLogin, AssignedAccessAppliesToAutoCreatedUsersToo) {
  // A user that auto_create would make is not assigned to the app yet: no SUCCESS for them.
  const std::string client = env().create_app({.unbound = "auto_create", .access = "assigned"});
  EXPECT_TRUE(is_access_denied(env().login_wechat(client, env().fresh_code())));
}

TEST_F(WechatLogin, DisabledUserIsRefusedUntilEnabledAgain) {
  SimUser u;
  const std::string user = linked_user(&u);
  const std::string client = env().create_app({.unbound = "auto_create"});
  const RunResult disable = env().cli({"user", "disable", user});
  ASSERT_EQ(disable.exit_code, 0) << disable.err;

  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    SCOPED_TRACE(to_string(lang));
    const RowCounts before = env().row_counts();
    const HttpResult r =
        env().login_wechat(client, env().mint_code(u.user_key), lang_headers(lang));
    EXPECT_TRUE(is_error(r, "IDAAS.SDK.USER.0039", lang));
    EXPECT_TRUE(
        counts_changed_by(before, env().settle_audit(before, 1), {{"audit_events", 1}}, true));
  }

  const RunResult enable = env().cli({"user", "enable", user});
  ASSERT_EQ(enable.exit_code, 0) << enable.err;
  const HttpResult ok = env().login_wechat(client, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(ok));
  std::string got;
  EXPECT_TRUE(is_valid_id_token(id_token_of(ok), env().fetch_jwks(), client, 300, &got));
  EXPECT_EQ(got, user);
}

TEST_F(WechatLogin, AcceptsJsonContentTypeWithParametersAndOptionalHeaders) {
  const std::string client = env().create_app();
  const HttpResult r = env().login_wechat(client, env().fresh_code(),
                                          {{"Content-Type", "application/json; charset=utf-8"},
                                           {"X-device-ip", "192.168.1.2"},
                                           {"X-L", "zh"}});
  EXPECT_TRUE(is_flow(r, "USER_REGISTER", kPhoneEmail));
  const auto ct = r.header("content-type");
  ASSERT_TRUE(ct.has_value());
  EXPECT_NE(ct->find("application/json"), std::string::npos) << *ct;
}

}  // namespace
}  // namespace it
