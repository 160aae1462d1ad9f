// Finishing a WeChat SOCIAL_BIND flow (issue 3): a code sent to the phone or email of an existing
// user proves ownership, and POST /api/v2/sdk/social/bind links the WeChat identity to that user.
// Also what a state token is bound to: its flow, its application, its signature.
#include <gtest/gtest.h>

#include <functional>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

class SocialBind : public EnvSuite {
 protected:
  // The owner's address gets a code for registering, then one for binding.
  static void SetUpTestSuite() { SetUpTestSuiteWith({.verification = {.resend_interval = 1}}); }

  // A user who owns `field` = `target`, registered through an app on another WeChat appid (so
  // the Env's appid has no identity of theirs yet); returns the user id.
  std::string existing_user(const std::string& field, const std::string& target) {
    const WechatApp other = add_wechat_app(env());
    const std::string client = create_app_on(env(), other, {});
    const std::string token =
        start_flow(env(), client, env().mint_code(other.appid, env().new_wechat_user().user_key));
    const std::string code = send_code(env(), client, token, field, target,
                                       field == "mobile" ? "REGISTER_SMS" : "REGISTER_EMS");
    const HttpResult r = post_flow(env(), kRegisterBindPath, client, token,
                                   {{field, target}, {"verify_code", code}});
    EXPECT_TRUE(is_success(r));
    std::string sub;
    api_claims(env(), r, client, &sub);
    wait_out_resend_interval(env());
    return sub;
  }

  // Sends make() in English and Chinese: `code` each time, and nothing but audit rows changes.
  void expect_refused(const std::function<HttpResult(const Headers&)>& make,
                      std::string_view code) {
    for (Lang lang : {Lang::kEn, Lang::kZh}) {
      SCOPED_TRACE(std::string(to_string(lang)) + ", expecting " + std::string(code));
      const RowCounts before = db_state(env());
      EXPECT_TRUE(is_error(make(lang_headers(lang)), code, lang));
      EXPECT_TRUE(counts_changed_by(before, db_state(env()), {}, true));
    }
  }
};

TEST_F(SocialBind, EmailBindLinksTheExistingUserThenTheUserLogsInDirectly) {
  const std::string email = unique_email();
  const std::string owner = existing_user("email", email);
  ASSERT_FALSE(owner.empty());

  const std::string client = env().create_app({.unbound = "bind"});
  const SimUser u = env().new_wechat_user();
  const std::string token = start_flow(env(), client, env().mint_code(u.user_key));
  const std::string code =
      send_code(env(), client, token, "email", mixed_case(email), "BIND_EMAIL_EMS");
  ASSERT_FALSE(code.empty());
  const RowCounts before = db_state(env());
  const HttpResult r =
      post_flow(env(), kBindPath, client, token, {{"email", email}, {"verify_code", code}});
  ASSERT_TRUE(is_success(r));
  std::string sub;
  const boost::json::object api = api_claims(env(), r, client, &sub);
  EXPECT_EQ(sub, owner);
  EXPECT_EQ(string_at(api, "email"), email) << dump(api);
  EXPECT_TRUE(counts_changed_by(before, db_state(env()),
                                {{"users", 0},
                                 {"identities", 1},
                                 {"sessions", 1},
                                 {"flow_states.consumed", 1},
                                 {"verification_codes.used", 1}},
                                false));

  EXPECT_TRUE(is_error(
      post_flow(env(), kBindPath, client, token, {{"email", email}, {"verify_code", code}}),
      "IDAAS.SDK.COMMON.1007", Lang::kEn));

  const HttpResult again = env().login_wechat(client, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(again));
  std::string sub2;
  api_claims(env(), again, client, &sub2);
  EXPECT_EQ(sub2, owner);
}

TEST_F(SocialBind, PhoneBindLinksTheExistingUser) {
  const std::string m = unique_mobile();
  const std::string owner = existing_user("mobile", dashed_mobile(m));
  const std::string client = env().create_app({.unbound = "bind"});
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string code = send_code(env(), client, token, "mobile", m, "BIND_MOBILE_SMS");
  const HttpResult r = post_flow(env(), kBindPath, client, token,
                                 {{"mobile", spaced_mobile(m)}, {"verify_code", code}});
  ASSERT_TRUE(is_success(r));
  std::string sub;
  const boost::json::object api = api_claims(env(), r, client, &sub);
  EXPECT_EQ(sub, owner);
  EXPECT_EQ(string_at(api, "mobile"), dashed_mobile(m)) << dump(api);
}

