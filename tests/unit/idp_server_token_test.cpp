// idp/server_token: StableTokenClient and LocalServerTokenCache against a loopback stand-in for
// cgi-bin/stable_token that insists on what WeChat insists on (POST, JSON) and counts calls.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "idp/server_token.hpp"
#include "net/client.hpp"
#include "net/server.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr UnixSeconds kStart = 1'700'000'000;

// The stand-in for WeChat. Answers are scripted (`script`, consumed first), else a token: a new
// one on every call, or, like real normal mode, the current one until a force_refresh.
class StableTokenUpstream {
 public:
  // Set by the test while the loop threads answer requests.
  std::atomic<bool> new_token_every_call{true};
  std::atomic<std::int64_t> expires_in{7200};
  std::atomic<std::chrono::milliseconds> delay{0ms};
  std::atomic<int> arrivals{0};  // requests received, counted before the delay

  std::mutex mutex;  // guards the rest
  std::deque<HttpResponse> script;
  int calls = 0;
  int forced_calls = 0;
  boost::json::object last_body;

  Router router() {
    Router router;
    router.add("POST", "/cgi-bin/stable_token",
               [this](const HttpRequest& request) { return answer(request); });
    router.on_miss([](const HttpRequest&, RouteMiss) {
      return HttpResponse::json(200, R"({"errcode":43002,"errmsg":"require POST method"})");
    });
    return router;
  }

  int call_count() {
    const std::lock_guard lock(mutex);
    return calls;
  }
  int forced_count() {
    const std::lock_guard lock(mutex);
    return forced_calls;
  }

 private:
  Task<HttpResponse> answer(const HttpRequest& request) {
    ++arrivals;
    if (const auto pause = delay.load(); pause > 0ms)
      co_await sleep_for(pause);  // so that concurrent callers really overlap
    co_return respond(request);
  }

  HttpResponse respond(const HttpRequest& request) {
    const std::lock_guard lock(mutex);
    ++calls;
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(request.body, ec);
    if (request.headers.get("Content-Type") != "application/json" || ec || !parsed.is_object()) {
      return HttpResponse::json(200, R"({"errcode":47001,"errmsg":"data format error"})");
    }
    last_body = parsed.as_object();
    const auto* grant = last_body.if_contains("grant_type");
    const auto* appid = last_body.if_contains("appid");
    const auto* secret = last_body.if_contains("secret");
    const auto* force = last_body.if_contains("force_refresh");
    if (grant == nullptr || *grant != "client_credential" || appid == nullptr ||
        !appid->is_string() || secret == nullptr || *secret != "s3cret" ||
        (force != nullptr && !force->is_bool())) {
      return HttpResponse::json(200, R"({"errcode":40125,"errmsg":"invalid appsecret"})");
    }
    const bool forced = force != nullptr && force->as_bool();
    if (forced) ++forced_calls;
    if (!script.empty()) {
      HttpResponse next = std::move(script.front());
      script.pop_front();
      return next;
    }
    if (new_token_every_call || forced || issued_ == 0) ++issued_;
    return HttpResponse::json(200, R"({"access_token":"T)" + std::to_string(issued_) +
                                       R"(","expires_in":)" + std::to_string(expires_in.load()) +
                                       "}");
  }

  int issued_ = 0;
};

ServerOptions upstream_options() {
  ServerOptions options;
  options.render_limit_error = [](LimitError, std::string_view) {
    return HttpResponse::json(400, "{}");
  };
  options.render_internal_error = [](std::string_view) { return HttpResponse::json(500, "{}"); };
  return options;
}

template <class T>
Task<std::optional<T>> wrap(Task<T> task) {
  co_return co_await std::move(task);
}

class ServerTokenTest : public testing::LiveRuntime {
 protected:
  ServerTokenTest()
      : LiveRuntime(4),
        server_(runtime_, upstream_options(), upstream_.router()),
        client_(runtime_, ClientOptions{}),
        stable_(client_, "http://127.0.0.1:" + std::to_string(server_.port()), clock()),
        cache_(stable_, clock()) {
    server_.start();
  }

