// POST /api/v2/sdk/login/wechat-mini-program-mobile (docs/api.md, that endpoint): a phone-number
// authorization code becomes the user's number through cgi-bin/stable_token (cached per appid, one
// fetch at a time) and wxa/business/getuserphonenumber. The number's owner logs in; an unknown
// number registers a user where the application lets new people in, else USER.0001.
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

class MiniProgramPhone : public EnvSuite {
 protected:
  std::string phone_code(const PhoneUser& p) { return env().mint_phone_code(p.user_key).code; }

  // Codes from make_code() refused with `error` in both languages (expect_codes_refused).
  void expect_codes_refused(const std::string& client,
                            const std::function<std::string()>& make_code, std::string_view error) {
    const CodeSender send = [&](const std::string& code, const Headers& h) {
      return env().login_phone(client, code, h);
    };
    it::expect_codes_refused(env(), send, make_code, error);
  }

  std::int64_t calls(const char* path) { return env().sim().calls()[path]; }
};

TEST_F(MiniProgramPhone, AnUnknownNumberMakesANewUserWhereTheAppRegistersPeople) {
  for (const char* policy : {"register", "auto_create"}) {
    SCOPED_TRACE(policy);
    const std::string client = env().create_app({.unbound = std::string(policy)});
    const PhoneUser p = new_phone_user(env());
    const RowCounts before = env().row_counts();
    const HttpResult r = env().login_phone(client, phone_code(p));
    ASSERT_TRUE(is_success(r));
    std::string sub;
    const boost::json::object api = api_claims(env(), r, client, &sub);
    EXPECT_EQ(string_at(api, "mobile"), dashed_mobile(p.phone)) << dump(api);
    // The number is the proof: no WeChat identity is linked by a phone login.
    const RowCounts after = env().settle_audit(before, 1);
    EXPECT_TRUE(counts_changed_by(
        before, after, {{"users", 1}, {"identities", 0}, {"sessions", 1}, {"audit_events", 1}},
        false));

    const HttpResult again = env().login_phone(client, phone_code(p));
    ASSERT_TRUE(is_success(again));
    EXPECT_EQ(subject_of(again), sub);
    EXPECT_TRUE(counts_changed_by(after, env().settle_audit(after, 1),
                                  {{"users", 0}, {"sessions", 1}}, false));
  }
}

TEST_F(MiniProgramPhone, TheOwnerOfTheNumberLogsInWhateverTheUnboundPolicy) {
  const PhoneUser p = new_phone_user(env());
  const std::string owner = phone_owner(env(), p);
  ASSERT_FALSE(owner.empty());
  for (const char* policy : {"register", "bind", "reject", "auto_create"}) {
    SCOPED_TRACE(policy);
    const std::string client = env().create_app({.unbound = std::string(policy)});
    const RowCounts before = env().row_counts();
    const HttpResult r = env().login_phone(client, phone_code(p));
    ASSERT_TRUE(is_success(r));
    std::string sub;
    api_claims(env(), r, client, &sub);
    EXPECT_EQ(sub, owner);
    EXPECT_TRUE(counts_changed_by(before, env().settle_audit(before, 1),
                                  {{"users", 0}, {"sessions", 1}}, false));
  }
}

TEST_F(MiniProgramPhone, AUserWhoRegisteredWithAnSmsCodeIsFoundByTheirNumber) {
  // Registered through the WeChat app's USER_REGISTER flow, proving the number by SMS.
  const std::string reg_client = env().create_app();
  const std::string token = start_flow(env(), reg_client, env().fresh_code());
  const PhoneUser p = new_phone_user(env());
  const std::string code = send_code(env(), reg_client, token, "mobile", p.phone, "REGISTER_SMS");
  const HttpResult reg = post_flow(env(), kRegisterBindPath, reg_client, token,
                                   {{"mobile", p.phone}, {"verify_code", code}});
  ASSERT_TRUE(is_success(reg));
  std::string owner;
  api_claims(env(), reg, reg_client, &owner);

  const std::string client = env().create_app({.unbound = "reject"});
  const HttpResult r = env().login_phone(client, phone_code(p));
  ASSERT_TRUE(is_success(r));
  EXPECT_EQ(subject_of(r), owner);
}

TEST_F(MiniProgramPhone, AnUnknownNumberIsUserNotFoundUnderBindOrReject) {
  for (const char* policy : {"bind", "reject"}) {
    SCOPED_TRACE(policy);
    const std::string client = env().create_app({.unbound = std::string(policy)});
    expect_codes_refused(
        client, [&] { return phone_code(new_phone_user(env())); }, "IDAAS.SDK.USER.0001");
  }
}

