// POST /api/v2/sdk/login/wechat-miniprogram when it cannot log anybody in: a missing code
// (PARAM.0011), an application without mini program credentials (LOGIN.1003), a code that
// sns/jscode2session refuses (40029 unknown, expired or of another appid; 40163 used; 40226
// blocked user: LOGIN.1001), and the provider failing, unreachable, or refusing our secret
// (COM.0002). Each answer is in the asked language and writes nothing but its audit row.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/miniprogram.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

class MiniProgramLoginErrors : public EnvSuite {
 protected:
  // Codes from make_code() refused with `error` in both languages (expect_codes_refused).
  void expect_codes_refused(const std::string& client,
                            const std::function<std::string()>& make_code, std::string_view error) {
    const CodeSender send = [&](const std::string& code, const Headers& h) {
      return env().login_miniprogram(client, code, h);
    };
    it::expect_codes_refused(env(), send, make_code, error);
  }

  std::int64_t jscode_calls() { return env().sim().calls()[kJscodePath]; }
};

TEST_F(MiniProgramLoginErrors, MissingOrEmptyCodeIsParam0011WithoutAnUpstreamCall) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const auto calls = jscode_calls();
  for (const char* body : {"{}", R"({"code":""})", R"({"js_code":"abc"})"}) {
    SCOPED_TRACE(body);
    expect_refused(
        env(),
        [&](const Headers& h) {
          Headers headers = env().login_headers(client);
          for (const auto& [k, v] : h) headers = with(std::move(headers), k, v);
          return env().post_sdk(kMiniLoginPath, headers, body);
        },
        "IDAAS.SDK.PARAM.0011");
  }
  EXPECT_EQ(jscode_calls(), calls);
}

TEST_F(MiniProgramLoginErrors, AppWithoutMiniProgramCredentialsIsLoginNotEnabled) {
  const std::string client = env().create_app({.unbound = "auto_create", .miniprogram = false});
  const auto calls = jscode_calls();
  expect_codes_refused(
      client, [&] { return env().mint_mini_code(env().new_wechat_user().user_key); },
      "IDAAS.SDK.LOGIN.1003");
  EXPECT_EQ(jscode_calls(), calls);
}

TEST_F(MiniProgramLoginErrors, CodesWechatRefusesAreMiniProgramCallFailed) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  {
    SCOPED_TRACE("never minted (40029)");
    expect_codes_refused(
        client, [] { return unique_name("never-minted"); }, "IDAAS.SDK.LOGIN.1001");
  }
  {
    SCOPED_TRACE("used before (40163)");
    expect_codes_refused(
        client,
        [&] {
          const std::string code = env().mint_mini_code(env().new_wechat_user().user_key);
          EXPECT_TRUE(is_success(env().login_miniprogram(client, code)));
          return code;
        },
        "IDAAS.SDK.LOGIN.1001");
  }
  {
    SCOPED_TRACE("minted for another mini program (40029)");
    const WechatApp other = add_wechat_app(env());
    expect_codes_refused(
        client,
        [&] {
          return env().sim().mint_mini_code(other.appid, env().new_wechat_user().user_key).code;
        },
        "IDAAS.SDK.LOGIN.1001");
  }
  {
    SCOPED_TRACE("expired (40029)");
    expect_codes_refused(
        client,
        [&] {
          return env()
              .sim()
              .mint_mini_code(env().miniprogram().appid, env().new_wechat_user().user_key, 0)
              .code;
        },
        "IDAAS.SDK.LOGIN.1001");
  }
  {
    SCOPED_TRACE("high-risk user (40226)");
    expect_codes_refused(
        client,
        [&] {
          return env().mint_mini_code(env().sim().create_user({{"blocked", true}}).user_key);
        },
        "IDAAS.SDK.LOGIN.1001");
  }
}

TEST_F(MiniProgramLoginErrors, ProviderFaultsAreSystemBusy) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const auto fresh = [&] { return env().mint_mini_code(env().new_wechat_user().user_key); };
  const std::vector<boost::json::object> faults{
      {{"path", kJscodePath}, {"errcode", -1}, {"count", -1}},
      {{"path", kJscodePath}, {"errcode", 45011}, {"count", -1}},
      {{"path", kJscodePath}, {"http_status", 502}, {"count", -1}},
      {{"path", kJscodePath}, {"garbage", true}, {"count", -1}}};
  for (const auto& fault : faults) {
    SCOPED_TRACE(dump(fault));
    FaultGuard guard(env().sim(), fault);
    expect_codes_refused(client, fresh, "IDAAS.SDK.COM.0002");
  }
  // The faults are gone: the same kind of login succeeds.
  EXPECT_TRUE(is_success(env().login_miniprogram(client, fresh())));
}

TEST_F(MiniProgramLoginErrors, AWrongMiniProgramSecretIsSystemBusy) {
  // WeChat answers 40125: our configuration is wrong, not the user's code.
  WechatApp wrong = add_wechat_app(env());
  wrong.secret += "0";
  const std::string client = env().create_app({.unbound = "auto_create", .miniprogram_app = wrong});
  expect_codes_refused(
      client,
      [&] {
        return env().sim().mint_mini_code(wrong.appid, env().new_wechat_user().user_key).code;
      },
      "IDAAS.SDK.COM.0002");
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

TEST(MiniProgramLoginUnreachable, AnUnreachableProviderIsSystemBusy) {
  // Its own Env: the server must point at a port nothing listens on.
  std::unique_ptr<Env> env;
  try {
    env = std::make_unique<Env>(
        EnvOptions{.wechat_base_url = "https://127.0.0.1:" + std::to_string(closed_port())});
  } catch (const std::exception& e) {
    FAIL() << "environment did not start: " << e.what();
  }
  const std::string client = env->create_app({.unbound = "auto_create"});
  expect_refused(
      *env,
      [&](const Headers& h) {
        return env->login_miniprogram(client, env->mint_mini_code(env->new_wechat_user().user_key),
                                      h);
      },
      "IDAAS.SDK.COM.0002");
  EXPECT_EQ(env->sim().calls()[kJscodePath], 0);
  if (::testing::Test::HasFailure()) {
    env->keep();
    std::cerr << env->logs();
  }
}

}  // namespace
}  // namespace it
