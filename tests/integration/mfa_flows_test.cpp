// The second factor after every way in (docs/api.md "The second factor: MFA_AUTH"): the WeChat app,
// mini program and phone-number logins, and the flow completions social/bind and
// wechat-mobile-bind, answer MFA_AUTH under an `always` policy; users created by the request
// itself (register-bind, wechat-mobile-register-bind) are not asked. Only mfa/sms or mfa/email with
// the code delivered to the user's own phone or email creates the session.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/miniprogram.hpp"
#include "integration/support/suite.hpp"
#include "integration/support/weibo.hpp"

namespace it {
namespace {

// A user registered through the WeChat app, with the phone (11 digits) or email they proved.
struct Member {
  SimUser wechat;
  std::string target;
  std::string sub;
};

class MfaFlows : public EnvSuite {
 protected:
  // A short resend interval: a phone gets a register or bind code, then an MFA code.
  static void SetUpTestSuite() { SetUpTestSuiteWith({.verification = {.resend_interval = 1}}); }

  static const char* type_of(const std::string& field) {
    return field == "mobile" ? "MFA_AUTH_SMS" : "MFA_AUTH_EMS";
  }

  // A new WeChat user registers through `client` (register-bind) with a fresh phone or email.
  Member register_wechat(const std::string& client, const std::string& field = "mobile") {
    const bool sms = field == "mobile";
    Member m{env().new_wechat_user(), sms ? unique_mobile() : unique_email(), {}};
    const std::string token = start_flow(env(), client, env().mint_code(m.wechat.user_key));
    const std::string code =
        send_code(env(), client, token, field, m.target, sms ? "REGISTER_SMS" : "REGISTER_EMS");
    const HttpResult r = post_flow(env(), kRegisterBindPath, client, token,
                                   {{field, m.target}, {"verify_code", code}});
    EXPECT_TRUE(is_success(r));  // created by this request: no second factor
    api_claims(env(), r, client, &m.sub);
    wait_out_resend_interval(env());
    return m;
  }

  // Asks for the MFA code of `field` ("mobile" or "email") and returns it as delivered to
  // `target`.
  std::string send_mfa(const std::string& client, const std::string& token,
                       const std::string& field, const std::string& target) {
    const bool sms = field == "mobile";
    const std::size_t seen = outbox_messages(env()).size();
    EXPECT_TRUE(is_empty_ok(post_flow(env(), sms ? kSmsSendPath : kEmailSendPath, client, token,
                                      {{"type", type_of(field)}})));
    const OutboxMessage msg = wait_outbox_message(env(), seen);
    EXPECT_EQ(msg.purpose, type_of(field)) << dump(msg.raw);
    EXPECT_EQ(msg.channel, sms ? "sms" : "email") << dump(msg.raw);
    EXPECT_NE(msg.to.find(sms ? target.substr(3) : target), std::string::npos) << dump(msg.raw);
    EXPECT_EQ(msg.code.size(), 6U) << dump(msg.raw);
    return msg.code;
  }

  HttpResult verify_mfa(const std::string& client, const std::string& token,
                        const std::string& field, const std::string& code,
                        const Headers& extra = {}) {
    return post_flow(env(), field == "mobile" ? kMfaSmsPath : kMfaEmailPath, client, token,
                     {{"verify_code", code}}, extra);
  }

  // Sends the MFA code and posts it: the answer of mfa/sms or mfa/email.
  HttpResult complete(const std::string& client, const std::string& token, const std::string& field,
                      const std::string& target) {
    return verify_mfa(client, token, field, send_mfa(client, token, field, target));
  }

