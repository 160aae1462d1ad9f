// Delivery of verification codes through the real senders (issue 3, docs/notify.md): SMS as a
// signed JSON POST to a webhook (a loopback WebhookReceiver), email through SMTP (a loopback
// SmtpSink). The delivered code completes the flow; a failed delivery is CAPTCHA.0006, changes
// nothing and does not count against the resend limit.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <chrono>
#include <ctime>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"
#include "support/smtp_sink.hpp"
#include "support/webhook_receiver.hpp"

namespace it {
namespace {

using ciamd::test_support::SmtpSink;
using ciamd::test_support::WebhookRequest;

constexpr auto kWait = std::chrono::seconds(10);

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[p[i] >> 4]);
    out.push_back(kHex[p[i] & 15]);
  }
  return out;
}

// Checks X-Ciamd-Signature: t=<unix seconds>,v1=hex(HMAC-SHA256(secret, t + "." + body)).
::testing::AssertionResult signed_with(const WebhookRequest& req, const std::string& secret) {
  const std::string sig = req.header("X-Ciamd-Signature");
  const auto comma = sig.find(',');
  if (sig.rfind("t=", 0) != 0 || comma == std::string::npos ||
      sig.compare(comma + 1, 3, "v1=") != 0) {
    return ::testing::AssertionFailure() << "malformed X-Ciamd-Signature: \"" << sig << "\"";
  }
  const std::string t = sig.substr(2, comma - 2);
  const std::string v1 = sig.substr(comma + 4);
  const std::string signed_text = t + "." + req.body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac,
           &len) == nullptr) {
    return ::testing::AssertionFailure() << "HMAC failed";
  }
  if (hex(mac, len) != v1) {
    return ::testing::AssertionFailure() << "signature does not verify: " << sig;
  }
  const long long stamp = std::stoll(t);
  const long long now = static_cast<long long>(std::time(nullptr));
  if (stamp < now - 300 || stamp > now + 300) {
    return ::testing::AssertionFailure() << "t is not the current time: " << t;
  }
  return ::testing::AssertionSuccess();
}

class Delivery : public EnvSuite {
 protected:
  static void SetUpTestSuite() {
    SetUpTestSuiteWith({.notify = {.sms = "webhook", .email = "smtp"}});
  }
  void SetUp() override {
    EnvSuite::SetUp();
    if (HasFatalFailure()) return;
    env().webhook().script({200});
    env().smtp().reject_at(SmtpSink::Stage::kNone);
  }
};

TEST_F(Delivery, SmsGoesToTheWebhookSignedAndItsCodeCompletesTheFlow) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string m = unique_mobile();
  const std::size_t seen = env().webhook().requests().size();
  ASSERT_TRUE(is_empty_ok(post_flow(env(), kSmsSendPath, client, token,
                                    {{"mobile", spaced_mobile(m)}, {"type", "REGISTER_SMS"}})));
  ASSERT_TRUE(env().webhook().wait_for_requests(seen + 1, kWait));
  const auto requests = env().webhook().requests();
  ASSERT_EQ(requests.size(), seen + 1);
  const WebhookRequest& req = requests.back();
  EXPECT_EQ(req.method, "POST");
  EXPECT_NE(req.header("Content-Type").find("application/json"), std::string::npos);
  EXPECT_TRUE(signed_with(req, env().options().notify.webhook_secret));
  const boost::json::value v = parse_json(req.body, "webhook body");
  ASSERT_TRUE(v.is_object()) << req.body;
  const boost::json::object& o = v.as_object();
  EXPECT_EQ(string_at(o, "channel"), "sms") << req.body;
  EXPECT_EQ(string_at(o, "to"), "+86" + m) << req.body;
  EXPECT_EQ(string_at(o, "purpose"), "REGISTER_SMS") << req.body;
  EXPECT_FALSE(string_at(o, "request_id").empty()) << req.body;
  const std::string code = code_in(string_at(o, "text"));
  ASSERT_EQ(code.size(), 6U) << req.body;

  const HttpResult r =
      post_flow(env(), kRegisterBindPath, client, token, {{"mobile", m}, {"verify_code", code}});
  ASSERT_TRUE(is_success(r));
  EXPECT_EQ(string_at(api_claims(env(), r, client), "mobile"), dashed_mobile(m));
}

