// POST /api/v2/sdk/login/wechat-miniprogram (docs/api.md, that endpoint): a wx.login code,
// exchanged with sns/jscode2session, ends like the WeChat app login (SUCCESS, USER_REGISTER,
// SOCIAL_BIND, ACCESS_DENIED, USER.0001, USER.0039). The app and the mini program of one Open
// Platform account share the person's unionid, so they are one user. The refusals are in
// miniprogram_login_errors_test.cpp.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/miniprogram.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

const std::vector<std::string> kPhoneEmail{"VERIFY_PHONE", "VERIFY_EMAIL"};

class MiniProgramLogin : public EnvSuite {
 protected:
  // A brand-new WeChat user logged in through the mini program on a fresh auto_create app, and so
  // linked from now on; returns the user id.
  std::string linked_user(SimUser* sim_user = nullptr) {
    const std::string client = env().create_app({.unbound = "auto_create"});
    const SimUser u = env().new_wechat_user();
    if (sim_user != nullptr) *sim_user = u;
    const HttpResult r = env().login_miniprogram(client, env().mint_mini_code(u.user_key));
    EXPECT_TRUE(is_success(r));
    std::string sub;
    api_claims(env(), r, client, &sub);
    return sub;
  }

  // Codes from make_code() refused with `error` in both languages (expect_codes_refused).
  void expect_codes_refused(const std::string& client,
                            const std::function<std::string()>& make_code, std::string_view error) {
    const CodeSender send = [&](const std::string& code, const Headers& h) {
      return env().login_miniprogram(client, code, h);
    };
    it::expect_codes_refused(env(), send, make_code, error);
  }
};

TEST_F(MiniProgramLogin, AutoCreateCreatesLinksAndLogsInANewUser) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const SimUser u = env().new_wechat_user();
  const RowCounts before = env().row_counts();
  const HttpResult r = env().login_miniprogram(client, env().mint_mini_code(u.user_key));
  ASSERT_TRUE(is_success(r));  // expire: the default mini program session lifetime, 432000
  std::string sub;
  api_claims(env(), r, client, &sub);
  const RowCounts after = env().settle_audit(before, 1);
  EXPECT_TRUE(counts_changed_by(
      before, after, {{"users", 1}, {"identities", 1}, {"sessions", 1}, {"audit_events", 1}},
      false));

  const HttpResult again = env().login_miniprogram(client, env().mint_mini_code(u.user_key));
  ASSERT_TRUE(is_success(again));
  std::string sub2;
  api_claims(env(), again, client, &sub2);
  EXPECT_EQ(sub2, sub);
  EXPECT_TRUE(counts_changed_by(after, env().settle_audit(after, 1),
                                {{"users", 0}, {"identities", 0}, {"sessions", 1}}, false));
}

TEST_F(MiniProgramLogin, LinkedUserGetsSuccessOnAnAppOfAnyUnboundPolicy) {
  for (const char* policy : {"register", "bind", "reject"}) {
    SCOPED_TRACE(policy);
    const std::string client = env().create_app({.unbound = std::string(policy)});
    SimUser u;
    const std::string linked = linked_user(&u);
    const HttpResult r = env().login_miniprogram(client, env().mint_mini_code(u.user_key));
    ASSERT_TRUE(is_success(r));
    std::string got;
    api_claims(env(), r, client, &got);
    EXPECT_EQ(got, linked);
  }
}

TEST_F(MiniProgramLogin, SessionLifetimeIsTheAppsMiniProgramSessionTtl) {
  const std::string client = env().create_app(
      {.unbound = "auto_create", .wechat_session_ttl = 7200, .miniprogram_session_ttl = 3600});
  const SimUser u = env().new_wechat_user();
  EXPECT_TRUE(is_success(env().login_miniprogram(client, env().mint_mini_code(u.user_key)), 3600));
  // The WeChat app login of the same app keeps its own lifetime.
  EXPECT_TRUE(is_success(env().login_wechat(client, env().mint_code(u.user_key)), 7200));
}

