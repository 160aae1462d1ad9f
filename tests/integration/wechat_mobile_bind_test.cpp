// Finishing a flow with the WeChat-authorized phone number (docs/api.md
// "Finishing a flow with WeChat's phone number"): POST /api/v2/sdk/social/wechat-mobile-bind with a
// SOCIAL_BIND state token links the pending identity to the user who owns the number;
// .../wechat-mobile-register-bind with a USER_REGISTER token finds or creates that user. The body
// is {"wechat_code"} or, as the customer's document spells it in one place, {"wchat_code"}.
// Refusals leave the flow usable and write only the audit row.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/miniprogram.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

class WechatMobileBind : public EnvSuite {
 protected:
  std::string phone_code(const PhoneUser& p) { return env().mint_phone_code(p.user_key).code; }

  std::int64_t phone_calls() { return env().sim().calls()[kPhoneNumberPath]; }
};

TEST_F(WechatMobileBind, BindLinksThePendingIdentityToTheOwnerOfTheNumber) {
  const PhoneUser w = new_phone_user(env());
  const std::string owner = phone_owner(env(), w);
  ASSERT_FALSE(owner.empty());
  const std::string client = env().create_app({.unbound = "bind"});
  const std::string token = start_mini_flow(env(), client, w.user_key);
  ASSERT_FALSE(token.empty());

  const RowCounts before = full_state(env());
  const HttpResult r = env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}});
  ASSERT_TRUE(is_success(r));
  std::string sub;
  const boost::json::object api = api_claims(env(), r, client, &sub);
  EXPECT_EQ(sub, owner);
  EXPECT_EQ(string_at(api, "mobile"), dashed_mobile(w.phone)) << dump(api);
  EXPECT_TRUE(counts_changed_by(before, full_state_after(env(), before, 1),
                                {{"users", 0},
                                 {"identities", 1},
                                 {"sessions", 1},
                                 {"flow_states.consumed", 1},
                                 {"audit_events", 1}},
                                false));

  // The flow is spent.
  expect_refused(
      env(),
      [&](const Headers& h) {
        return env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}}, false, h);
      },
      "IDAAS.SDK.COMMON.1007");
  // The mini program identity is the owner's now: the next login needs no flow.
  const HttpResult again = env().login_miniprogram(client, env().mint_mini_code(w.user_key));
  ASSERT_TRUE(is_success(again));
  EXPECT_EQ(subject_of(again), owner);
}

TEST_F(WechatMobileBind, TheSeedsWchatCodeSpellingIsAcceptedToo) {
  const PhoneUser w = new_phone_user(env());
  const std::string owner = phone_owner(env(), w);
  const std::string client = env().create_app({.unbound = "bind"});
  const std::string token = start_mini_flow(env(), client, w.user_key);
  const HttpResult r = env().wechat_mobile_bind(client, token, {{"wchat_code", phone_code(w)}});
  ASSERT_TRUE(is_success(r));
  EXPECT_EQ(subject_of(r), owner);
}

TEST_F(WechatMobileBind, AFlowOfTheWechatAppLoginCanBeFinishedWithThePhoneToo) {
  const PhoneUser w = new_phone_user(env());
  const std::string owner = phone_owner(env(), w);
  const std::string client = env().create_app({.unbound = "bind"});
  const std::string token = start_flow(env(), client, env().mint_code(w.user_key));
  const HttpResult r = env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}});
  ASSERT_TRUE(is_success(r));
  EXPECT_EQ(subject_of(r), owner);
  EXPECT_EQ(subject_of(env().login_wechat(client, env().mint_code(w.user_key))), owner);
}

TEST_F(WechatMobileBind, BindWithoutAnOwnerIsUserNotFoundAndTheFlowStaysUsable) {
  const PhoneUser w = new_phone_user(env());
  const std::string client = env().create_app({.unbound = "bind"});
  const std::string token = start_mini_flow(env(), client, w.user_key);
  expect_refused(
      env(),
      [&](const Headers& h) {
        return env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}}, false, h);
      },
      "IDAAS.SDK.USER.0001");

  // Once somebody owns the number, the same flow binds to them.
  const std::string owner = phone_owner(env(), w);
  const HttpResult r = env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}});
  ASSERT_TRUE(is_success(r));
  EXPECT_EQ(subject_of(r), owner);
}

