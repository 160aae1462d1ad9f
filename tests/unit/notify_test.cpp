// notify: the webhook and outbox senders against a real receiver on loopback and a real file,
// plus the message formats. The SMTP sender is in notify_smtp_test.cpp.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <random>
#include <stdexcept>
#include <vector>

#include "net/client.hpp"
#include "notify/format.hpp"
#include "notify/mime.hpp"
#include "notify/outbox.hpp"
#include "notify/webhook.hpp"
#include "support/webhook_receiver.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

using namespace std::chrono_literals;
using test_support::RefusingPort;
using test_support::WebhookReceiver;

Notification sms(std::string text = "Your code is 123456") {
  return Notification{Channel::kSms,   "+8615907132852", "",
                      std::move(text), "REGISTER_SMS",   "req-1"};
}

// HMAC-SHA256 through OpenSSL directly, so the check does not reuse the code under test.
std::string hex_hmac_sha256(const std::string& key, const std::string& data) {
  std::array<unsigned char, 32> mac{};
  std::size_t length = 0;
  const auto* out = EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                              reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                              mac.data(), mac.size(), &length);
  if (out == nullptr || length != mac.size()) throw std::runtime_error("HMAC failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (const unsigned char b : mac) {
    hex += kHex[b >> 4];
    hex += kHex[b & 0xf];
  }
  return hex;
}

// co_spawn's future needs a default-constructible value, which Status deliberately is not.
Task<std::optional<Status>> boxed(Task<Status> task) {
  co_return co_await std::move(task);
}

class WebhookTest : public testing::LiveRuntime {
 protected:
  WebhookOptions options(const WebhookReceiver& gateway) const {
    return WebhookOptions{gateway.url("/gateway/sms"), "s3cret-key", 3, 1ms};
  }
  Status deliver(WebhookOptions opts, const Notification& message) {
    WebhookSmsSender sender(client_, std::move(opts));
    return *await(boxed(sender.deliver(message)));
  }

  HttpClient client_{runtime_, ClientOptions{}};
};

TEST_F(WebhookTest, PostsSignedJsonThatTheGatewayCanVerify) {
  WebhookReceiver gateway({200});
  const Notification message = sms("您的验证码是 123456");
  ASSERT_TRUE(deliver(options(gateway), message));

  const auto requests = gateway.requests();
  ASSERT_EQ(requests.size(), 1U);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/gateway/sms");
  EXPECT_EQ(request.header("Content-Type"), "application/json");
  const auto body = boost::json::parse(request.body).as_object();
  EXPECT_EQ(body.at("channel").as_string(), "sms");
  EXPECT_EQ(body.at("to").as_string(), "+8615907132852");
  EXPECT_EQ(body.at("text").as_string(), "您的验证码是 123456");
  EXPECT_EQ(body.at("purpose").as_string(), "REGISTER_SMS");
  EXPECT_EQ(body.at("request_id").as_string(), "req-1");
  EXPECT_EQ(body.at("sent_at").as_string().size(), std::string("2024-05-01T08:00:00Z").size());

  // What a gateway does: split the header, recompute over "<t>.<raw body>", compare.
  const std::string signature = request.header("X-Ciamd-Signature");
  ASSERT_TRUE(signature.starts_with("t=")) << signature;
  const auto comma = signature.find(",v1=");
  ASSERT_NE(comma, std::string::npos) << signature;
  const std::string t = signature.substr(2, comma - 2);
  EXPECT_GT(std::stoll(t), 1'700'000'000);
  EXPECT_EQ(signature.substr(comma + 4), hex_hmac_sha256("s3cret-key", t + "." + request.body));
  EXPECT_NE(signature.substr(comma + 4), hex_hmac_sha256("other-key", t + "." + request.body));
}

TEST_F(WebhookTest, RetriesServerErrorsAndSucceedsOnTheThirdAttempt) {
  WebhookReceiver gateway({503, 503, 200});
  ASSERT_TRUE(deliver(options(gateway), sms()));
  const auto requests = gateway.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[0].body, requests[2].body);  // the same message every time
}

TEST_F(WebhookTest, ClientErrorFailsAtOnceWithoutRetry) {
  WebhookReceiver gateway({400, 200});
  const Status sent = deliver(options(gateway), sms());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kCodeSendFailed);
  EXPECT_NE(sent.error().detail.find("HTTP 400"), std::string::npos) << sent.error().detail;
  EXPECT_EQ(gateway.requests().size(), 1U);
}

TEST_F(WebhookTest, GivesUpAfterMaxAttemptsOfServerErrors) {
  WebhookReceiver gateway({503});
  auto opts = options(gateway);
  opts.max_attempts = 4;
  const Status sent = deliver(opts, sms());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kCodeSendFailed);
  EXPECT_NE(sent.error().detail.find("HTTP 503"), std::string::npos) << sent.error().detail;
  EXPECT_EQ(gateway.requests().size(), 4U);
}