TEST_F(MiniProgramLogin, RegisterPolicyStartsAUserRegisterFlow) {
  const std::string client = env().create_app();  // unbound register
  const RowCounts before = env().row_counts();
  const HttpResult r =
      env().login_miniprogram(client, env().mint_mini_code(env().new_wechat_user().user_key));
  EXPECT_TRUE(is_flow(r, "USER_REGISTER", kPhoneEmail));
  EXPECT_TRUE(counts_changed_by(
      before, env().settle_audit(before, 1),
      {{"users", 0}, {"identities", 0}, {"sessions", 0}, {"flow_states", 1}, {"audit_events", 1}},
      false));
}

TEST_F(MiniProgramLogin, BindPolicyStartsASocialBindFlow) {
  const std::string client = env().create_app({.unbound = "bind", .bind_methods = "VERIFY_PHONE"});
  const RowCounts before = env().row_counts();
  const HttpResult r =
      env().login_miniprogram(client, env().mint_mini_code(env().new_wechat_user().user_key));
  EXPECT_TRUE(is_flow(r, "SOCIAL_BIND", {"VERIFY_PHONE"}));
  EXPECT_TRUE(counts_changed_by(
      before, env().settle_audit(before, 1),
      {{"users", 0}, {"identities", 0}, {"sessions", 0}, {"flow_states", 1}, {"audit_events", 1}},
      false));
}

TEST_F(MiniProgramLogin, RejectPolicyIsUserNotFound) {
  const std::string client = env().create_app({.unbound = "reject"});
  expect_codes_refused(
      client, [&] { return env().mint_mini_code(env().new_wechat_user().user_key); },
      "IDAAS.SDK.USER.0001");
}

TEST_F(MiniProgramLogin, AssignedAccessDeniesUnassignedUsersUntilAssigned) {
  SimUser u;
  const std::string user = linked_user(&u);
  const std::string client = env().create_app({.unbound = "auto_create", .access = "assigned"});
  const RowCounts before = env().row_counts();
  EXPECT_TRUE(is_access_denied(env().login_miniprogram(client, env().mint_mini_code(u.user_key))));
  EXPECT_TRUE(
      counts_changed_by(before, env().settle_audit(before, 1), {{"audit_events", 1}}, true));

  // A person nobody knows yet is not assigned either: denied, and not created.
  const RowCounts fresh = env().row_counts();
  EXPECT_TRUE(is_access_denied(
      env().login_miniprogram(client, env().mint_mini_code(env().new_wechat_user().user_key))));
  EXPECT_TRUE(counts_changed_by(fresh, env().settle_audit(fresh, 1), {{"audit_events", 1}}, true));

  const RunResult assign = env().cli({"app", "assign", client, "--user", user});
  ASSERT_EQ(assign.exit_code, 0) << assign.err;
  const HttpResult ok = env().login_miniprogram(client, env().mint_mini_code(u.user_key));
  ASSERT_TRUE(is_success(ok));
  std::string got;
  api_claims(env(), ok, client, &got);
  EXPECT_EQ(got, user);
}

TEST_F(MiniProgramLogin, DisabledUserIsRefused) {
  SimUser u;
  const std::string user = linked_user(&u);
  const std::string client = env().create_app({.unbound = "auto_create"});
  const RunResult disable = env().cli({"user", "disable", user});
  ASSERT_EQ(disable.exit_code, 0) << disable.err;
  expect_codes_refused(
      client, [&] { return env().mint_mini_code(u.user_key); }, "IDAAS.SDK.USER.0039");
}

// One person, one Open Platform account: the mini program's and the app's openids differ, the
// unionid is the same, so whichever logs in second finds the first one's user and links a second
// identity to them.
TEST_F(MiniProgramLogin, AppFirstThenMiniProgramIsOneUser) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const SimUser u = env().new_wechat_user();
  ASSERT_TRUE(u.unionid.has_value());
  const HttpResult app = env().login_wechat(client, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(app));
  std::string first;
  api_claims(env(), app, client, &first);

  const SimCode mini = env().sim().mint_mini_code(env().miniprogram().appid, u.user_key);
  EXPECT_EQ(mini.unionid, u.unionid)
      << "the simulator must release the unionid to the mini program";
  const RowCounts before = env().row_counts();
  const HttpResult r = env().login_miniprogram(client, mini.code);
  ASSERT_TRUE(is_success(r));
  std::string second;
  api_claims(env(), r, client, &second);
  EXPECT_EQ(second, first);
  EXPECT_TRUE(counts_changed_by(before, env().settle_audit(before, 1),
                                {{"users", 0}, {"identities", 1}, {"sessions", 1}}, false));
}