  Clock clock() {
    return [this] { return now_.load(); };
  }
  void script(int status, std::string body) {
    const std::lock_guard lock(upstream_.mutex);
    upstream_.script.push_back(HttpResponse::json(status, std::move(body)));
  }

  // Starts `task` on the loop's threads. The result comes wrapped in an optional because
  // use_future needs a default-constructible value and Result<T> is not one.
  template <class T>
  std::future<std::optional<T>> spawn(Task<T> task) {
    return asio::co_spawn(runtime_.io(), wrap(std::move(task)), asio::use_future);
  }
  // Runs `task` on the loop and blocks the test thread until it finishes.
  template <class T>
  T await(Task<T> task) {
    return std::move(*spawn(std::move(task)).get());
  }
  // `n` calls started together; their answers.
  std::vector<Result<std::string>> all_at_once(
      int n, const std::function<Task<Result<std::string>>()>& call) {
    std::vector<std::future<std::optional<Result<std::string>>>> pending;
    pending.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) pending.push_back(spawn(call()));
    std::vector<Result<std::string>> out;
    out.reserve(pending.size());
    for (auto& p : pending) out.push_back(std::move(*p.get()));
    return out;
  }
  std::vector<Result<std::string>> tokens_at_once(int n) {
    return all_at_once(n, [this] { return cache_.token(app_); });
  }

  const WechatCredentials app_{"wx-mini", "s3cret"};
  std::atomic<UnixSeconds> now_{kStart};
  StableTokenUpstream upstream_;
  HttpServer server_;
  HttpClient client_;
  StableTokenClient stable_;
  LocalServerTokenCache cache_;
};

// ---- StableTokenClient ----

TEST_F(ServerTokenTest, StablePostsJsonAndReadsTheToken) {
  upstream_.expires_in = 7000;
  const Result<ServerToken> token = await(stable_.fetch(app_, false));
  ASSERT_TRUE(token) << token.error().detail;
  EXPECT_EQ(token->value, "T1");
  EXPECT_EQ(token->expires_at, kStart + 7000);
  const std::lock_guard lock(upstream_.mutex);
  EXPECT_EQ(upstream_.last_body.at("appid"), "wx-mini");
  EXPECT_EQ(upstream_.last_body.at("force_refresh"), false);
}

TEST_F(ServerTokenTest, StableSendsForceRefreshWhenAsked) {
  ASSERT_TRUE(await(stable_.fetch(app_, true)));
  EXPECT_EQ(upstream_.forced_count(), 1);
  const std::lock_guard lock(upstream_.mutex);
  EXPECT_EQ(upstream_.last_body.at("force_refresh"), true);
}

TEST_F(ServerTokenTest, StableErrcodesAreSystemBusyAndKeepTheSecretOut) {
  for (const char* body : {R"({"errcode":-1,"errmsg":"system error, rid: 1"})",
                           R"({"errcode":40125,"errmsg":"invalid appsecret, rid: 2"})",
                           R"({"errcode":45011,"errmsg":"api minute-quota reach limit"})"}) {
    script(200, body);
    const Result<ServerToken> token = await(stable_.fetch(app_, false));
    ASSERT_FALSE(token) << body;
    EXPECT_EQ(token.error().code, ErrorCode::kSystemBusy);
    const auto errcode = boost::json::parse(body).at("errcode").as_int64();
    EXPECT_NE(token.error().detail.find("errcode " + std::to_string(errcode)), std::string::npos);
    EXPECT_EQ(token.error().detail.find("s3cret"), std::string::npos);
  }
}

TEST_F(ServerTokenTest, StableHttpErrorsJunkAndUnusableAnswersAreSystemBusy) {
  script(500, R"({"access_token":"T","expires_in":7200})");
  script(200, "<html>busy</html>");
  script(200, R"({"expires_in":7200})");
  script(200, R"({"access_token":"","expires_in":7200})");
  script(200, R"({"access_token":"T","expires_in":0})");
  script(200, R"({"access_token":"T","expires_in":-5})");
  script(200, R"({"access_token":"T","expires_in":"7200"})");
  script(200, R"({"access_token":"T","expires_in":7200.5})");
  script(200, R"({"access_token":"T"})");
  for (int i = 0; i < 9; ++i) {
    const Result<ServerToken> token = await(stable_.fetch(app_, false));
    ASSERT_FALSE(token) << i;
    EXPECT_EQ(token.error().code, ErrorCode::kSystemBusy) << i;
    EXPECT_EQ(token.error().detail.find("s3cret"), std::string::npos);
  }
}