  std::string phone_code(const PhoneUser& p) { return env().mint_phone_code(p.user_key).code; }
  std::int64_t sessions() { return env().row_counts()["sessions"]; }
};

TEST_F(MfaFlows, WechatAppLoginAsksForSmsAndOnlyTheCodeCreatesTheSession) {
  const std::string client = env().create_app({.mfa = "always"});
  const Member m = register_wechat(client);
  const std::int64_t s0 = sessions();
  const HttpResult r = env().login_wechat(client, env().mint_code(m.wechat.user_key));
  ASSERT_TRUE(is_mfa(r, "[\"SMS\"]"));
  EXPECT_EQ(sessions(), s0);

  const HttpResult done = complete(client, state_token_of(r), "mobile", m.target);
  ASSERT_TRUE(is_success(done));
  std::string sub;
  api_claims(env(), done, client, &sub);
  EXPECT_EQ(sub, m.sub);
  EXPECT_EQ(sessions(), s0 + 1);
}

TEST_F(MfaFlows, MiniProgramLoginOfTheSamePersonAsksForSms) {
  const std::string client = env().create_app({.mfa = "always"});
  const Member m = register_wechat(client);
  ASSERT_TRUE(m.wechat.unionid.has_value());
  const RowCounts before = env().row_counts();
  const HttpResult r = env().login_miniprogram(client, env().mint_mini_code(m.wechat.user_key));
  ASSERT_TRUE(is_mfa(r, "[\"SMS\"]"));
  EXPECT_EQ(sessions(), before.at("sessions"));

  const HttpResult done = complete(client, state_token_of(r), "mobile", m.target);
  ASSERT_TRUE(is_success(done));
  std::string sub;
  api_claims(env(), done, client, &sub);
  EXPECT_EQ(sub, m.sub);
  // One person: the mini program identity joined the user through the unionid.
  EXPECT_TRUE(counts_changed_by(before, env().row_counts(),
                                {{"users", 0}, {"identities", 1}, {"sessions", 1}}, false));
}

TEST_F(MfaFlows, PhoneNumberLoginOfAnExistingOwnerAsksForSms) {
  const PhoneUser p = new_phone_user(env());
  const std::string owner = phone_owner(env(), p);
  ASSERT_FALSE(owner.empty());
  const std::string client = env().create_app({.unbound = "reject", .mfa = "always"});
  const std::int64_t s0 = sessions();
  const HttpResult r = env().login_phone(client, phone_code(p));
  ASSERT_TRUE(is_mfa(r, "[\"SMS\"]"));
  EXPECT_EQ(sessions(), s0);

  const HttpResult done = complete(client, state_token_of(r), "mobile", p.phone);
  ASSERT_TRUE(is_success(done));
  EXPECT_EQ(mobile_of(env(), done, client), dashed_mobile(p.phone));
  EXPECT_EQ(subject_of(done), owner);
  EXPECT_EQ(sessions(), s0 + 1);
}

TEST_F(MfaFlows, SocialBindLinksTheIdentityThenAsksForSms) {
  const PhoneUser p = new_phone_user(env());
  const std::string owner = phone_owner(env(), p);
  const std::string client = env().create_app({.unbound = "bind", .mfa = "always"});
  const SimUser u = env().new_wechat_user();
  const std::string token = start_flow(env(), client, env().mint_code(u.user_key));
  const std::string code = send_code(env(), client, token, "mobile", p.phone, "BIND_MOBILE_SMS");
  const RowCounts before = env().row_counts();
  const HttpResult r =
      post_flow(env(), kBindPath, client, token, {{"mobile", p.phone}, {"verify_code", code}});
  ASSERT_TRUE(is_mfa(r, "[\"SMS\"]"));
  const RowCounts linked = env().row_counts();
  EXPECT_TRUE(
      counts_changed_by(before, linked, {{"users", 0}, {"identities", 1}, {"sessions", 0}}, false));

  wait_out_resend_interval(env());
  const HttpResult done = complete(client, state_token_of(r), "mobile", p.phone);
  ASSERT_TRUE(is_success(done));
  EXPECT_EQ(subject_of(done), owner);
  api_claims(env(), done, client);
  EXPECT_TRUE(counts_changed_by(linked, env().row_counts(),
                                {{"users", 0}, {"identities", 0}, {"sessions", 1}}, false));
  // The link stands: the next login of that WeChat user is the owner's, second factor and all.
  EXPECT_TRUE(is_mfa(env().login_wechat(client, env().mint_code(u.user_key)), "[\"SMS\"]"));
}

TEST_F(MfaFlows, UsersCreatedByTheCompletionAreNotAskedButUsersItFindsAre) {
  const std::string client = env().create_app({.mfa = "always"});
  {
    SCOPED_TRACE("register-bind");
    const RowCounts before = env().row_counts();
    const Member m = register_wechat(client);
    EXPECT_FALSE(m.sub.empty());
    EXPECT_TRUE(
        counts_changed_by(before, env().row_counts(), {{"users", 1}, {"sessions", 1}}, false));
  }
  {
    SCOPED_TRACE("wechat-mobile-register-bind");
    const PhoneUser w = new_phone_user(env());
    const std::string token = start_mini_flow(env(), client, w.user_key);
    ASSERT_FALSE(token.empty());
    const RowCounts before = env().row_counts();
    const HttpResult r =
        env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}}, true);
    ASSERT_TRUE(is_success(r));
    EXPECT_EQ(mobile_of(env(), r, client), dashed_mobile(w.phone));
    EXPECT_TRUE(counts_changed_by(before, env().row_counts(),
                                  {{"users", 1}, {"identities", 1}, {"sessions", 1}}, false));
  }
  {
    SCOPED_TRACE("wechat-mobile-register-bind finding the owner of the number");
    const PhoneUser w = new_phone_user(env());
    const std::string owner = phone_owner(env(), w);
    const std::string token = start_mini_flow(env(), client, w.user_key);
    const HttpResult r =
        env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}}, true);
    ASSERT_TRUE(is_mfa(r, "[\"SMS\"]"));
    const HttpResult done = complete(client, state_token_of(r), "mobile", w.phone);
    ASSERT_TRUE(is_success(done));
    EXPECT_EQ(subject_of(done), owner);
  }
}

