// notify: the SMTP sender (libcurl) against a real SMTP sink on loopback: plain, STARTTLS and
// implicit TLS with a throwaway certificate, AUTH, refusals, unreachable and silent servers.
#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <stdexcept>

#include "exec/runtime.hpp"
#include "notify/smtp.hpp"
#include "support/loopback_listener.hpp"
#include "support/smtp_sink.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

using namespace std::chrono_literals;
using test_support::SmtpMessage;
using test_support::SmtpSink;

const std::string kSubject = "您的验证码 Your verification code";
const std::string kText = "您的验证码是 123456，5 分钟内有效。\r\nYour code is 123456.\r\n";

Notification email(std::string to = "user@example.com") {
  return Notification{Channel::kEmail, std::move(to), kSubject, kText, "BIND_EMAIL_EMS", "req-9"};
}

// co_spawn's future needs a default-constructible value, which Status deliberately is not.
Task<std::optional<Status>> boxed(Task<Status> task) {
  co_return co_await std::move(task);
}

class SmtpTest : public testing::LiveRuntime {
 protected:
  static SmtpOptions options_for(const SmtpSink& sink, SmtpSecurity security) {
    SmtpOptions options;
    options.host = "127.0.0.1";
    options.port = sink.port();
    options.security = security;
    options.from = "身份服务 <noreply@example.com>";
    options.ca_file = sink.ca_file();
    options.timeout_ms = 5s;  // a bound for a broken test, never reached when it passes
    return options;
  }
  Status deliver(SmtpOptions options, const Notification& message) {
    SmtpEmailSender sender(pool_, std::move(options));
    return *await(boxed(sender.deliver(message)));
  }
  static void expect_send_failed(const Status& sent) {
    ASSERT_FALSE(sent);
    EXPECT_EQ(sent.error().code, ErrorCode::kCodeSendFailed);
    EXPECT_EQ(sent.error().detail.find("123456"), std::string::npos) << "no message text in logs";
  }

  BlockingPool pool_{2};  // destroyed before the runtime, as BlockingPool requires
};

TEST_F(SmtpTest, PlainDeliveryHasTheEnvelopeHeadersAndABase64Utf8Body) {
  SmtpSink sink;
  ASSERT_TRUE(deliver(options_for(sink, SmtpSecurity::kNone), email()));

  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1U);
  const SmtpMessage& m = messages[0];
  EXPECT_FALSE(m.tls);
  EXPECT_EQ(m.auth_mechanism, "");
  EXPECT_EQ(m.mail_from, "noreply@example.com");
  EXPECT_EQ(m.recipients, std::vector<std::string>{"user@example.com"});
  EXPECT_EQ(m.header("To"), "user@example.com");
  EXPECT_EQ(m.decoded_header("From"), "身份服务 <noreply@example.com>");
  EXPECT_EQ(m.decoded_header("Subject"), kSubject);
  EXPECT_NE(m.header("Subject"), kSubject) << "non-ASCII must travel as RFC 2047 words";
  EXPECT_EQ(m.header("MIME-Version"), "1.0");
  EXPECT_EQ(m.header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(m.header("Content-Transfer-Encoding"), "base64");
  EXPECT_TRUE(std::regex_match(m.header("Message-ID"), std::regex("<[0-9a-f]{32}@example\\.com>")))
      << m.header("Message-ID");
  EXPECT_TRUE(std::regex_match(
      m.header("Date"),
      std::regex("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000")))
      << m.header("Date");
  EXPECT_EQ(m.text(), kText);
  // Every line within RFC 5322's recommended 78 characters, and only ASCII on the wire.
  std::size_t at = 0;
  while (at < m.data.size()) {
    auto end = m.data.find("\r\n", at);
    if (end == std::string::npos) end = m.data.size();
    EXPECT_LE(end - at, 78U) << m.data.substr(at, end - at);
    at = end + 2;
  }
  for (const char c : m.data) ASSERT_LT(static_cast<unsigned char>(c), 0x80);
}

TEST_F(SmtpTest, StartTlsCarriesAuthLoginCredentialsOverTls) {
  SmtpSink sink({.tls = SmtpSink::Tls::kStartTls, .auth_mechanisms = "LOGIN"});
  auto options = options_for(sink, SmtpSecurity::kStartTls);
  options.username = "mailer@example.com";
  options.password = "p@ss 密码";
  ASSERT_TRUE(deliver(options, email()));

  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_TRUE(messages[0].tls);
  EXPECT_EQ(messages[0].auth_mechanism, "LOGIN");
  EXPECT_EQ(messages[0].username, "mailer@example.com");
  EXPECT_EQ(messages[0].password, "p@ss 密码");
  EXPECT_EQ(messages[0].text(), kText);
}

