// POST /api/v2/sdk/login/weibo (docs/api.md, that endpoint): a bare Weibo access token
// is confirmed with oauth2/get_token_info (app key, uid, time left) before it logs anybody in.
// Then the second factor (docs/api.md "The second factor: MFA_AUTH"): an `always` or `new_device`
// policy answers MFA_AUTH, and only POST mfa/sms with the delivered code creates the session.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"
#include "integration/support/weibo.hpp"

namespace it {
namespace {

constexpr std::int64_t kWeiboExpire = 604800;
const std::vector<std::string> kPhoneEmail{"VERIFY_PHONE", "VERIFY_EMAIL"};

class WeiboMfa : public EnvSuite {
 protected:
  // A short resend interval: the MFA tests send a register code and an MFA code to one phone.
  static void SetUpTestSuite() { SetUpTestSuiteWith({.verification = {.resend_interval = 1}}); }

  Headers with_fingerprint(const std::string& fp) const {
    return fp.empty() ? Headers{} : Headers{{"X-device-fingerprint", fp}};
  }

  // Weibo user `u` registers through `client` (unbound register) with a fresh phone; returns the
  // phone (11 digits) and stores the new user's id in *sub.
  std::string register_with_phone(const std::string& client, const WeiboUser& u,
                                  std::string* sub = nullptr) {
    const HttpResult r = env().login_weibo(client, weibo_token(env(), u.uid), u.uid);
    EXPECT_TRUE(is_flow(r, "USER_REGISTER", kPhoneEmail));
    const std::string token = state_token_of(r);
    const std::string m = unique_mobile();
    const std::string code = send_code(env(), client, token, "mobile", m, "REGISTER_SMS");
    const HttpResult done =
        post_flow(env(), kRegisterBindPath, client, token, {{"mobile", m}, {"verify_code", code}});
    EXPECT_TRUE(is_success(done, kWeiboExpire));  // created by this request: no second factor
    api_claims(env(), done, client, sub);
    wait_out_resend_interval(env());
    return m;
  }

  // Completes the MFA_AUTH flow of `token` by SMS to phone `m`; returns the answer of mfa/sms.
  HttpResult complete_sms(const std::string& client, const std::string& token, const std::string& m,
                          const std::string& fp = {}) {
    const std::size_t seen = outbox_messages(env()).size();
    const HttpResult s = post_flow(env(), kSmsSendPath, client, token, {{"type", "MFA_AUTH_SMS"}},
                                   with_fingerprint(fp));
    EXPECT_TRUE(is_empty_ok(s));
    const OutboxMessage msg = wait_outbox_message(env(), seen);
    EXPECT_EQ(msg.purpose, "MFA_AUTH_SMS") << dump(msg.raw);
    EXPECT_NE(msg.to.find(m.substr(3)), std::string::npos) << dump(msg.raw);
    return post_flow(env(), kMfaSmsPath, client, token, {{"verify_code", msg.code}},
                     with_fingerprint(fp));
  }

  std::int64_t sessions() { return env().row_counts()["sessions"]; }
};

TEST_F(WeiboMfa, AutoCreateLogsInANewUserWithAValidIdToken) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const WeiboUser u = new_weibo_user(env());
  const RowCounts before = env().row_counts();
  const HttpResult r = env().login_weibo(client, weibo_token(env(), u.uid), u.uid);
  ASSERT_TRUE(is_success(r, kWeiboExpire));
  std::string sub;
  api_claims(env(), r, client, &sub);
  EXPECT_FALSE(sub.empty());
  EXPECT_TRUE(counts_changed_by(before, env().settle_audit(before, 1),
                                {{"users", 1}, {"identities", 1}, {"sessions", 1}}, false));

