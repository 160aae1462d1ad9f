// Verification codes (issue 3, docs/api.md "Verification codes"): input checks of sms/send and
// email/send, wrong codes and their limit, expiry of codes and state tokens, and the send limits
// (per target, per peer, resend interval), and those against SMS pumping (issue 16: different
// targets per flow, countries the application allows). Each fixture configures its own Env with
// small limits; every refusal is checked in English and Chinese and must change nothing but the
// audit trail.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <latch>
#include <thread>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/db_reader.hpp"
#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

// A code that is not `code` (same length, first digit changed).
std::string wrong_code(const std::string& code) {
  std::string w = code.empty() ? std::string("000000") : code;
  w[0] = w[0] == '9' ? '0' : static_cast<char>(w[0] + 1);
  return w;
}

class CodesSuite : public EnvSuite {
 protected:
  void expect_refused(const std::function<HttpResult(const Headers&)>& make,
                      std::string_view code) {
    for (Lang lang : {Lang::kEn, Lang::kZh}) {
      SCOPED_TRACE(std::string(to_string(lang)) + ", expecting " + std::string(code));
      const RowCounts before = db_state(env());
      EXPECT_TRUE(is_error(make(lang_headers(lang)), code, lang));
      EXPECT_TRUE(counts_changed_by(before, db_state(env()), {}, true));
    }
  }
  std::function<HttpResult(const Headers&)> send(const std::string& client,
                                                 const std::string& token, const char* field,
                                                 const std::string& target, const char* type) {
    const char* path = std::string_view(field) == "mobile" ? kSmsSendPath : kEmailSendPath;
    return [this, client, token, path, field, target, type](const Headers& h) {
      return post_flow(env(), path, client, token, {{field, target}, {"type", type}}, h);
    };
  }
  std::function<HttpResult(const Headers&)> register_bind(const std::string& client,
                                                          const std::string& token,
                                                          const boost::json::object& body) {
    return [this, client, token, body](const Headers& h) {
      return post_flow(env(), kRegisterBindPath, client, token, body, h);
    };
  }
};

class CodeChecks : public CodesSuite {
 protected:
  static void SetUpTestSuite() { SetUpTestSuiteWith({.verification = {.resend_interval = 1}}); }
};

TEST_F(CodeChecks, SendRefusesBadTargetsAndTypes) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  ASSERT_FALSE(token.empty());
  expect_refused(send(client, token, "mobile", "", "REGISTER_SMS"), "IDAAS.SDK.PARAM.0110");
  for (const char* bad : {"12345", "abc", "1590713285x"}) {
    SCOPED_TRACE(bad);
    expect_refused(send(client, token, "mobile", bad, "REGISTER_SMS"), "IDAAS.SDK.PARAM.0111");
  }
  expect_refused(send(client, token, "email", "", "REGISTER_EMS"), "IDAAS.SDK.PARAM.0112");
  for (const char* bad : {"not-an-email", "a@", "@example.com"}) {
    SCOPED_TRACE(bad);
    expect_refused(send(client, token, "email", bad, "REGISTER_EMS"), "IDAAS.SDK.PARAM.0113");
  }
  expect_refused(send(client, token, "mobile", unique_mobile(), "FOO"), "IDAAS.SDK.PARAM.0114");
  expect_refused(send(client, token, "email", unique_email(), "FOO"), "IDAAS.SDK.PARAM.0114");

  // The optional captcha_token is accepted (and ignored).
  EXPECT_TRUE(is_empty_ok(
      post_flow(env(), kSmsSendPath, client, token,
                {{"mobile", unique_mobile()}, {"type", "REGISTER_SMS"}, {"captcha_token", "x"}})));
}

TEST_F(CodeChecks, SendRefusesAMethodTheAppHasNotEnabled) {
  const std::string phone_only =
      env().create_app({.unbound = "register", .bind_methods = "VERIFY_PHONE"});
  const std::string t1 = start_flow(env(), phone_only, env().fresh_code());
  expect_refused(send(phone_only, t1, "email", unique_email(), "REGISTER_EMS"),
                 "IDAAS.SDK.PARAM.0116");
  const std::string email_only =
      env().create_app({.unbound = "bind", .bind_methods = "VERIFY_EMAIL"});
  const std::string t2 = start_flow(env(), email_only, env().fresh_code());
  expect_refused(send(email_only, t2, "mobile", unique_mobile(), "BIND_MOBILE_SMS"),
                 "IDAAS.SDK.PARAM.0116");
}