TEST_F(WebhookTest, UnreachableGatewayFailsWithCodeSendFailed) {
  const RefusingPort closed;
  const std::string url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/sms";
  const Status sent = deliver(WebhookOptions{url, "key", 2, 1ms}, sms());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kCodeSendFailed);
  EXPECT_EQ(sent.error().detail.find("/sms"), std::string::npos) << "no path in the log";
}

TEST_F(WebhookTest, NeverLeaksTheSecretOrTheTextIntoTheFailure) {
  WebhookReceiver gateway({503});
  const Status sent = deliver(options(gateway), sms("code 987654"));
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().detail.find("s3cret-key"), std::string::npos);
  EXPECT_EQ(sent.error().detail.find("987654"), std::string::npos);
}

TEST(WebhookRules, RetryDelayDoublesFromTheBackoff) {
  const WebhookOptions options{"http://127.0.0.1/", "k", 3, 200ms};
  EXPECT_EQ(WebhookSmsSender::delay_after(options, 1), 200ms);
  EXPECT_EQ(WebhookSmsSender::delay_after(options, 2), 400ms);
  EXPECT_EQ(WebhookSmsSender::delay_after(options, 3), 800ms);
}

TEST(WebhookRules, SignatureMatchesAnIndependentHmac) {
  EXPECT_EQ(WebhookSmsSender::signature("key", 1714550400, R"({"a":1})"),
            "t=1714550400,v1=" + hex_hmac_sha256("key", R"(1714550400.{"a":1})"));
}

TEST(WebhookRules, ConfigurationErrorsThrowAtConstruction) {
  Runtime runtime(1);
  HttpClient client(runtime, ClientOptions{});
  auto make = [&](WebhookOptions o) { WebhookSmsSender sender(client, std::move(o)); };
  EXPECT_THROW(make({"ftp://gateway/", "k", 3, 1ms}), std::invalid_argument);
  EXPECT_THROW(make({"/relative", "k", 3, 1ms}), std::invalid_argument);
  EXPECT_THROW(make({"http://gateway/", "", 3, 1ms}), std::invalid_argument);
  EXPECT_THROW(make({"http://gateway/", "k", 0, 1ms}), std::invalid_argument);
  EXPECT_THROW(make({"http://gateway/", "k", 11, 1ms}), std::invalid_argument);
  EXPECT_THROW(make({"http://gateway/", "k", 3, -1ms}), std::invalid_argument);
  EXPECT_NO_THROW(make({"https://gateway.example/sms", "k", 1, 0ms}));
}

// --- outbox ----------------------------------------------------------------------------------

class TempFile {
 public:
  TempFile() {
    std::random_device random;
    path_ = (std::filesystem::temp_directory_path() /
             ("ciamd-outbox-" + std::to_string(random()) + std::to_string(random()) + ".jsonl"))
                .string();
  }
  ~TempFile() {
    std::error_code ignored;  // a leftover temporary file must not fail a test
    std::filesystem::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

  std::vector<boost::json::object> lines() const {
    std::ifstream in(path_);
    std::vector<boost::json::object> out;
    for (std::string line; std::getline(in, line);) {
      out.push_back(boost::json::parse(line).as_object());
    }
    return out;
  }

 private:
  std::string path_;
};

class OutboxTest : public testing::LiveRuntime {
 protected:
  Status deliver(OutboxSender& outbox, const Notification& message) {
    return *await(boxed(outbox.deliver(message)));
  }
};

TEST_F(OutboxTest, AppendsOneJsonLinePerMessageReadableOnlyByTheOwner) {
  const TempFile file;
  OutboxSender outbox(file.path());
  ASSERT_TRUE(deliver(outbox, sms()));
  const Notification email{Channel::kEmail,       "user@example.com", "验证码",
                           "您的验证码是 654321", "BIND_EMAIL_EMS",   "req-2"};
  ASSERT_TRUE(deliver(outbox, email));

  const auto lines = file.lines();
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].at("channel").as_string(), "sms");
  EXPECT_EQ(lines[0].at("to").as_string(), "+8615907132852");
  EXPECT_EQ(lines[0].at("subject").as_string(), "");
  EXPECT_EQ(lines[0].at("text").as_string(), "Your code is 123456");
  EXPECT_EQ(lines[0].at("purpose").as_string(), "REGISTER_SMS");
  EXPECT_EQ(lines[0].at("request_id").as_string(), "req-1");
  EXPECT_TRUE(lines[0].at("at").as_string().ends_with("Z"));
  EXPECT_EQ(lines[1].at("channel").as_string(), "email");
  EXPECT_EQ(lines[1].at("to").as_string(), "user@example.com");
  EXPECT_EQ(lines[1].at("subject").as_string(), "验证码");
  EXPECT_EQ(lines[1].at("text").as_string(), "您的验证码是 654321");
  EXPECT_EQ(lines[1].at("purpose").as_string(), "BIND_EMAIL_EMS");

  struct stat info {};
  ASSERT_EQ(::stat(file.path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
}

TEST_F(OutboxTest, ConcurrentMessagesNeverInterleave) {
  const TempFile file;
  OutboxSender outbox(file.path());
  const Notification message = sms(std::string(4000, 'x'));  // long enough to tear if unlocked
  std::vector<std::future<std::optional<Status>>> pending;
  pending.reserve(40);
  for (int i = 0; i < 40; ++i) {
    pending.push_back(boost::asio::co_spawn(runtime_.io(), boxed(outbox.deliver(message)),
                                            boost::asio::use_future));
  }
  for (auto& p : pending) ASSERT_TRUE(*p.get());
  const auto lines = file.lines();  // every line parses, so none was torn
  ASSERT_EQ(lines.size(), 40U);
  for (const auto& line : lines) EXPECT_EQ(line.at("text").as_string().size(), 4000U);
}

TEST_F(OutboxTest, UnwritablePathFailsWithCodeSendFailed) {
  OutboxSender outbox("/nonexistent-dir-for-ciamd-tests/outbox.jsonl");
  const Status sent = deliver(outbox, sms());
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().code, ErrorCode::kCodeSendFailed);
}

