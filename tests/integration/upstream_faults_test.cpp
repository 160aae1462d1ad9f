// What the WeChat login does when the provider says no or misbehaves: invalid and reused codes get
// the project's LOGIN.1002 (HTTP 400); provider errors, timeouts, bad gateways, garbage, an
// unreachable host and an untrusted certificate all get COM.0002 (HTTP 500). None of them may
// change anything but the audit trail.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "integration/support/suite.hpp"

namespace it {
namespace {

constexpr const char* kExchangePath = "/sns/oauth2/access_token";

class UpstreamFaults : public EnvSuite {
 protected:
  void SetUp() override {
    EnvSuite::SetUp();
    if (!HasFatalFailure()) client_ = env().create_app({.unbound = "auto_create"});
  }

  // Logs in with code() once per language; each answer must be `error_code` in that language and
  // change nothing but one audit row. Returns the English and Chinese answers.
  std::pair<HttpResult, HttpResult> expect_failure(const std::function<std::string()>& code,
                                                   std::string_view error_code) {
    HttpResult answers[2];
    for (Lang lang : {Lang::kEn, Lang::kZh}) {
      SCOPED_TRACE(std::string("X-L ") + to_string(lang));
      const std::string c = code();
      const RowCounts before = env().row_counts();
      const HttpResult r = env().login_wechat(client_, c, lang_headers(lang));
      EXPECT_TRUE(is_error(r, error_code, lang));
      EXPECT_TRUE(
          counts_changed_by(before, env().settle_audit(before, 1), {{"audit_events", 1}}, true));
      answers[lang == Lang::kZh ? 1 : 0] = r;
    }
    return {answers[0], answers[1]};
  }