TEST_F(CodeChecks, MissingVerifyCodeIsRefused) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string m = unique_mobile();
  ASSERT_FALSE(send_code(env(), client, token, "mobile", m, "REGISTER_SMS").empty());
  expect_refused(register_bind(client, token, {{"mobile", m}}), "IDAAS.SDK.PARAM.0115");
  expect_refused(register_bind(client, token, {{"mobile", m}, {"verify_code", ""}}),
                 "IDAAS.SDK.PARAM.0115");
}

TEST_F(CodeChecks, AWrongCodeIsRefusedAndTheFlowGoesOn) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string m = unique_mobile();
  const std::string code = send_code(env(), client, token, "mobile", m, "REGISTER_SMS");
  ASSERT_FALSE(code.empty());
  expect_refused(register_bind(client, token, {{"mobile", m}, {"verify_code", wrong_code(code)}}),
                 "IDAAS.SDK.CAPTCHA.0007");
  // The right code for another number: a code is bound to its target.
  expect_refused(register_bind(client, token, {{"mobile", unique_mobile()}, {"verify_code", code}}),
                 "IDAAS.SDK.CAPTCHA.0007");
  EXPECT_TRUE(is_success(
      post_flow(env(), kRegisterBindPath, client, token, {{"mobile", m}, {"verify_code", code}})));
}

TEST_F(CodeChecks, TheFifthWrongTryRevokesTheCodeAndANewSendWorks) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string email = unique_email();
  const std::string code = send_code(env(), client, token, "email", email, "REGISTER_EMS");
  ASSERT_FALSE(code.empty());
  const boost::json::object wrong{{"email", email}, {"verify_code", wrong_code(code)}};
  for (int i = 1; i <= 5; ++i) {
    SCOPED_TRACE("wrong try " + std::to_string(i));
    const RowCounts before = db_state(env());
    EXPECT_TRUE(is_error(post_flow(env(), kRegisterBindPath, client, token, wrong),
                         "IDAAS.SDK.CAPTCHA.0007", Lang::kEn));
    EXPECT_TRUE(counts_changed_by(before, db_state(env()), {}, true));
  }
  // Revoked: even the right code is refused now, in both languages.
  expect_refused(register_bind(client, token, {{"email", email}, {"verify_code", code}}),
                 "IDAAS.SDK.CAPTCHA.0007");

  wait_out_resend_interval(env());
  const std::string fresh = send_code(env(), client, token, "email", email, "REGISTER_EMS");
  ASSERT_FALSE(fresh.empty());
  const HttpResult r = post_flow(env(), kRegisterBindPath, client, token,
                                 {{"email", email}, {"verify_code", fresh}});
  ASSERT_TRUE(is_success(r));
  EXPECT_EQ(string_at(api_claims(env(), r, client), "email"), email);
}

class ResendLimit : public CodesSuite {};  // the default resend_interval, 60 s

TEST_F(ResendLimit, ASecondSendToTheSameTargetWithinTheIntervalIs429) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string m = unique_mobile();
  const std::string email = unique_email();
  ASSERT_FALSE(send_code(env(), client, token, "mobile", m, "REGISTER_SMS").empty());
  ASSERT_FALSE(send_code(env(), client, token, "email", email, "REGISTER_EMS").empty());

  expect_refused(send(client, token, "mobile", m, "REGISTER_SMS"), "IDAAS.SDK.COMMON.0429");
  expect_refused(send(client, token, "mobile", dashed_mobile(m), "REGISTER_SMS"),
                 "IDAAS.SDK.COMMON.0429");
  expect_refused(send(client, token, "email", mixed_case(email), "REGISTER_EMS"),
                 "IDAAS.SDK.COMMON.0429");
  // Another flow, the same target: the limit is the target's.
  const std::string other = start_flow(env(), client, env().fresh_code());
  expect_refused(send(client, other, "mobile", spaced_mobile(m), "REGISTER_SMS"),
                 "IDAAS.SDK.COMMON.0429");
  // Other targets are not affected.
  EXPECT_FALSE(send_code(env(), client, token, "mobile", unique_mobile(), "REGISTER_SMS").empty());
}