TEST_F(Delivery, AFailingWebhookIsCaptcha0006AndDoesNotCountAsASend) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string m = unique_mobile();
  const int attempts = env().options().notify.webhook_max_attempts;
  env().webhook().script({500});
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    SCOPED_TRACE(to_string(lang));
    const std::size_t seen = env().webhook().requests().size();
    const RowCounts before = db_state(env());
    const HttpResult r = post_flow(env(), kSmsSendPath, client, token,
                                   {{"mobile", m}, {"type", "REGISTER_SMS"}}, lang_headers(lang));
    EXPECT_TRUE(is_error(r, "IDAAS.SDK.CAPTCHA.0006", lang));
    EXPECT_TRUE(counts_changed_by(before, db_state(env()), {}, true));
    // Every attempt was made (a 5xx is retried), and no more.
    EXPECT_TRUE(env().webhook().wait_for_requests(seen + attempts, kWait));
    EXPECT_EQ(env().webhook().requests().size(), seen + attempts);
  }
  // The gateway is back: an immediate retry to the same number is not a resend.
  env().webhook().script({200});
  const std::size_t seen = env().webhook().requests().size();
  ASSERT_TRUE(is_empty_ok(
      post_flow(env(), kSmsSendPath, client, token, {{"mobile", m}, {"type", "REGISTER_SMS"}})));
  ASSERT_TRUE(env().webhook().wait_for_requests(seen + 1, kWait));
  const boost::json::value v = parse_json(env().webhook().requests().back().body, "webhook body");
  const std::string code = code_in(string_at(v.as_object(), "text"));
  EXPECT_TRUE(is_success(
      post_flow(env(), kRegisterBindPath, client, token, {{"mobile", m}, {"verify_code", code}})));
}

TEST_F(Delivery, EmailGoesThroughSmtpAndItsCodeCompletesTheFlow) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string email = unique_email();
  const std::size_t seen = env().smtp().messages().size();
  ASSERT_TRUE(is_empty_ok(post_flow(env(), kEmailSendPath, client, token,
                                    {{"email", mixed_case(email)}, {"type", "REGISTER_EMS"}})));
  ASSERT_TRUE(env().smtp().wait_for_messages(seen + 1, kWait));
  const auto messages = env().smtp().messages();
  ASSERT_EQ(messages.size(), seen + 1);
  const auto& mail = messages.back();
  EXPECT_EQ(mail.mail_from, env().options().notify.smtp_from);
  ASSERT_EQ(mail.recipients.size(), 1U);
  std::string to = mail.recipients[0];
  std::transform(to.begin(), to.end(), to.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_EQ(to, email);
  EXPECT_FALSE(mail.decoded_header("Subject").empty()) << mail.data;
  const std::string code = code_in(mail.text());
  ASSERT_EQ(code.size(), 6U) << mail.text();

  const HttpResult r =
      post_flow(env(), kRegisterBindPath, client, token, {{"email", email}, {"verify_code", code}});
  ASSERT_TRUE(is_success(r));
  EXPECT_EQ(string_at(api_claims(env(), r, client), "email"), email);
}

TEST_F(Delivery, ARefusingMailServerIsCaptcha0006AndDoesNotCountAsASend) {
  const std::string client = env().create_app();
  const std::string token = start_flow(env(), client, env().fresh_code());
  const std::string email = unique_email();
  env().smtp().reject_at(SmtpSink::Stage::kRcptTo);
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    SCOPED_TRACE(to_string(lang));
    const RowCounts before = db_state(env());
    const HttpResult r =
        post_flow(env(), kEmailSendPath, client, token,
                  {{"email", email}, {"type", "REGISTER_EMS"}}, lang_headers(lang));
    EXPECT_TRUE(is_error(r, "IDAAS.SDK.CAPTCHA.0006", lang));
    EXPECT_TRUE(counts_changed_by(before, db_state(env()), {}, true));
  }
  env().smtp().reject_at(SmtpSink::Stage::kNone);
  const std::size_t seen = env().smtp().messages().size();
  ASSERT_TRUE(is_empty_ok(post_flow(env(), kEmailSendPath, client, token,
                                    {{"email", email}, {"type", "REGISTER_EMS"}})));
  ASSERT_TRUE(env().smtp().wait_for_messages(seen + 1, kWait));
  const std::string code = code_in(env().smtp().messages().back().text());
  EXPECT_TRUE(is_success(post_flow(env(), kRegisterBindPath, client, token,
                                   {{"email", email}, {"verify_code", code}})));
}

}  // namespace
}  // namespace it