TEST_F(MfaFlows, WechatMobileBindToAnExistingOwnerAsksForSms) {
  const PhoneUser w = new_phone_user(env());
  const std::string owner = phone_owner(env(), w);
  const std::string client = env().create_app({.unbound = "bind", .mfa = "always"});
  const std::string token = start_mini_flow(env(), client, w.user_key);
  ASSERT_FALSE(token.empty());
  const RowCounts before = env().row_counts();
  const HttpResult r = env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}});
  ASSERT_TRUE(is_mfa(r, "[\"SMS\"]"));
  const RowCounts linked = env().row_counts();
  EXPECT_TRUE(
      counts_changed_by(before, linked, {{"users", 0}, {"identities", 1}, {"sessions", 0}}, false));

  const HttpResult done = complete(client, state_token_of(r), "mobile", w.phone);
  ASSERT_TRUE(is_success(done));
  EXPECT_EQ(subject_of(done), owner);
  api_claims(env(), done, client);
  EXPECT_EQ(sessions(), linked.at("sessions") + 1);
}

TEST_F(MfaFlows, EmailFactorWorksAndAUserWithoutOneIsDenied) {
  const std::string client = env().create_app({.mfa = "always", .mfa_factors = "EMAIL"});
  const Member m = register_wechat(client, "email");
  const std::int64_t s0 = sessions();
  const HttpResult r = env().login_wechat(client, env().mint_code(m.wechat.user_key));
  ASSERT_TRUE(is_mfa(r, "[\"EMAIL\"]"));
  const HttpResult done = complete(client, state_token_of(r), "email", m.target);
  ASSERT_TRUE(is_success(done));
  EXPECT_EQ(subject_of(done), m.sub);
  EXPECT_EQ(string_at(api_claims(env(), done, client), "email"), m.target);
  EXPECT_EQ(sessions(), s0 + 1);

  // A phone is no factor this application accepts.
  const PhoneUser p = new_phone_user(env());
  ASSERT_FALSE(phone_owner(env(), p).empty());
  const RowCounts before = env().row_counts();
  EXPECT_TRUE(is_access_denied(env().login_phone(client, phone_code(p))));
  EXPECT_TRUE(counts_changed_by(before, env().settle_audit(before, 1), {{"sessions", 0}}, false));
}