TEST_F(ResendLimit, ConcurrentSendsToOneTargetDeliverOneCode) {
  constexpr int kThreads = 8;
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string m = unique_mobile();
  const std::size_t seen = outbox_messages(env()).size();
  std::vector<HttpResult> results(kThreads);
  std::vector<std::string> errors(kThreads);
  {
    std::latch go(kThreads);
    std::vector<std::jthread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        go.arrive_and_wait();
        try {
          results[i] = post_flow(env(), kSmsSendPath, client, token,
                                 {{"mobile", m}, {"type", "REGISTER_SMS"}});
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    }
  }
  int sent = 0;
  for (int i = 0; i < kThreads; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    EXPECT_TRUE(errors[i].empty()) << errors[i];
    if (is_empty_ok(results[i])) {
      ++sent;
    } else {
      EXPECT_TRUE(is_error(results[i], "IDAAS.SDK.COMMON.0429", Lang::kEn));
    }
  }
  EXPECT_EQ(sent, 1);
  const OutboxMessage msg = wait_outbox_message(env(), seen);
  EXPECT_EQ(outbox_messages(env()).size(), seen + 1) << "one send per target per interval";
  EXPECT_TRUE(is_success(post_flow(env(), kRegisterBindPath, client, token,
                                   {{"mobile", m}, {"verify_code", msg.code}})));
}

class TargetCap : public CodesSuite {
 protected:
  static void SetUpTestSuite() {
    SetUpTestSuiteWith({.verification = {.resend_interval = 1, .daily_cap_per_target = 2}});
  }
};

TEST_F(TargetCap, TheDailyCapPerTargetIs429) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string m = unique_mobile();
  ASSERT_FALSE(send_code(env(), client, token, "mobile", m, "REGISTER_SMS").empty());
  wait_out_resend_interval(env());
  ASSERT_FALSE(send_code(env(), client, token, "mobile", m, "REGISTER_SMS").empty());
  wait_out_resend_interval(env());
  expect_refused(send(client, token, "mobile", spaced_mobile(m), "REGISTER_SMS"),
                 "IDAAS.SDK.COMMON.0429");
  EXPECT_FALSE(send_code(env(), client, token, "mobile", unique_mobile(), "REGISTER_SMS").empty());
}

class PeerCap : public CodesSuite {
 protected:
  static void SetUpTestSuite() { SetUpTestSuiteWith({.verification = {.daily_cap_per_peer = 3}}); }
};

TEST_F(PeerCap, TheDailyCapPerPeerIs429) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  ASSERT_FALSE(send_code(env(), client, token, "mobile", unique_mobile(), "REGISTER_SMS").empty());
  ASSERT_FALSE(send_code(env(), client, token, "email", unique_email(), "REGISTER_EMS").empty());
  ASSERT_FALSE(send_code(env(), client, token, "mobile", unique_mobile(), "REGISTER_SMS").empty());
  expect_refused(send(client, token, "mobile", unique_mobile(), "REGISTER_SMS"),
                 "IDAAS.SDK.COMMON.0429");
  const std::string other = start_flow(env(), client, env().fresh_code());
  expect_refused(send(client, other, "email", unique_email(), "REGISTER_EMS"),
                 "IDAAS.SDK.COMMON.0429");
}

class CodeExpiry : public CodesSuite {
 protected:
  static void SetUpTestSuite() {
    SetUpTestSuiteWith({.verification = {.code_ttl = 2, .resend_interval = 1}});
  }
};

TEST_F(CodeExpiry, AnExpiredCodeIsRefusedAndANewOneWorks) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string m = unique_mobile();
  const std::string code = send_code(env(), client, token, "mobile", m, "REGISTER_SMS");
  ASSERT_FALSE(code.empty());
  // Past code_ttl (2 s), with a second to spare for whole-second timestamps.
  std::this_thread::sleep_for(std::chrono::seconds(env().options().verification.code_ttl + 2));
  expect_refused(register_bind(client, token, {{"mobile", m}, {"verify_code", code}}),
                 "IDAAS.SDK.CAPTCHA.0007");
  const std::string fresh = send_code(env(), client, token, "mobile", m, "REGISTER_SMS");
  ASSERT_FALSE(fresh.empty());
  EXPECT_TRUE(is_success(
      post_flow(env(), kRegisterBindPath, client, token, {{"mobile", m}, {"verify_code", fresh}})));
}

class StateTokenExpiry : public CodesSuite {
 protected:
  static void SetUpTestSuite() { SetUpTestSuiteWith({.state_token_ttl = 10}); }
};

TEST_F(StateTokenExpiry, AnExpiredStateTokenIsRefusedEvenWithAValidCode) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string m = unique_mobile();
  const std::string code = send_code(env(), client, token, "mobile", m, "REGISTER_SMS");
  ASSERT_FALSE(code.empty());
  // Past the state token's 10 s (the smallest the server accepts), with a margin.
  std::this_thread::sleep_for(std::chrono::seconds(env().options().state_token_ttl + 2));
  expect_refused(register_bind(client, token, {{"mobile", m}, {"verify_code", code}}),
                 "IDAAS.SDK.COMMON.1007");
  expect_refused(send(client, token, "email", unique_email(), "REGISTER_EMS"),
                 "IDAAS.SDK.COMMON.1007");
}