  const HttpResult again = env().login_weibo(client, weibo_token(env(), u.uid), u.uid);
  ASSERT_TRUE(is_success(again, kWeiboExpire));
  std::string sub2;
  api_claims(env(), again, client, &sub2);
  EXPECT_EQ(sub2, sub);
}

TEST_F(WeiboMfa, RegisterPolicyAnswersUserRegister) {
  const std::string client = env().create_app({.unbound = "register"});
  const WeiboUser u = new_weibo_user(env());
  const HttpResult r = env().login_weibo(client, weibo_token(env(), u.uid), u.uid);
  EXPECT_TRUE(is_flow(r, "USER_REGISTER", kPhoneEmail));
}

TEST_F(WeiboMfa, MissingTokenOrUidIsRefused) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const WeiboUser u = new_weibo_user(env());
  const Headers h = env().login_headers(client);
  EXPECT_TRUE(is_error(env().post_sdk(kWeiboLoginPath, h, R"({"uid":")" + u.uid + "\"}"),
                       "IDAAS.SDK.PARAM.0026", Lang::kEn));
  EXPECT_TRUE(is_error(
      env().post_sdk(kWeiboLoginPath, h, R"({"access_token":"  ","uid":")" + u.uid + "\"}"),
      "IDAAS.SDK.PARAM.0026", Lang::kEn));
  const std::string token = weibo_token(env(), u.uid);
  EXPECT_TRUE(is_error(env().post_sdk(kWeiboLoginPath, h, R"({"access_token":")" + token + "\"}"),
                       "IDAAS.SDK.PARAM.0027", Lang::kEn));
  EXPECT_TRUE(is_error(
      env().post_sdk(kWeiboLoginPath, h, R"({"access_token":")" + token + R"(","uid":""})"),
      "IDAAS.SDK.PARAM.0027", Lang::kEn));
}

TEST_F(WeiboMfa, TokenOfAnotherAppKeyIsRefusedAndWritesOnlyTheAuditRow) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const std::string other_key = random_weibo_app_key();
  env().sim().add_weibo_app(other_key, "othersecret");
  const WeiboUser u = new_weibo_user(env());
  const std::string token = weibo_token(env(), u.uid, other_key);
  const RowCounts before = env().row_counts();
  const HttpResult r = env().login_weibo(client, token, u.uid);
  EXPECT_TRUE(is_error(r, "IDAAS.SDK.LOGIN.1005", Lang::kEn));
  EXPECT_TRUE(
      counts_changed_by(before, env().settle_audit(before, 1), {{"audit_events", 1}}, true));
}

TEST_F(WeiboMfa, TokenOfAnotherUidIsRefused) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const WeiboUser a = new_weibo_user(env());
  const WeiboUser b = new_weibo_user(env());
  const RowCounts before = env().row_counts();
  EXPECT_TRUE(is_error(env().login_weibo(client, weibo_token(env(), a.uid), b.uid),
                       "IDAAS.SDK.LOGIN.1005", Lang::kEn));
  EXPECT_TRUE(
      counts_changed_by(before, env().settle_audit(before, 1), {{"audit_events", 1}}, true));
}

TEST_F(WeiboMfa, RevokedTokenIsRefused) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const WeiboUser u = new_weibo_user(env());
  const std::string token = weibo_token(env(), u.uid);
  env().sim().revoke_weibo_token(token);
  EXPECT_TRUE(is_error(env().login_weibo(client, token, u.uid), "IDAAS.SDK.LOGIN.1004", Lang::kEn));
}

TEST_F(WeiboMfa, AppWhoseWeiboAnswersStringFieldsWorks) {
  const std::string key = random_weibo_app_key();
  env().sim().add_weibo_app(key, "strsecret", true);
  const RunResult c = env().cli({"app", "create", "--name", unique_name("wb-str"), "--unbound",
                                 "auto_create", "--weibo-app-key", key, "--json"});
  ASSERT_EQ(c.exit_code, 0) << c.err << c.out;
  const boost::json::value v = parse_json(c.out, "app create");
  const std::string client(v.at("client_id").as_string());
  const WeiboUser u = new_weibo_user(env());
  const HttpResult r = env().login_weibo(client, weibo_token(env(), u.uid, key), u.uid);
  ASSERT_TRUE(is_success(r, kWeiboExpire));
  api_claims(env(), r, client);
}