  std::string client_;
};

TEST_F(UpstreamFaults, UnknownCodeIsInvalidCode) {
  const auto [en, zh] =
      expect_failure([] { return unique_name("never-minted"); }, "IDAAS.SDK.LOGIN.1002");
  EXPECT_TRUE(messages_differ(en, zh));
}

TEST_F(UpstreamFaults, CodeUsedTwiceIsInvalidCodeTheSecondTime) {
  const auto [en, zh] = expect_failure(
      [&] {
        const std::string code = env().fresh_code();
        EXPECT_TRUE(is_success(env().login_wechat(client_, code)));
        return code;
      },
      "IDAAS.SDK.LOGIN.1002");
  EXPECT_TRUE(messages_differ(en, zh));
}

TEST_F(UpstreamFaults, CodeMintedForAnotherWechatAppIsInvalidCode) {
  const std::string other_appid = unique_name("wxother");
  env().sim().add_wechat_app(other_appid, "other-secret");
  expect_failure([&] { return env().mint_code(other_appid, env().new_wechat_user().user_key); },
                 "IDAAS.SDK.LOGIN.1002");
}

TEST_F(UpstreamFaults, ProviderSystemErrorIsSystemBusy) {
  FaultGuard fault(env().sim(), {{"path", kExchangePath}, {"errcode", -1}, {"count", -1}});
  expect_failure([&] { return env().fresh_code(); }, "IDAAS.SDK.COM.0002");
}

TEST_F(UpstreamFaults, ProviderSlowerThanTheRequestTimeoutIsSystemBusy) {
  FaultGuard fault(
      env().sim(),
      {{"path", kExchangePath}, {"latency_ms", kUpstreamTimeoutMs + 1500}, {"count", -1}});
  // Had the server waited for the late answer it would have logged the user in: the error proves
  // it gave up at its own timeout.
  expect_failure([&] { return env().fresh_code(); }, "IDAAS.SDK.COM.0002");
}

TEST_F(UpstreamFaults, ProviderBadGatewayIsSystemBusy) {
  FaultGuard fault(env().sim(), {{"path", kExchangePath}, {"http_status", 502}, {"count", -1}});
  expect_failure([&] { return env().fresh_code(); }, "IDAAS.SDK.COM.0002");
}

TEST_F(UpstreamFaults, ProviderGarbageIsSystemBusy) {
  FaultGuard fault(env().sim(), {{"path", kExchangePath}, {"garbage", true}, {"count", -1}});
  expect_failure([&] { return env().fresh_code(); }, "IDAAS.SDK.COM.0002");
}

TEST_F(UpstreamFaults, LoginWorksAgainOnceTheProviderRecovers) {
  {
    FaultGuard fault(env().sim(), {{"path", kExchangePath}, {"errcode", -1}, {"count", -1}});
    EXPECT_TRUE(
        is_error(env().login_wechat(client_, env().fresh_code()), "IDAAS.SDK.COM.0002", Lang::kEn));
  }
  EXPECT_TRUE(is_success(env().login_wechat(client_, env().fresh_code())));
}

// Identifiers no provider sends: NUL, a newline that would forge a log line, 60 KB.
std::vector<std::string> hostile_identifiers() {
  return {std::string("oNUL\0tail", 9), "oLINE\nforged log line", "o" + std::string(60000, 'Z')};
}

// What the server logged must say which identifier was unusable, and never repeat it: no forged
// line, no run of the 60 KB filler, and no blaming a lost race.
void expect_honest_log(const std::string& log, std::string_view identifier) {
  EXPECT_NE(log.find("an unusable " + std::string(identifier)), std::string::npos);
  EXPECT_EQ(log.find("lost the same race"), std::string::npos);
  EXPECT_EQ(log.find("forged log line"), std::string::npos);
  EXPECT_EQ(log.find(std::string(64, 'Z')), std::string::npos);
}

TEST_F(UpstreamFaults, UnusableOpenidIsSystemBusyAndLoggedForWhatItIs) {
  for (const std::string& openid : hostile_identifiers()) {
    FaultGuard fault(env().sim(), {{"path", kExchangePath},
                                   {"fields", boost::json::object{{"openid", openid}}},
                                   {"count", -1}});
    expect_failure([&] { return env().fresh_code(); }, "IDAAS.SDK.COM.0002");
  }
  expect_honest_log(env().server_output(), "openid");
}

TEST_F(UpstreamFaults, UnusableUnionidIsSystemBusy) {
  for (const std::string& unionid : hostile_identifiers()) {
    FaultGuard fault(env().sim(), {{"path", kExchangePath},
                                   {"fields", boost::json::object{{"unionid", unionid}}},
                                   {"count", -1}});
    expect_failure([&] { return env().fresh_code(); }, "IDAAS.SDK.COM.0002");
  }
  expect_honest_log(env().server_output(), "unionid");
}

TEST_F(UpstreamFaults, UnusableMiniProgramOpenidIsSystemBusy) {
  for (const std::string& openid : hostile_identifiers()) {
    FaultGuard fault(env().sim(), {{"path", "/sns/jscode2session"},
                                   {"fields", boost::json::object{{"openid", openid}}},
                                   {"count", -1}});
    const RowCounts before = env().row_counts();
    const HttpResult r =
        env().login_miniprogram(client_, env().mint_mini_code(env().new_wechat_user().user_key));
    EXPECT_TRUE(is_error(r, "IDAAS.SDK.COM.0002", Lang::kEn));
    EXPECT_TRUE(
        counts_changed_by(before, env().settle_audit(before, 1), {{"audit_events", 1}}, true));
  }
  expect_honest_log(env().server_output(), "openid");
}

// A loopback port nothing listens on: bind, read the port, close.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// These need their own wiring, so each starts its own Env instead of sharing the suite's.
void expect_system_busy_with(EnvOptions options, std::int64_t want_upstream_calls) {
  std::unique_ptr<Env> env;
  try {
    env = std::make_unique<Env>(std::move(options));
  } catch (const std::exception& e) {
    FAIL() << "environment did not start: " << e.what();
  }
  const std::string client = env->create_app({.unbound = "auto_create"});
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    const RowCounts before = env->row_counts();
    const HttpResult r = env->login_wechat(client, env->fresh_code(), lang_headers(lang));
    EXPECT_TRUE(is_error(r, "IDAAS.SDK.COM.0002", lang));
    EXPECT_TRUE(
        counts_changed_by(before, env->settle_audit(before, 1), {{"audit_events", 1}}, true));
  }
  EXPECT_EQ(env->sim().calls()[kExchangePath], want_upstream_calls);
  if (::testing::Test::HasFailure()) {
    env->keep();
    std::cerr << env->logs();
  }
}

TEST(UpstreamUnavailable, UnreachableProviderIsSystemBusy) {
  expect_system_busy_with({.wechat_base_url = "https://127.0.0.1:" + std::to_string(closed_port())},
                          0);
}

TEST(UpstreamUnavailable, ProviderWithAnUntrustedCertificateIsSystemBusy) {
  // Without the simulator's CA the TLS handshake must fail: certificate verification is on, so
  // the exchange request (and the code in it) never reaches the provider.
  expect_system_busy_with({.trust_sim_ca = false}, 0);
}

}  // namespace
}  // namespace it
