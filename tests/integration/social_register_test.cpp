// Finishing a WeChat USER_REGISTER flow (issue 3, docs/api.md "Finishing a flow"): sms/email send,
// then POST /api/v2/sdk/social/register-bind with the delivered code (development outbox). The
// flow ends in the same SUCCESS as a direct login; later logins of that WeChat user succeed
// directly. Also the refusals that protect accounts (SOCIAL.0001) and the race of parallel
// register-binds on one state token.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

class SocialRegister : public EnvSuite {
 protected:
  // Some tests send to one target twice (two flows proving the same phone).
  static void SetUpTestSuite() { SetUpTestSuiteWith({.verification = {.resend_interval = 1}}); }

  // A USER_REGISTER flow for WeChat user `u` on `client`.
  std::string flow_for(const std::string& client, const SimUser& u) {
    return start_flow(env(), client, env().mint_code(u.user_key));
  }

  // WeChat user `u` registers through `client` with mobile `m`; returns the new user's id.
  std::string register_with_mobile(const std::string& client, const SimUser& u,
                                   const std::string& m) {
    const std::string token = flow_for(client, u);
    const std::string code = send_code(env(), client, token, "mobile", m, "REGISTER_SMS");
    const HttpResult r =
        post_flow(env(), kRegisterBindPath, client, token, {{"mobile", m}, {"verify_code", code}});
    EXPECT_TRUE(is_success(r));
    std::string sub;
    api_claims(env(), r, client, &sub);
    return sub;
  }
};

TEST_F(SocialRegister, PhoneRegisterEndsInSuccessThenTheUserLogsInDirectly) {
  const std::string client = env().create_app();  // unbound register
  const SimUser u = env().new_wechat_user();
  const std::string token = flow_for(client, u);
  ASSERT_FALSE(token.empty());
  const std::string m = unique_mobile();

  // Sent to one spelling of the number, verified with another: they are one number.
  const std::size_t seen = outbox_messages(env()).size();
  const HttpResult sent = post_flow(env(), kSmsSendPath, client, token,
                                    {{"mobile", spaced_mobile(m)}, {"type", "REGISTER_SMS"}});
  ASSERT_TRUE(is_empty_ok(sent));
  const OutboxMessage msg = wait_outbox_message(env(), seen);
  EXPECT_EQ(msg.channel, "sms") << dump(msg.raw);
  EXPECT_EQ(msg.purpose, "REGISTER_SMS") << dump(msg.raw);
  EXPECT_NE(msg.to.find(m), std::string::npos) << dump(msg.raw);
  ASSERT_EQ(msg.code.size(), 6U) << dump(msg.raw);

  const RowCounts before = db_state(env());
  const HttpResult r = post_flow(env(), kRegisterBindPath, client, token,
                                 {{"mobile", m}, {"verify_code", msg.code}});
  ASSERT_TRUE(is_success(r));
  std::string sub;
  const boost::json::object api = api_claims(env(), r, client, &sub);
  EXPECT_EQ(string_at(api, "mobile"), dashed_mobile(m)) << dump(api);
  EXPECT_TRUE(counts_changed_by(before, db_state(env()),
                                {{"users", 1},
                                 {"identities", 1},
                                 {"sessions", 1},
                                 {"flow_states.consumed", 1},
                                 {"verification_codes.used", 1}},
                                false));

  // The state token is spent.
  const HttpResult reuse = post_flow(env(), kRegisterBindPath, client, token,
                                     {{"mobile", m}, {"verify_code", msg.code}});
  EXPECT_TRUE(is_error(reuse, "IDAAS.SDK.COMMON.1007", Lang::kEn));

  // The WeChat user is linked now: a fresh code logs the same user in directly.
  const HttpResult again = env().login_wechat(client, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(again));
  std::string sub2;
  api_claims(env(), again, client, &sub2);
  EXPECT_EQ(sub2, sub);
}

TEST_F(SocialRegister, EmailRegisterComparesCaseInsensitivelyAndStoresLowerCase) {
  const std::string client = env().create_app();
  const SimUser u = env().new_wechat_user();
  const std::string token = flow_for(client, u);
  const std::string email = unique_email();
  const std::string code =
      send_code(env(), client, token, "email", mixed_case(email), "REGISTER_EMS");
  ASSERT_FALSE(code.empty());
  const HttpResult r =
      post_flow(env(), kRegisterBindPath, client, token, {{"email", email}, {"verify_code", code}});
  ASSERT_TRUE(is_success(r));
  std::string sub;
  const boost::json::object api = api_claims(env(), r, client, &sub);
  EXPECT_EQ(string_at(api, "email"), email) << dump(api);

  const HttpResult again = env().login_wechat(client, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(again));
  std::string sub2;
  api_claims(env(), again, client, &sub2);
  EXPECT_EQ(sub2, sub);
}