// A token that is no token (a newline that would split a log line or a URL, 60 KB) is refused
// before it reaches a URL or the shared database, and the detail quotes none of it.
TEST_F(ServerTokenTest, StableTokenOfNoTokenShapeIsSystemBusy) {
  script(200, R"({"access_token":"TOKEN\nforged","expires_in":7200})");
  script(200, R"({"access_token":")" + std::string(60000, 'T') + R"(","expires_in":7200})");
  for (int i = 0; i < 2; ++i) {
    const Result<ServerToken> token = await(stable_.fetch(app_, false));
    ASSERT_FALSE(token) << i;
    EXPECT_EQ(token.error().code, ErrorCode::kSystemBusy) << i;
    EXPECT_NE(token.error().detail.find("an unusable access_token"), std::string::npos)
        << token.error().detail;
    EXPECT_EQ(token.error().detail.find("TOKEN"), std::string::npos) << token.error().detail;
  }
}

TEST_F(ServerTokenTest, StableUnreachableIsSystemBusy) {
  std::uint16_t closed_port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    closed_port = probe.local_endpoint().port();
  }  // nothing listens there any more
  StableTokenClient nowhere(client_, "http://127.0.0.1:" + std::to_string(closed_port), clock());
  const Result<ServerToken> token = await(nowhere.fetch(app_, false));
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().code, ErrorCode::kSystemBusy);
}

// ---- LocalServerTokenCache ----

TEST_F(ServerTokenTest, ColdCacheFetchesOnceForFiftyConcurrentCallers) {
  upstream_.delay = 100ms;
  for (const auto& token : tokens_at_once(50)) {
    ASSERT_TRUE(token) << token.error().detail;
    EXPECT_EQ(token.value(), "T1");
  }
  EXPECT_EQ(upstream_.call_count(), 1);

  now_ += 3600;  // later, still well before the margin
  const Result<std::string> again = await(cache_.token(app_));
  ASSERT_TRUE(again);
  EXPECT_EQ(again.value(), "T1");
  EXPECT_EQ(upstream_.call_count(), 1);
}

TEST_F(ServerTokenTest, WithinTheMarginOneCallerRefreshesAndTheOthersKeepTheValidToken) {
  upstream_.expires_in = 100;  // margin: min(300, 100 / 2) = 50 s
  ASSERT_EQ(await(cache_.token(app_)).value(), "T1");
  now_ += 49;
  EXPECT_EQ(await(cache_.token(app_)).value(), "T1");
  EXPECT_EQ(upstream_.call_count(), 1);

  now_ += 2;  // 51 s in: inside the margin, T1 still valid
  upstream_.delay = 100ms;
  bool saw_new = false;
  for (const auto& token : tokens_at_once(20)) {
    ASSERT_TRUE(token) << token.error().detail;
    EXPECT_TRUE(token.value() == "T1" || token.value() == "T2") << token.value();
    saw_new = saw_new || token.value() == "T2";
  }
  EXPECT_TRUE(saw_new);  // the caller that started the refresh waited for it
  EXPECT_EQ(upstream_.call_count(), 2);
  EXPECT_EQ(await(cache_.token(app_)).value(), "T2");
  EXPECT_EQ(upstream_.call_count(), 2);
}

TEST_F(ServerTokenTest, WhileARefreshRunsTheStillValidTokenIsAnsweredAtOnce) {
  upstream_.expires_in = 100;
  ASSERT_EQ(await(cache_.token(app_)).value(), "T1");
  now_ += 60;
  upstream_.delay = 100ms;
  auto refreshing = spawn(cache_.token(app_));
  while (upstream_.arrivals < 2) std::this_thread::yield();  // the refresh is at the upstream
  upstream_.delay = 0ms;
  EXPECT_EQ(await(cache_.token(app_)).value(), "T1");
  EXPECT_EQ(refreshing.get()->value(), "T2");  // the caller that started it waited for it
  EXPECT_EQ(upstream_.call_count(), 2);
}