TEST_F(SmtpTest, ImplicitTlsCarriesAuthPlainCredentials) {
  SmtpSink sink({.tls = SmtpSink::Tls::kImplicit, .auth_mechanisms = "PLAIN"});
  auto options = options_for(sink, SmtpSecurity::kTls);
  options.username = "mailer";
  options.password = "secret";
  ASSERT_TRUE(deliver(options, email()));

  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_TRUE(messages[0].tls);
  EXPECT_EQ(messages[0].auth_mechanism, "PLAIN");
  EXPECT_EQ(messages[0].username, "mailer");
  EXPECT_EQ(messages[0].password, "secret");
}

TEST_F(SmtpTest, StartTlsIsRequiredNeverSkipped) {
  SmtpSink sink;  // offers no STARTTLS
  expect_send_failed(deliver(options_for(sink, SmtpSecurity::kStartTls), email()));
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(SmtpTest, AnUntrustedCertificateIsRefused) {
  SmtpSink sink({.tls = SmtpSink::Tls::kStartTls});
  auto options = options_for(sink, SmtpSecurity::kStartTls);
  options.ca_file.clear();  // the system store does not know the throwaway certificate
  expect_send_failed(deliver(options, email()));
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(SmtpTest, ARecipientRefusalIsCodeSendFailed) {
  SmtpSink sink;
  sink.reject_at(SmtpSink::Stage::kRcptTo, "550 5.1.1 no such user");
  const Status sent = deliver(options_for(sink, SmtpSecurity::kNone), email());
  expect_send_failed(sent);
  EXPECT_NE(sent.error().detail.find("550"), std::string::npos) << sent.error().detail;
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(SmtpTest, ARefusalAfterTheDataIsCodeSendFailed) {
  SmtpSink sink;
  sink.reject_at(SmtpSink::Stage::kData, "554 5.7.1 looks like spam");
  expect_send_failed(deliver(options_for(sink, SmtpSecurity::kNone), email()));
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(SmtpTest, TheSinkAcceptsAgainAfterARefusalIsLifted) {
  SmtpSink sink;
  sink.reject_at(SmtpSink::Stage::kMailFrom, "553 5.1.8 sender refused");
  expect_send_failed(deliver(options_for(sink, SmtpSecurity::kNone), email()));
  sink.reject_at(SmtpSink::Stage::kNone);
  EXPECT_TRUE(deliver(options_for(sink, SmtpSecurity::kNone), email()));
  EXPECT_EQ(sink.messages().size(), 1U);
}

TEST_F(SmtpTest, AnUnreachableHostIsCodeSendFailed) {
  const test_support::RefusingPort closed;
  SmtpOptions options;
  options.host = "127.0.0.1";
  options.port = closed.port();
  options.security = SmtpSecurity::kNone;
  options.from = "noreply@example.com";
  options.timeout_ms = 500ms;
  expect_send_failed(deliver(options, email()));
}

TEST_F(SmtpTest, AServerThatNeverGreetsTimesOut) {
  // Accepts and then says nothing: only the timeout can end the session.
  test_support::LoopbackListener silent([](test_support::Connection& connection) {
    while (connection.read_line()) {
    }
  });
  SmtpOptions options;
  options.host = "127.0.0.1";
  options.port = silent.port();
  options.security = SmtpSecurity::kNone;
  options.from = "noreply@example.com";
  options.timeout_ms = 200ms;
  const Status sent = deliver(options, email());
  expect_send_failed(sent);
  EXPECT_NE(sent.error().detail.find("imeout"), std::string::npos) << sent.error().detail;
}

TEST_F(SmtpTest, ARecipientThatCouldInjectHeadersIsRefusedBeforeConnecting) {
  SmtpSink sink;
  expect_send_failed(
      deliver(options_for(sink, SmtpSecurity::kNone), email("user@example.com\r\nBcc: x@y.com")));
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(SmtpTest, ConfigurationErrorsThrowAtConstruction) {
  SmtpSink sink;
  auto make = [&](SmtpOptions o) { SmtpEmailSender sender(pool_, std::move(o)); };
  auto options = options_for(sink, SmtpSecurity::kNone);
  auto broken = options;
  broken.host.clear();
  EXPECT_THROW(make(broken), std::invalid_argument);
  broken.host = "user@relay.example/path";
  EXPECT_THROW(make(broken), std::invalid_argument);
  broken = options;
  broken.from = "not an address";
  EXPECT_THROW(make(broken), std::invalid_argument);
  broken = options;
  broken.timeout_ms = 0ms;
  EXPECT_THROW(make(broken), std::invalid_argument);
  EXPECT_NO_THROW(make(options));
}

}  // namespace
}  // namespace ciamd