TEST_F(MfaFlows, TheFifthWrongCodeRevokesItAndANewSendStillCompletes) {
  const std::string client = env().create_app({.mfa = "always"});
  const Member m = register_wechat(client);
  const HttpResult r = env().login_wechat(client, env().mint_code(m.wechat.user_key));
  ASSERT_TRUE(is_mfa(r, "[\"SMS\"]"));
  const std::string token = state_token_of(r);
  const std::string code = send_mfa(client, token, "mobile", m.target);
  ASSERT_EQ(code.size(), 6U);
  std::string wrong = code;
  wrong[5] = wrong[5] == '0' ? '1' : '0';

  const std::int64_t s0 = sessions();
  for (int i = 1; i <= 5; ++i) {
    SCOPED_TRACE("wrong try " + std::to_string(i));
    EXPECT_TRUE(
        is_error(verify_mfa(client, token, "mobile", wrong), "IDAAS.SDK.CAPTCHA.0007", Lang::kEn));
  }
  EXPECT_TRUE(
      is_error(verify_mfa(client, token, "mobile", code), "IDAAS.SDK.CAPTCHA.0007", Lang::kEn))
      << "the 5th wrong try revokes the code";
  EXPECT_EQ(sessions(), s0);

  wait_out_resend_interval(env());
  const HttpResult done = complete(client, token, "mobile", m.target);
  ASSERT_TRUE(is_success(done));
  EXPECT_EQ(subject_of(done), m.sub);
  EXPECT_EQ(sessions(), s0 + 1);
}

TEST_F(MfaFlows, MisusedTargetsTokensAndFactorsAreRefused) {
  const std::string client = env().create_app({.mfa = "always"});
  const Member m = register_wechat(client);
  const HttpResult r = env().login_wechat(client, env().mint_code(m.wechat.user_key));
  ASSERT_TRUE(is_mfa(r, "[\"SMS\"]"));
  const std::string token = state_token_of(r);

  // Somebody else's phone: refused in both languages, nothing delivered.
  const std::size_t seen = outbox_messages(env()).size();
  const boost::json::object other{{"type", "MFA_AUTH_SMS"}, {"mobile", unique_mobile()}};
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    EXPECT_TRUE(is_error(post_flow(env(), kSmsSendPath, client, token, other, lang_headers(lang)),
                         "IDAAS.SDK.PARAM.0118", lang));
  }
  // The user has no email.
  EXPECT_TRUE(is_error(post_flow(env(), kEmailSendPath, client, token, {{"type", "MFA_AUTH_EMS"}}),
                       "IDAAS.SDK.PARAM.0117", Lang::kEn));

  // A USER_REGISTER token is no MFA token.
  const std::string reg_token = start_flow(env(), client, env().fresh_code());
  ASSERT_FALSE(reg_token.empty());
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    EXPECT_TRUE(is_error(verify_mfa(client, reg_token, "mobile", "123456", lang_headers(lang)),
                         "IDAAS.SDK.COMMON.1007", lang));
  }

  // The user's own number, spelled another way, is fine; the refusals above delivered nothing.
  const std::string code = send_mfa(client, token, "mobile", m.target);
  const std::vector<OutboxMessage> sent = outbox_messages(env());
  EXPECT_EQ(sent.size(), seen + 1);
  const HttpResult done = post_flow(env(), kMfaSmsPath, client, token,
                                    {{"verify_code", code}, {"mobile", spaced_mobile(m.target)}});
  ASSERT_TRUE(is_success(done));
  EXPECT_EQ(subject_of(done), m.sub);

  // A completed MFA token is spent.
  const std::int64_t s1 = sessions();
  EXPECT_TRUE(is_error(verify_mfa(client, token, "mobile", code, lang_headers(Lang::kZh)),
                       "IDAAS.SDK.COMMON.1007", Lang::kZh));
  EXPECT_TRUE(is_error(post_flow(env(), kSmsSendPath, client, token, {{"type", "MFA_AUTH_SMS"}}),
                       "IDAAS.SDK.COMMON.1007", Lang::kEn));
  EXPECT_EQ(sessions(), s1);
}

}  // namespace
}  // namespace it