TEST_F(ServerTokenTest, FailedRefreshAnswersTheStillValidTokenAndALaterCallRetries) {
  upstream_.expires_in = 100;
  ASSERT_EQ(await(cache_.token(app_)).value(), "T1");
  now_ += 60;
  script(200, R"({"errcode":-1,"errmsg":"system error"})");
  const Result<std::string> kept = await(cache_.token(app_));
  ASSERT_TRUE(kept) << kept.error().detail;
  EXPECT_EQ(kept.value(), "T1");
  EXPECT_EQ(upstream_.call_count(), 2);

  EXPECT_EQ(await(cache_.token(app_)).value(), "T2");
  EXPECT_EQ(upstream_.call_count(), 3);
}

TEST_F(ServerTokenTest, FailedFetchWithoutAValidTokenIsSystemBusy) {
  upstream_.expires_in = 100;
  script(200, R"({"errcode":45009,"errmsg":"reach max api daily quota limit"})");
  const Result<std::string> cold = await(cache_.token(app_));
  ASSERT_FALSE(cold);
  EXPECT_EQ(cold.error().code, ErrorCode::kSystemBusy);

  ASSERT_EQ(await(cache_.token(app_)).value(), "T1");
  now_ += 100;  // T1 has expired
  script(200, R"({"errcode":-1,"errmsg":"system error"})");
  const Result<std::string> expired = await(cache_.token(app_));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, ErrorCode::kSystemBusy);
}

TEST_F(ServerTokenTest, ReplacingTheCurrentTokenFetchesAndReplacingAnOldOneDoesNot) {
  ASSERT_EQ(await(cache_.token(app_)).value(), "T1");
  EXPECT_EQ(await(cache_.replace(app_, "T1")).value(), "T2");
  EXPECT_EQ(upstream_.call_count(), 2);
  // A caller that was still holding T1 gets T2 without another fetch.
  EXPECT_EQ(await(cache_.replace(app_, "T1")).value(), "T2");
  EXPECT_EQ(upstream_.call_count(), 2);
  EXPECT_EQ(upstream_.forced_count(), 0);
}

TEST_F(ServerTokenTest, ConcurrentReplacementsOfOneTokenShareOneFetch) {
  ASSERT_EQ(await(cache_.token(app_)).value(), "T1");
  upstream_.delay = 100ms;
  for (const auto& token : all_at_once(10, [this] { return cache_.replace(app_, "T1"); })) {
    ASSERT_TRUE(token) << token.error().detail;
    EXPECT_EQ(token.value(), "T2");
  }
  EXPECT_EQ(upstream_.call_count(), 2);
}

TEST_F(ServerTokenTest, ForcedRefreshOnlyWhenNormalModeRepeatsTheRejectedTokenAndAtMostEvery30s) {
  upstream_.new_token_every_call = false;  // like WeChat: normal mode answers the current token
  ASSERT_EQ(await(cache_.token(app_)).value(), "T1");

  EXPECT_EQ(await(cache_.replace(app_, "T1")).value(), "T2");
  EXPECT_EQ(upstream_.call_count(), 3);  // the first fetch, normal mode (T1 again), forced
  EXPECT_EQ(upstream_.forced_count(), 1);

  now_ += 29;
  const Result<std::string> refused = await(cache_.replace(app_, "T2"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kSystemBusy);
  EXPECT_EQ(upstream_.forced_count(), 1);  // normal mode was asked, force was not

  now_ += 1;
  EXPECT_EQ(await(cache_.replace(app_, "T2")).value(), "T3");
  EXPECT_EQ(upstream_.forced_count(), 2);
}

TEST_F(ServerTokenTest, EachAppidHasItsOwnToken) {
  const WechatCredentials other{"wx-other", "s3cret"};
  EXPECT_EQ(await(cache_.token(app_)).value(), "T1");
  EXPECT_EQ(await(cache_.token(other)).value(), "T2");
  EXPECT_EQ(await(cache_.token(app_)).value(), "T1");
  EXPECT_EQ(upstream_.call_count(), 2);
}

}  // namespace
}  // namespace ciamd