TEST_F(MiniProgramPhone, ADisabledOwnerIsRefused) {
  const PhoneUser p = new_phone_user(env());
  const std::string owner = phone_owner(env(), p);
  const RunResult disable = env().cli({"user", "disable", owner});
  ASSERT_EQ(disable.exit_code, 0) << disable.err;
  const std::string client = env().create_app({.unbound = "auto_create"});
  expect_codes_refused(
      client, [&] { return phone_code(p); }, "IDAAS.SDK.USER.0039");
}

TEST_F(MiniProgramPhone, AssignedAccessDeniesUnassignedOwnersAndCreatesNobody) {
  const PhoneUser p = new_phone_user(env());
  const std::string owner = phone_owner(env(), p);
  const std::string client = env().create_app({.unbound = "auto_create", .access = "assigned"});
  const RowCounts before = env().row_counts();
  EXPECT_TRUE(is_access_denied(env().login_phone(client, phone_code(p))));
  EXPECT_TRUE(
      counts_changed_by(before, env().settle_audit(before, 1), {{"audit_events", 1}}, true));

  for (const char* policy : {"auto_create", "register"}) {
    SCOPED_TRACE(std::string("a new number, ") + policy);
    const std::string assigned =
        env().create_app({.unbound = std::string(policy), .access = "assigned"});
    const RowCounts fresh = env().row_counts();
    EXPECT_TRUE(is_access_denied(env().login_phone(assigned, phone_code(new_phone_user(env())))));
    EXPECT_TRUE(
        counts_changed_by(fresh, env().settle_audit(fresh, 1), {{"audit_events", 1}}, true));
  }

  const RunResult assign = env().cli({"app", "assign", client, "--user", owner});
  ASSERT_EQ(assign.exit_code, 0) << assign.err;
  const HttpResult ok = env().login_phone(client, phone_code(p));
  ASSERT_TRUE(is_success(ok));
  EXPECT_EQ(subject_of(ok), owner);
}

TEST_F(MiniProgramPhone, CountryCodeAsNumberOrStringIsTheSameMobile) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const PhoneUser p = new_phone_user(env());
  std::string first;
  for (bool as_string : {false, true}) {
    SCOPED_TRACE(as_string ? "countryCode \"86\"" : "countryCode 86");
    const SimPhoneCode code =
        env().mint_phone_code(p.user_key, {.country_code_as_string = as_string});
    EXPECT_EQ(code.country_code, "86");
    EXPECT_EQ(code.pure_phone_number, p.phone);
    const HttpResult r = env().login_phone(client, code.code);
    ASSERT_TRUE(is_success(r));
    std::string sub;
    const boost::json::object api = api_claims(env(), r, client, &sub);
    EXPECT_EQ(string_at(api, "mobile"), "+86-" + p.phone) << dump(api);
    if (first.empty()) first = sub;
    EXPECT_EQ(sub, first) << "one number, one user";
  }
}

TEST_F(MiniProgramPhone, SessionLifetimeIsTheAppsMiniProgramSessionTtl) {
  const std::string client = env().create_app(
      {.unbound = "auto_create", .wechat_session_ttl = 7200, .miniprogram_session_ttl = 3600});
  EXPECT_TRUE(is_success(env().login_phone(client, phone_code(new_phone_user(env()))), 3600));
}

TEST_F(MiniProgramPhone, MissingOrEmptyCodeIsParam0011WithoutAnUpstreamCall) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const auto tokens = calls(kStableTokenPath);
  const auto phones = calls(kPhoneNumberPath);
  for (const char* body : {"{}", R"({"code":""})", R"({"phone_code":"abc"})"}) {
    SCOPED_TRACE(body);
    expect_refused(
        env(),
        [&](const Headers& h) {
          Headers headers = env().login_headers(client);
          for (const auto& [k, v] : h) headers = with(std::move(headers), k, v);
          return env().post_sdk(kPhoneLoginPath, headers, body);
        },
        "IDAAS.SDK.PARAM.0011");
  }
  EXPECT_EQ(calls(kStableTokenPath), tokens);
  EXPECT_EQ(calls(kPhoneNumberPath), phones);
}