TEST_F(MiniProgramLogin, MiniProgramFirstThenAppIsOneUser) {
  // The app is `reject`: only a user found through the unionid can log in there.
  const std::string mini_client = env().create_app({.unbound = "auto_create"});
  const std::string app_client = env().create_app({.unbound = "reject"});
  const SimUser u = env().new_wechat_user();
  const HttpResult mini = env().login_miniprogram(mini_client, env().mint_mini_code(u.user_key));
  ASSERT_TRUE(is_success(mini));
  std::string first;
  api_claims(env(), mini, mini_client, &first);

  const RowCounts before = env().row_counts();
  const HttpResult r = env().login_wechat(app_client, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(r));
  std::string second;
  api_claims(env(), r, app_client, &second);
  EXPECT_EQ(second, first);
  EXPECT_TRUE(counts_changed_by(before, env().settle_audit(before, 1),
                                {{"users", 0}, {"identities", 1}, {"sessions", 1}}, false));
}

TEST_F(MiniProgramLogin, WithoutAUnionidTheAppAndTheMiniProgramCannotBeMatched) {
  // A person whose account releases no unionid is only known by per-appid openids.
  const std::string client = env().create_app({.unbound = "auto_create"});
  const SimUser u = env().sim().create_user({{"unionid", nullptr}});
  const HttpResult app = env().login_wechat(client, env().mint_code(u.user_key));
  const HttpResult mini = env().login_miniprogram(client, env().mint_mini_code(u.user_key));
  ASSERT_TRUE(is_success(app));
  ASSERT_TRUE(is_success(mini));
  EXPECT_NE(subject_of(app), subject_of(mini));
}

TEST_F(MiniProgramLogin, MiniProgramCredentialsSetByAppUpdateTakeEffect) {
  // What `app create --json` reports for the harness's default app: the Env's mini program.
  const boost::json::object made = env().create_app_json({.unbound = "auto_create"});
  EXPECT_EQ(string_at(made, "miniprogram_appid"), env().miniprogram().appid) << dump(made);
  const auto* secret_set = made.if_contains("miniprogram_secret_set");
  EXPECT_TRUE(secret_set != nullptr && secret_set->is_bool() && secret_set->as_bool())
      << dump(made);

  const std::string client = env().create_app({.unbound = "auto_create", .miniprogram = false});
  const SimUser u = env().new_wechat_user();
  EXPECT_TRUE(is_error(env().login_miniprogram(client, env().mint_mini_code(u.user_key)),
                       "IDAAS.SDK.LOGIN.1003", Lang::kEn));
  const RunResult update =
      env().cli({"app", "update", client, "--miniprogram-appid", env().miniprogram().appid,
                 "--miniprogram-secret", env().miniprogram().secret, "--miniprogram-session-ttl",
                 "1800", "--json"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_EQ(update.out.find(env().miniprogram().secret), std::string::npos) << update.out;
  const boost::json::value shown = parse_json(update.out, "app update --json");
  ASSERT_TRUE(shown.is_object()) << update.out;
  EXPECT_EQ(string_at(shown.as_object(), "miniprogram_appid"), env().miniprogram().appid);
  const auto* ttl = shown.as_object().if_contains("miniprogram_session_ttl");
  EXPECT_TRUE(ttl != nullptr && ttl->is_int64() && ttl->as_int64() == 1800) << update.out;

  // The server picks the change up within its application cache lifetime.
  HttpResult r;
  EXPECT_TRUE(eventually(
      [&] {
        r = env().login_miniprogram(client, env().mint_mini_code(u.user_key));
        return r.status == 200;
      },
      std::chrono::milliseconds(20 * kAppCacheTtlMs)));
  EXPECT_TRUE(is_success(r, 1800));
}

}  // namespace
}  // namespace it
