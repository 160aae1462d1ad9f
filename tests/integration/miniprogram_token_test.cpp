// The mini program's server access token behind the phone login
// (docs/providers.md#wechat-mini-program-stable_token): fetched with cgi-bin/stable_token once per
// appid however many logins need it at once, reused afterwards, and replaced once when WeChat
// rejects it (expired: 42001 or 40014; not latest: 40001), with the rejected call retried once.
// Every test uses a mini program appid of its own, since the server keeps its token cache for as
// long as it runs and the simulator counts calls of all appids.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/miniprogram.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

class MiniProgramToken : public EnvSuite {
 protected:
  std::int64_t calls(const char* path) { return env().sim().calls()[path]; }

  std::string phone_code(const WechatApp& mini, const PhoneUser& p) {
    return env().sim().mint_phone_code(mini.appid, p.user_key).code;
  }

  // Sends one phone login per code, all released at once on their own connections.
  std::vector<HttpResult> all_at_once(const std::string& client,
                                      const std::vector<std::string>& codes) {
    const int n = static_cast<int>(codes.size());
    std::vector<HttpResult> results(codes.size());
    std::vector<std::string> errors(codes.size());
    const Headers headers = env().login_headers(client);
    const int port = env().port();
    {
      std::latch go(n);
      std::vector<std::jthread> threads;
      for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
          const std::string body = boost::json::serialize(boost::json::object{{"code", codes[i]}});
          go.arrive_and_wait();
          try {
            results[i] = request(port, "POST", kPhoneLoginPath, headers, body);
          } catch (const std::exception& e) {
            errors[i] = e.what();
          }
        });
      }
    }
    // Sent past Env::post_sdk, so its audit tally is told here.
    env().note_audited_requests(n);
    for (int i = 0; i < n; ++i)
      EXPECT_TRUE(errors[i].empty()) << "request " << i << ": " << errors[i];
    return results;
  }
};

TEST_F(MiniProgramToken, ConcurrentLoginsOnAColdCacheFetchTheTokenOnce) {
  constexpr int kLogins = 50;
  const MiniProgramApp app = app_on_fresh_miniprogram(env(), {.unbound = "auto_create"});
  std::vector<PhoneUser> people;
  std::vector<std::string> codes;
  for (int i = 0; i < kLogins; ++i) {
    people.push_back(new_phone_user(env()));
    codes.push_back(phone_code(app.mini, people.back()));
  }
  const auto tokens = calls(kStableTokenPath);
  const auto phones = calls(kPhoneNumberPath);
  const RowCounts before = env().row_counts();

  const std::vector<HttpResult> first = all_at_once(app.client, codes);
  std::vector<std::string> subs;
  for (int i = 0; i < kLogins; ++i) {
    EXPECT_TRUE(is_success(first[i])) << "login " << i;
    subs.push_back(subject_of(first[i]));
  }
  EXPECT_EQ(calls(kStableTokenPath) - tokens, 1) << "one fetch for the cold appid";
  EXPECT_EQ(calls(kPhoneNumberPath) - phones, kLogins);
  EXPECT_TRUE(counts_changed_by(before, env().settle_audit(before, kLogins),
                                {{"users", kLogins}, {"sessions", kLogins}}, false));
  EXPECT_EQ(std::set<std::string>(subs.begin(), subs.end()).size(), std::size_t{kLogins});

  // Warm: the same people again, the cached token serves them all.
  codes.clear();
  for (const PhoneUser& p : people) codes.push_back(phone_code(app.mini, p));
  const std::vector<HttpResult> second = all_at_once(app.client, codes);
  for (int i = 0; i < kLogins; ++i) {
    EXPECT_TRUE(is_success(second[i])) << "login " << i;
    EXPECT_EQ(subject_of(second[i]), subs[i]) << "login " << i;
  }
  EXPECT_EQ(calls(kStableTokenPath) - tokens, 1) << "the warm cache must not fetch again";
  EXPECT_EQ(calls(kPhoneNumberPath) - phones, 2 * kLogins);
}

TEST_F(MiniProgramToken, ConcurrentFirstLoginsOfOneNumberMakeOneUser) {
  constexpr int kLogins = 10;
  const std::string client = env().create_app({.unbound = "auto_create"});
  const PhoneUser p = new_phone_user(env());
  std::vector<std::string> codes;
  for (int i = 0; i < kLogins; ++i) codes.push_back(phone_code(env().miniprogram(), p));
  const RowCounts before = env().row_counts();
  const std::vector<HttpResult> results = all_at_once(client, codes);
  std::set<std::string> subs;
  for (int i = 0; i < kLogins; ++i) {
    EXPECT_TRUE(is_success(results[i])) << "login " << i;
    subs.insert(subject_of(results[i]));
  }
  EXPECT_EQ(subs.size(), 1U);
  EXPECT_TRUE(counts_changed_by(before, env().settle_audit(before, kLogins),
                                {{"users", 1}, {"sessions", kLogins}}, false));
}