TEST_F(SocialBind, BindWithoutAnOwnerOfTheVerifiedAddressIsUserNotFound) {
  const std::string client = env().create_app({.unbound = "bind"});
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string email = unique_email();
  const std::string code = send_code(env(), client, token, "email", email, "BIND_EMAIL_EMS");
  expect_refused(
      [&](const Headers& h) {
        return post_flow(env(), kBindPath, client, token, {{"email", email}, {"verify_code", code}},
                         h);
      },
      "IDAAS.SDK.USER.0001");
  const std::string m = unique_mobile();
  const std::string sms = send_code(env(), client, token, "mobile", m, "BIND_MOBILE_SMS");
  expect_refused(
      [&](const Headers& h) {
        return post_flow(env(), kBindPath, client, token, {{"mobile", m}, {"verify_code", sms}}, h);
      },
      "IDAAS.SDK.USER.0001");
}

TEST_F(SocialBind, CodeTypesAndEndpointsMustMatchTheTokensFlow) {
  const std::string bind_client = env().create_app({.unbound = "bind"});
  const std::string bind_token = start_flow(env(), bind_client, env().fresh_code());
  const std::string reg_client = env().create_app();
  const std::string reg_token = start_flow(env(), reg_client, env().fresh_code());
  const std::string m = unique_mobile();
  const std::string email = unique_email();

  const auto send = [&](const std::string& client, const std::string& token, const char* path,
                        const char* field, const std::string& target, const char* type) {
    return [&, client, token, path, field, target, type](const Headers& h) {
      return post_flow(env(), path, client, token, {{field, target}, {"type", type}}, h);
    };
  };
  expect_refused(send(bind_client, bind_token, kSmsSendPath, "mobile", m, "REGISTER_SMS"),
                 "IDAAS.SDK.COMMON.1007");
  expect_refused(send(bind_client, bind_token, kEmailSendPath, "email", email, "REGISTER_EMS"),
                 "IDAAS.SDK.COMMON.1007");
  expect_refused(send(reg_client, reg_token, kSmsSendPath, "mobile", m, "BIND_MOBILE_SMS"),
                 "IDAAS.SDK.COMMON.1007");
  expect_refused(send(reg_client, reg_token, kEmailSendPath, "email", email, "BIND_EMAIL_EMS"),
                 "IDAAS.SDK.COMMON.1007");

  // A valid code of the right flow, posted to the other flow's endpoint.
  const std::string code = send_code(env(), reg_client, reg_token, "mobile", m, "REGISTER_SMS");
  expect_refused(
      [&](const Headers& h) {
        return post_flow(env(), kBindPath, reg_client, reg_token,
                         {{"mobile", m}, {"verify_code", code}}, h);
      },
      "IDAAS.SDK.COMMON.1007");
  const std::string bcode =
      send_code(env(), bind_client, bind_token, "email", email, "BIND_EMAIL_EMS");
  expect_refused(
      [&](const Headers& h) {
        return post_flow(env(), kRegisterBindPath, bind_client, bind_token,
                         {{"email", email}, {"verify_code", bcode}}, h);
      },
      "IDAAS.SDK.COMMON.1007");
  // Neither refusal spent the flow: the code still completes the register flow.
  EXPECT_TRUE(is_success(post_flow(env(), kRegisterBindPath, reg_client, reg_token,
                                   {{"mobile", m}, {"verify_code", code}})));
}

TEST_F(SocialBind, AStateTokenWorksOnlyForItsAppAndOnlyAsSigned) {
  const std::string client = env().create_app();
  const std::string other_client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  ASSERT_FALSE(token.empty());
  const std::string m = unique_mobile();

  expect_refused(
      [&](const Headers& h) {
        return post_flow(env(), kSmsSendPath, other_client, token,
                         {{"mobile", m}, {"type", "REGISTER_SMS"}}, h);
      },
      "IDAAS.SDK.COMMON.1007");

  // One character of the signature changed.
  std::string forged = token;
  const std::size_t sig = forged.rfind('.') + 1;
  ASSERT_LT(sig + 10, forged.size());
  forged[sig + 10] = forged[sig + 10] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {forged, std::string("not-a-token")}) {
    SCOPED_TRACE(bad);
    expect_refused(
        [&](const Headers& h) {
          return post_flow(env(), kSmsSendPath, client, bad,
                           {{"mobile", m}, {"type", "REGISTER_SMS"}}, h);
        },
        "IDAAS.SDK.COMMON.1007");
  }

  // A code sent in the flow cannot be redeemed through another app either.
  const std::string code = send_code(env(), client, token, "mobile", m, "REGISTER_SMS");
  expect_refused(
      [&](const Headers& h) {
        return post_flow(env(), kRegisterBindPath, other_client, token,
                         {{"mobile", m}, {"verify_code", code}}, h);
      },
      "IDAAS.SDK.COMMON.1007");
  EXPECT_TRUE(is_success(
      post_flow(env(), kRegisterBindPath, client, token, {{"mobile", m}, {"verify_code", code}})));
}

}  // namespace
}  // namespace it