TEST_F(WeiboMfa, AlwaysAsksForSmsAndOnlyTheCodeCreatesTheSession) {
  const std::string client = env().create_app({.unbound = "register", .mfa = "always"});
  const WeiboUser u = new_weibo_user(env());
  std::string sub;
  const std::string m = register_with_phone(client, u, &sub);

  const std::int64_t s0 = sessions();
  const HttpResult r = env().login_weibo(client, weibo_token(env(), u.uid), u.uid);
  ASSERT_TRUE(is_mfa(r, "[\"SMS\"]"));
  const std::string token = state_token_of(r);

  Headers h = flow_headers(env(), client, token);
  const HttpResult mob = request(env().port(), "GET", kMobileByTokenPath, h, "");
  env().note_audited_requests(1);
  ASSERT_EQ(mob.status, 200) << mob.describe();
  const boost::json::value mv = parse_json(mob.body, "mobile-by-token");
  EXPECT_EQ(dump(mv),
            dump(boost::json::object{{"mobile", "+86-" + m.substr(0, 3) + "****" + m.substr(7)}}));
  EXPECT_EQ(sessions(), s0);

  const HttpResult done = complete_sms(client, token, m);
  ASSERT_TRUE(is_success(done, kWeiboExpire));
  std::string got;
  api_claims(env(), done, client, &got);
  EXPECT_EQ(got, sub);
  EXPECT_EQ(sessions(), s0 + 1);
}

TEST_F(WeiboMfa, NewDeviceAsksOncePerFingerprint) {
  const std::string client = env().create_app({.unbound = "register", .mfa = "new_device"});
  const WeiboUser u = new_weibo_user(env());
  const std::string m = register_with_phone(client, u);
  // The registering device was remembered by its SUCCESS.
  EXPECT_TRUE(
      is_success(env().login_weibo(client, weibo_token(env(), u.uid), u.uid), kWeiboExpire));

  const std::string fp = "fp-new-" + unique_name("d");
  const HttpResult r =
      env().login_weibo(client, weibo_token(env(), u.uid), u.uid, with_fingerprint(fp));
  ASSERT_TRUE(is_mfa(r, "[\"SMS\"]"));
  const std::int64_t s0 = sessions();
  ASSERT_TRUE(is_success(complete_sms(client, state_token_of(r), m, fp), kWeiboExpire));
  EXPECT_EQ(sessions(), s0 + 1);

  EXPECT_TRUE(
      is_success(env().login_weibo(client, weibo_token(env(), u.uid), u.uid, with_fingerprint(fp)),
                 kWeiboExpire));
  const std::string fp2 = "fp-other-" + unique_name("d");
  EXPECT_TRUE(
      is_mfa(env().login_weibo(client, weibo_token(env(), u.uid), u.uid, with_fingerprint(fp2)),
             "[\"SMS\"]"));
}

TEST_F(WeiboMfa, AccessDeniedUnderAssignedNeverCreatesASession) {
  const std::string open = env().create_app({.unbound = "auto_create"});
  const WeiboUser u = new_weibo_user(env());
  ASSERT_TRUE(is_success(env().login_weibo(open, weibo_token(env(), u.uid), u.uid), kWeiboExpire));
  for (const char* mfa : {"off", "always"}) {
    SCOPED_TRACE(mfa);
    const std::string client =
        env().create_app({.unbound = "auto_create", .access = "assigned", .mfa = std::string(mfa)});
    const RowCounts before = env().row_counts();
    EXPECT_TRUE(is_access_denied(env().login_weibo(client, weibo_token(env(), u.uid), u.uid)));
    EXPECT_TRUE(counts_changed_by(before, env().settle_audit(before, 1), {{"sessions", 0}}, false));
  }
}

}  // namespace
}  // namespace it