// The cap of different phones/emails per flow ([verification] targets_per_flow, default 3): one
// state token cannot walk through a list of numbers.
class FlowTargetCap : public CodesSuite {
 protected:
  static void SetUpTestSuite() { SetUpTestSuiteWith({.verification = {.resend_interval = 1}}); }
};

TEST_F(FlowTargetCap, AFlowSendsToThreeTargetsThenOnlyToThoseAgain) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string m1 = unique_mobile();
  const std::string m2 = unique_mobile();
  const std::string email = unique_email();
  ASSERT_FALSE(send_code(env(), client, token, "mobile", m1, "REGISTER_SMS").empty());
  ASSERT_FALSE(send_code(env(), client, token, "mobile", m2, "REGISTER_SMS").empty());
  ASSERT_FALSE(send_code(env(), client, token, "email", email, "REGISTER_EMS").empty());

  const std::string m4 = unique_mobile();
  expect_refused(send(client, token, "mobile", m4, "REGISTER_SMS"), "IDAAS.SDK.COMMON.0429");
  expect_refused(send(client, token, "email", unique_email(), "REGISTER_EMS"),
                 "IDAAS.SDK.COMMON.0429");

  // Its own targets are served again (in any spelling), once the resend interval is over.
  wait_out_resend_interval(env());
  ASSERT_FALSE(
      send_code(env(), client, token, "mobile", spaced_mobile(m1), "REGISTER_SMS").empty());
  const std::string code = send_code(env(), client, token, "email", email, "REGISTER_EMS");
  ASSERT_FALSE(code.empty());
  // Another flow may reach the fourth number.
  const std::string other = start_flow(env(), client, env().fresh_code());
  EXPECT_FALSE(send_code(env(), client, other, "mobile", m4, "REGISTER_SMS").empty());
  // And the capped flow completes with a code of one of its targets.
  EXPECT_TRUE(is_success(post_flow(env(), kRegisterBindPath, client, token,
                                   {{"email", email}, {"verify_code", code}})));
}

// Numbers of a country the application does not allow (allowed_country_codes, default 86).
class CountryCodes : public CodesSuite {
 protected:
  static void SetUpTestSuite() { SetUpTestSuiteWith({.verification = {.resend_interval = 1}}); }
  static std::string hong_kong_mobile() { return "+852 9" + unique_mobile().substr(4); }
};

TEST_F(CountryCodes, ANumberOfACountryTheAppDoesNotAllowIsRefusedAndChangesNothing) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::size_t seen = outbox_messages(env()).size();
  expect_refused(send(client, token, "mobile", hong_kong_mobile(), "REGISTER_SMS"),
                 "IDAAS.SDK.PARAM.0122");
  expect_refused(send(client, token, "mobile", "+1 415 555 0123", "REGISTER_SMS"),
                 "IDAAS.SDK.PARAM.0122");
  EXPECT_EQ(outbox_messages(env()).size(), seen) << "nothing was sent";
  EXPECT_EQ(query_int(env().db(), "SELECT COUNT(*) FROM leases"), 0);

  // Refusals took none of the flow's three targets; mainland numbers and emails go out.
  ASSERT_FALSE(send_code(env(), client, token, "mobile", unique_mobile(), "REGISTER_SMS").empty());
  ASSERT_FALSE(send_code(env(), client, token, "mobile", unique_mobile(), "REGISTER_SMS").empty());
  EXPECT_FALSE(send_code(env(), client, token, "email", unique_email(), "REGISTER_EMS").empty());
}

TEST_F(CountryCodes, AnApplicationAllowingACountryGetsItsNumbersCodes) {
  const std::string client = env().create_app({.allowed_country_codes = "86,852"});
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string hk = hong_kong_mobile();
  const std::string code = send_code(env(), client, token, "mobile", hk, "REGISTER_SMS");
  ASSERT_FALSE(code.empty());
  expect_refused(send(client, token, "mobile", "+1 415 555 0123", "REGISTER_SMS"),
                 "IDAAS.SDK.PARAM.0122");
  const HttpResult r =
      post_flow(env(), kRegisterBindPath, client, token, {{"mobile", hk}, {"verify_code", code}});
  ASSERT_TRUE(is_success(r));
}

}  // namespace
}  // namespace it