TEST_F(MiniProgramToken, AnExpiredTokenIsReplacedAndTheLoginStillSucceeds) {
  for (int errcode : {42001, 40014}) {
    SCOPED_TRACE("expired tokens answer " + std::to_string(errcode));
    const MiniProgramApp app = app_on_fresh_miniprogram(env(), {.unbound = "auto_create"},
                                                        {.expired_token_errcode = errcode});
    const PhoneUser p = new_phone_user(env());
    const HttpResult warm = env().login_phone(app.client, phone_code(app.mini, p));
    ASSERT_TRUE(is_success(warm));
    const auto tokens = calls(kStableTokenPath);
    const auto phones = calls(kPhoneNumberPath);

    env().sim().expire_tokens(app.mini.appid);
    const RowCounts before = env().row_counts();
    const HttpResult r = env().login_phone(app.client, phone_code(app.mini, p));
    ASSERT_TRUE(is_success(r));
    EXPECT_EQ(subject_of(r), subject_of(warm));
    // The rejected call, one normal-mode fetch (WeChat mints anew for an expired token), the retry.
    EXPECT_EQ(calls(kStableTokenPath) - tokens, 1);
    EXPECT_EQ(calls(kPhoneNumberPath) - phones, 2);
    EXPECT_TRUE(counts_changed_by(before, env().settle_audit(before, 1),
                                  {{"users", 0}, {"sessions", 1}, {"audit_events", 1}}, false));

    // The replacement is cached in turn.
    EXPECT_TRUE(is_success(env().login_phone(app.client, phone_code(app.mini, p))));
    EXPECT_EQ(calls(kStableTokenPath) - tokens, 1);
  }
}

TEST_F(MiniProgramToken, ATokenRejectedOnceIsReplacedAndTheCallRetried) {
  const MiniProgramApp app = app_on_fresh_miniprogram(env(), {.unbound = "auto_create"});
  const PhoneUser p = new_phone_user(env());
  ASSERT_TRUE(is_success(env().login_phone(app.client, phone_code(app.mini, p))));
  const auto tokens = calls(kStableTokenPath);
  const auto phones = calls(kPhoneNumberPath);

  FaultGuard fault(env().sim(), {{"path", kPhoneNumberPath}, {"errcode", 40001}, {"count", 1}});
  const HttpResult r = env().login_phone(app.client, phone_code(app.mini, p));
  EXPECT_TRUE(is_success(r));
  EXPECT_EQ(calls(kPhoneNumberPath) - phones, 2) << "one rejected call, one retry";
  // 40001 says "not latest" although WeChat still considers the token current, so a normal-mode
  // fetch may hand the same one back; the server may then force one refresh. Never more.
  const auto fetched = calls(kStableTokenPath) - tokens;
  EXPECT_GE(fetched, 1);
  EXPECT_LE(fetched, 2);
}

TEST_F(MiniProgramToken, ATokenRejectedTwiceIsSystemBusy) {
  // An appid of its own per language: a forced refresh is allowed once per 30 s per appid, and
  // each attempt here should get its full refresh-and-retry.
  std::vector<MiniProgramApp> apps{app_on_fresh_miniprogram(env(), {.unbound = "auto_create"}),
                                   app_on_fresh_miniprogram(env(), {.unbound = "auto_create"})};
  std::vector<std::string> codes;
  for (const MiniProgramApp& app : apps) {
    const PhoneUser p = new_phone_user(env());
    ASSERT_TRUE(is_success(env().login_phone(app.client, phone_code(app.mini, p))));
    codes.push_back(phone_code(app.mini, p));
  }
  std::size_t next = 0;
  expect_refused(
      env(),
      [&](const Headers& h) {
        const auto phones = calls(kPhoneNumberPath);
        FaultGuard fault(env().sim(),
                         {{"path", kPhoneNumberPath}, {"errcode", 40001}, {"count", 2}});
        const HttpResult r = env().login_phone(apps.at(next).client, codes.at(next), h);
        ++next;
        EXPECT_EQ(calls(kPhoneNumberPath) - phones, 2) << "retried exactly once";
        return r;
      },
      "IDAAS.SDK.COM.0002");
  // Nothing is stuck: the next login of the first app works.
  EXPECT_TRUE(is_success(
      env().login_phone(apps[0].client, phone_code(apps[0].mini, new_phone_user(env())))));
}

}  // namespace
}  // namespace it