TEST_F(WechatMobileBind, RegisterBindCreatesTheUserWithTheNumberAndLinksTheIdentity) {
  const PhoneUser w = new_phone_user(env());
  const std::string client = env().create_app();  // unbound register
  const std::string token = start_mini_flow(env(), client, w.user_key);
  ASSERT_FALSE(token.empty());
  const RowCounts before = full_state(env());
  const HttpResult r =
      env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}}, true);
  ASSERT_TRUE(is_success(r));
  std::string sub;
  const boost::json::object api = api_claims(env(), r, client, &sub);
  EXPECT_EQ(string_at(api, "mobile"), dashed_mobile(w.phone)) << dump(api);
  EXPECT_TRUE(counts_changed_by(before, full_state_after(env(), before, 1),
                                {{"users", 1},
                                 {"identities", 1},
                                 {"sessions", 1},
                                 {"flow_states.consumed", 1},
                                 {"audit_events", 1}},
                                false));

  EXPECT_TRUE(
      is_error(env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}}, true),
               "IDAAS.SDK.COMMON.1007", Lang::kEn));
  // Both ways in find the same person: the number, and the linked mini program identity.
  const std::string reject = env().create_app({.unbound = "reject"});
  EXPECT_EQ(subject_of(env().login_phone(reject, phone_code(w))), sub);
  EXPECT_EQ(subject_of(env().login_miniprogram(reject, env().mint_mini_code(w.user_key))), sub);
}

TEST_F(WechatMobileBind, RegisterBindLinksTheExistingOwnerOfTheNumber) {
  const PhoneUser w = new_phone_user(env());
  const std::string owner = phone_owner(env(), w);
  const std::string client = env().create_app();
  const std::string token = start_mini_flow(env(), client, w.user_key);
  const RowCounts before = full_state(env());
  const HttpResult r =
      env().wechat_mobile_bind(client, token, {{"wchat_code", phone_code(w)}}, true);
  ASSERT_TRUE(is_success(r));
  EXPECT_EQ(subject_of(r), owner);
  EXPECT_TRUE(counts_changed_by(before, full_state_after(env(), before, 1),
                                {{"users", 0}, {"identities", 1}, {"sessions", 1}}, false));
}

TEST_F(WechatMobileBind, MissingOrEmptyCodeIsParam0011AndTheFlowStaysUsable) {
  const PhoneUser w = new_phone_user(env());
  const std::string owner = phone_owner(env(), w);
  const std::string client = env().create_app({.unbound = "bind"});
  const std::string token = start_mini_flow(env(), client, w.user_key);
  const auto calls = phone_calls();
  for (const boost::json::object& body :
       {boost::json::object{}, boost::json::object{{"wechat_code", ""}},
        boost::json::object{{"wchat_code", ""}}, boost::json::object{{"code", phone_code(w)}}}) {
    SCOPED_TRACE(dump(body));
    expect_refused(
        env(),
        [&](const Headers& h) { return env().wechat_mobile_bind(client, token, body, false, h); },
        "IDAAS.SDK.PARAM.0011");
  }
  EXPECT_EQ(phone_calls(), calls);
  EXPECT_EQ(subject_of(env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}})),
            owner);
}

TEST_F(WechatMobileBind, AnAppWithoutMiniProgramCredentialsIsLoginNotEnabled) {
  const PhoneUser w = new_phone_user(env());
  const std::string client = env().create_app({.unbound = "bind", .miniprogram = false});
  const std::string token = start_flow(env(), client, env().mint_code(w.user_key));
  const auto calls = phone_calls();
  expect_refused(
      env(),
      [&](const Headers& h) {
        return env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}}, false, h);
      },
      "IDAAS.SDK.LOGIN.1003");
  EXPECT_EQ(phone_calls(), calls);
}