TEST_F(SocialRegister, RegisterBindLinksTheUserWhoAlreadyOwnsThePhone) {
  // The owner registered through another WeChat app (another appid), so linking this appid's
  // identity to them is not a second identity of the same provider app.
  const WechatApp other = add_wechat_app(env());
  const std::string other_client = create_app_on(env(), other, {});
  const SimUser owner = env().new_wechat_user();
  const std::string m = unique_mobile();
  const std::string other_token =
      start_flow(env(), other_client, env().mint_code(other.appid, owner.user_key));
  const std::string c1 = send_code(env(), other_client, other_token, "mobile", m, "REGISTER_SMS");
  const HttpResult first = post_flow(env(), kRegisterBindPath, other_client, other_token,
                                     {{"mobile", m}, {"verify_code", c1}});
  ASSERT_TRUE(is_success(first));
  std::string owner_id;
  api_claims(env(), first, other_client, &owner_id);

  const std::string client = env().create_app();
  const SimUser u = env().new_wechat_user();
  const std::string token = flow_for(client, u);
  wait_out_resend_interval(env());
  const std::string c2 =
      send_code(env(), client, token, "mobile", dashed_mobile(m), "REGISTER_SMS");
  const RowCounts before = db_state(env());
  const HttpResult r =
      post_flow(env(), kRegisterBindPath, client, token, {{"mobile", m}, {"verify_code", c2}});
  ASSERT_TRUE(is_success(r));
  std::string sub;
  api_claims(env(), r, client, &sub);
  EXPECT_EQ(sub, owner_id);
  EXPECT_TRUE(counts_changed_by(before, db_state(env()),
                                {{"users", 0}, {"identities", 1}, {"sessions", 1}}, false));
}

TEST_F(SocialRegister, AnIdentityLinkedMeanwhileIsNotLinkedAgain) {
  const std::string client = env().create_app();
  const SimUser u = env().new_wechat_user();
  // Two flows for the same WeChat user, started before either finishes.
  const std::string late = flow_for(client, u);
  register_with_mobile(client, u, unique_mobile());

  const std::string m = unique_mobile();
  const std::string code = send_code(env(), client, late, "mobile", m, "REGISTER_SMS");
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    SCOPED_TRACE(to_string(lang));
    const RowCounts before = db_state(env());
    const HttpResult r = post_flow(env(), kRegisterBindPath, client, late,
                                   {{"mobile", m}, {"verify_code", code}}, lang_headers(lang));
    EXPECT_TRUE(is_error(r, "IDAAS.SDK.SOCIAL.0001", lang));
    EXPECT_TRUE(counts_changed_by(before, db_state(env()), {}, true));
  }
}

TEST_F(SocialRegister, AUserLinkedToAnotherOpenidOfTheSameAppIsNotRelinked) {
  const std::string client = env().create_app();
  const std::string m = unique_mobile();
  register_with_mobile(client, env().new_wechat_user(), m);

  // A second WeChat user of the same app proves the same phone: refused, not relinked.
  const std::string token = flow_for(client, env().new_wechat_user());
  wait_out_resend_interval(env());
  const std::string code = send_code(env(), client, token, "mobile", m, "REGISTER_SMS");
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    SCOPED_TRACE(to_string(lang));
    const RowCounts before = db_state(env());
    const HttpResult r = post_flow(env(), kRegisterBindPath, client, token,
                                   {{"mobile", m}, {"verify_code", code}}, lang_headers(lang));
    EXPECT_TRUE(is_error(r, "IDAAS.SDK.SOCIAL.0001", lang));
    EXPECT_TRUE(counts_changed_by(before, db_state(env()), {}, true));
  }
}

TEST_F(SocialRegister, ParallelRegisterBindsWithOneStateTokenMakeExactlyOneUser) {
  constexpr int kThreads = 20;
  const std::string client = env().create_app();
  const std::string token = flow_for(client, env().new_wechat_user());
  const std::string m = unique_mobile();
  const std::string code = send_code(env(), client, token, "mobile", m, "REGISTER_SMS");
  ASSERT_FALSE(code.empty());
  const RowCounts before = db_state(env());

  std::vector<HttpResult> results(kThreads);
  std::vector<std::string> errors(kThreads);
  {
    std::latch go(kThreads);
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        go.arrive_and_wait();
        try {
          results[i] = post_flow(env(), kRegisterBindPath, client, token,
                                 {{"mobile", m}, {"verify_code", code}});
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    }
  }
  int successes = 0;
  for (int i = 0; i < kThreads; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    EXPECT_TRUE(errors[i].empty()) << errors[i];
    if (is_success(results[i])) {
      ++successes;
      continue;
    }
    EXPECT_TRUE(is_error(results[i], "IDAAS.SDK.COMMON.1007", Lang::kEn) ||
                is_error(results[i], "IDAAS.SDK.CAPTCHA.0007", Lang::kEn))
        << results[i].describe();
  }
  EXPECT_EQ(successes, 1);
  EXPECT_TRUE(counts_changed_by(before, db_state(env()),
                                {{"users", 1},
                                 {"identities", 1},
                                 {"sessions", 1},
                                 {"flow_states.consumed", 1},
                                 {"verification_codes.used", 1}},
                                false));
}

}  // namespace
}  // namespace it