TEST_F(MiniProgramPhone, AppWithoutMiniProgramCredentialsIsLoginNotEnabled) {
  const std::string client = env().create_app({.unbound = "auto_create", .miniprogram = false});
  const auto phones = calls(kPhoneNumberPath);
  expect_codes_refused(
      client, [&] { return phone_code(new_phone_user(env())); }, "IDAAS.SDK.LOGIN.1003");
  EXPECT_EQ(calls(kPhoneNumberPath), phones);
}

TEST_F(MiniProgramPhone, CodesWechatRefusesAreMiniProgramCallFailed) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  {
    SCOPED_TRACE("never minted (40029)");
    expect_codes_refused(
        client, [] { return unique_name("never-minted"); }, "IDAAS.SDK.LOGIN.1001");
  }
  {
    SCOPED_TRACE("used before (40029)");
    expect_codes_refused(
        client,
        [&] {
          const std::string code = phone_code(new_phone_user(env()));
          EXPECT_TRUE(is_success(env().login_phone(client, code)));
          return code;
        },
        "IDAAS.SDK.LOGIN.1001");
  }
  {
    SCOPED_TRACE("expired (40029)");
    expect_codes_refused(
        client,
        [&] { return env().mint_phone_code(new_phone_user(env()).user_key, {.ttl = 0}).code; },
        "IDAAS.SDK.LOGIN.1001");
  }
  {
    SCOPED_TRACE("minted for another mini program (40013)");
    const WechatApp other = add_wechat_app(env());
    expect_codes_refused(
        client,
        [&] {
          return env().sim().mint_phone_code(other.appid, new_phone_user(env()).user_key).code;
        },
        "IDAAS.SDK.LOGIN.1001");
  }
}

TEST_F(MiniProgramPhone, PhoneNumberApiFaultsAreSystemBusy) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const auto fresh = [&] { return phone_code(new_phone_user(env())); };
  const std::vector<boost::json::object> faults{
      {{"path", kPhoneNumberPath}, {"errcode", -1}, {"count", -1}},
      {{"path", kPhoneNumberPath}, {"errcode", 45011}, {"count", -1}},
      {{"path", kPhoneNumberPath}, {"http_status", 503}, {"count", -1}},
      {{"path", kPhoneNumberPath}, {"garbage", true}, {"count", -1}},
      {{"path", kPhoneNumberPath}, {"latency_ms", kUpstreamTimeoutMs + 1500}, {"count", -1}}};
  for (const auto& fault : faults) {
    SCOPED_TRACE(dump(fault));
    FaultGuard guard(env().sim(), fault);
    expect_codes_refused(client, fresh, "IDAAS.SDK.COM.0002");
  }
  EXPECT_TRUE(is_success(env().login_phone(client, fresh())));
}

TEST_F(MiniProgramPhone, StableTokenFaultsAreSystemBusyAndNeverReachThePhoneApi) {
  // A mini program whose token nobody has fetched yet, so every login needs stable_token.
  const MiniProgramApp app = app_on_fresh_miniprogram(env(), {.unbound = "auto_create"});
  const auto fresh = [&] {
    return env().sim().mint_phone_code(app.mini.appid, new_phone_user(env()).user_key).code;
  };
  const std::vector<boost::json::object> faults{
      {{"path", kStableTokenPath}, {"errcode", -1}, {"count", -1}},
      {{"path", kStableTokenPath}, {"errcode", 45011}, {"count", -1}},
      {{"path", kStableTokenPath}, {"http_status", 502}, {"count", -1}},
      {{"path", kStableTokenPath}, {"garbage", true}, {"count", -1}}};
  const auto phones = calls(kPhoneNumberPath);
  for (const auto& fault : faults) {
    SCOPED_TRACE(dump(fault));
    FaultGuard guard(env().sim(), fault);
    expect_codes_refused(app.client, fresh, "IDAAS.SDK.COM.0002");
  }
  EXPECT_EQ(calls(kPhoneNumberPath), phones);
  EXPECT_TRUE(is_success(env().login_phone(app.client, fresh())));
}

TEST_F(MiniProgramPhone, AWrongMiniProgramSecretIsSystemBusy) {
  // stable_token answers 40125: the configuration is wrong, not the user's code.
  WechatApp wrong = add_wechat_app(env());
  wrong.secret += "0";
  const std::string client = env().create_app({.unbound = "auto_create", .miniprogram_app = wrong});
  expect_codes_refused(
      client,
      [&] { return env().sim().mint_phone_code(wrong.appid, new_phone_user(env()).user_key).code; },
      "IDAAS.SDK.COM.0002");
}

}  // namespace
}  // namespace it