TEST_F(WechatMobileBind, CodesWechatRefusesAreMiniProgramCallFailedAndTheFlowStaysUsable) {
  const PhoneUser w = new_phone_user(env());
  const std::string owner = phone_owner(env(), w);
  const std::string client = env().create_app({.unbound = "bind"});
  const std::string token = start_mini_flow(env(), client, w.user_key);
  const WechatApp other = add_wechat_app(env());
  const std::function<std::string()> bad_codes[] = {
      [] { return unique_name("never-minted"); },
      [&] { return env().sim().mint_phone_code(other.appid, w.user_key).code; }};
  for (const auto& bad : bad_codes) {
    expect_refused(
        env(),
        [&](const Headers& h) {
          return env().wechat_mobile_bind(client, token, {{"wechat_code", bad()}}, false, h);
        },
        "IDAAS.SDK.LOGIN.1001");
  }
  {
    FaultGuard fault(env().sim(), {{"path", kPhoneNumberPath}, {"errcode", -1}, {"count", -1}});
    expect_refused(
        env(),
        [&](const Headers& h) {
          return env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}}, false,
                                          h);
        },
        "IDAAS.SDK.COM.0002");
  }
  EXPECT_EQ(subject_of(env().wechat_mobile_bind(client, token, {{"wechat_code", phone_code(w)}})),
            owner);
}

TEST_F(WechatMobileBind, MisusedStateTokensAreStateTokenErrors) {
  const PhoneUser w = new_phone_user(env());
  const std::string owner = phone_owner(env(), w);
  const std::string bind_client = env().create_app({.unbound = "bind"});
  const std::string bind_token = start_mini_flow(env(), bind_client, w.user_key);
  const std::string reg_client = env().create_app();
  const PhoneUser r = new_phone_user(env());
  const std::string reg_token = start_mini_flow(env(), reg_client, r.user_key);
  const std::string other_client = env().create_app({.unbound = "bind"});
  ASSERT_FALSE(bind_token.empty());
  ASSERT_FALSE(reg_token.empty());

  std::string forged = bind_token;
  const std::size_t sig = forged.rfind('.') + 1;
  ASSERT_LT(sig + 10, forged.size());
  forged[sig + 10] = forged[sig + 10] == 'A' ? 'B' : 'A';

  struct Misuse {
    const char* what;
    std::string client, token;
    bool register_bind;
  };
  const std::vector<Misuse> misuses{
      {"forged signature", bind_client, forged, false},
      {"not a token", bind_client, "not-a-token", false},
      {"empty", bind_client, "", false},
      {"another client's", other_client, bind_token, false},
      {"a USER_REGISTER token on bind", reg_client, reg_token, false},
      {"a SOCIAL_BIND token on register-bind", bind_client, bind_token, true}};
  const auto calls = phone_calls();
  for (const Misuse& m : misuses) {
    SCOPED_TRACE(m.what);
    expect_refused(
        env(),
        [&](const Headers& h) {
          return env().wechat_mobile_bind(m.client, m.token, {{"wechat_code", phone_code(w)}},
                                          m.register_bind, h);
        },
        "IDAAS.SDK.COMMON.1007");
  }
  {
    SCOPED_TRACE("no X-state-token at all");
    expect_refused(
        env(),
        [&](const Headers& h) {
          Headers headers = env().login_headers(bind_client);
          for (const auto& [k, v] : h) headers = with(std::move(headers), k, v);
          return env().post_sdk(kWechatMobileBindPath, headers,
                                dump(boost::json::object{{"wechat_code", phone_code(w)}}));
        },
        "IDAAS.SDK.COMMON.1007");
  }
  EXPECT_EQ(phone_calls(), calls) << "a refused state token must not reach WeChat";

  // Neither genuine flow was spent by the misuse.
  EXPECT_EQ(subject_of(env().wechat_mobile_bind(bind_client, bind_token,
                                                {{"wechat_code", phone_code(w)}})),
            owner);
  EXPECT_TRUE(is_success(
      env().wechat_mobile_bind(reg_client, reg_token, {{"wechat_code", phone_code(r)}}, true)));
}

}  // namespace
}  // namespace it