// --- formats ---------------------------------------------------------------------------------

TEST(NotifyFormat, Dates) {
  EXPECT_EQ(notify::rfc3339_utc(1714550400), "2024-05-01T08:00:00Z");
  EXPECT_EQ(notify::rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(notify::rfc5322_date(1700000000), "Tue, 14 Nov 2023 22:13:20 +0000");
}

TEST(NotifyMime, Addresses) {
  EXPECT_TRUE(notify::is_plain_address("user.name+tag@example.com"));
  EXPECT_FALSE(notify::is_plain_address("user@example.com\r\nBcc: x@y"));
  EXPECT_FALSE(notify::is_plain_address("<user@example.com>"));
  EXPECT_FALSE(notify::is_plain_address("a@b@c"));
  EXPECT_FALSE(notify::is_plain_address("@example.com"));
  EXPECT_FALSE(notify::is_plain_address("user@"));
  EXPECT_FALSE(notify::is_plain_address("用户@example.com"));

  const auto plain = notify::parse_mailbox("noreply@example.com");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->display_name, "");
  const auto named = notify::parse_mailbox("\"Example ID\" <noreply@example.com>");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->display_name, "Example ID");
  EXPECT_EQ(named->address, "noreply@example.com");
  EXPECT_FALSE(notify::parse_mailbox("Example <not an address>"));
  EXPECT_FALSE(notify::parse_mailbox("Evil\r\nBcc: x@y <noreply@example.com>"));
}

TEST(NotifyMime, HeaderTextIsPlainAsciiOrShortEncodedWords) {
  EXPECT_EQ(notify::encode_header_text("Your code"), "Your code");
  EXPECT_EQ(notify::encode_header_text("a=?b"), "=?UTF-8?B?YT0/Yg==?=");
  EXPECT_EQ(notify::encode_header_text("line\r\nBcc: x"), "=?UTF-8?B?bGluZQ0KQmNjOiB4?=");
  std::string subject;
  for (int i = 0; i < 60; ++i) subject += "验";
  const std::string encoded = notify::encode_header_text(subject);
  std::size_t words = 0;
  for (std::size_t at = 0; at < encoded.size();) {
    auto end = encoded.find("\r\n ", at);
    if (end == std::string::npos) end = encoded.size();
    const std::string word = encoded.substr(at, end - at);
    EXPECT_LE(word.size(), 68U) << word;
    EXPECT_TRUE(word.starts_with("=?UTF-8?B?") && word.ends_with("?=")) << word;
    ++words;
    at = end == encoded.size() ? end : end + 3;
  }
  EXPECT_EQ(words, 5U);  // 14 characters (42 bytes) per word: 60 / 14 rounded up
}

TEST(NotifyMime, Base64BodyLinesAreAtMost76Characters) {
  const std::string lines = notify::base64_lines(std::string(200, 'a'));
  std::size_t at = 0;
  std::size_t count = 0;
  while (at < lines.size()) {
    const auto end = lines.find("\r\n", at);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - at, 76U);
    at = end + 2;
    ++count;
  }
  EXPECT_EQ(count, 4U);  // 200 bytes are 268 characters
}

}  // namespace
}  // namespace ciamd
