// flows/upstream/shared_server_token: two "nodes" (a SharedTokenSource and a LocalServerTokenCache
// each) over one real SQLite store and one counting stand-in for cgi-bin/stable_token: one upstream
// call per token lifetime between them, a forced refresh shared, a database failure survived.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "exec/runtime.hpp"
#include "flows/upstream/shared_server_token.hpp"
#include "flows_test_support.hpp"
#include "idp/server_token.hpp"
#include "store/store.hpp"

namespace ciamd {
namespace {

using namespace std::chrono_literals;
using testing::kStart;

constexpr UnixSeconds kLifetime = 7200;

// Stands in for StableTokenClient: a new token ("token-1", "token-2", ...) on every call, valid
// kLifetime from the test clock, after `delay` (so concurrent callers overlap it).
class CountingUpstream final : public ServerTokenSource {
 public:
  explicit CountingUpstream(Clock clock) : clock_(std::move(clock)) {}

  Task<Result<ServerToken>> fetch(const WechatCredentials& app, bool force_refresh) override {
    const int n = ++calls;
    if (force_refresh) ++forced;
    EXPECT_EQ(app.secret, "mini-secret");
    co_await sleep_for(delay);
    if (failures.load() > 0) {
      --failures;
      co_return ApiError{ErrorCode::kSystemBusy, "stable_token errcode -1"};
    }
    ServerToken token{"token-" + std::to_string(n), clock_() + kLifetime};
    co_return token;
  }

  std::atomic<int> calls{0};
  std::atomic<int> forced{0};
  std::atomic<int> failures{0};  // the next this many calls fail
  std::chrono::milliseconds delay{100ms};

 private:
  Clock clock_;
};

class SharedTokenTest : public testing::FlowsTest {
 protected:
  Result<std::string> token(ServerTokenCache& cache) { return await(cache.token(app_)); }

  // The results of `per_node` concurrent token() calls on each node.
  std::vector<std::string> concurrent_tokens(int per_node) {
    std::vector<std::future<std::optional<Result<std::string>>>> calls;
    for (int i = 0; i < per_node; ++i) {
      calls.push_back(spawn(cache_a_.token(app_)));
      calls.push_back(spawn(cache_b_.token(app_)));
    }
    std::vector<std::string> tokens;
    for (auto& call : calls) {
      Result<std::string> r = std::move(*call.get());
      EXPECT_TRUE(r);
      tokens.push_back(r ? r.value() : "");
    }
    return tokens;
  }

  WechatCredentials app_{"wx-mini", "mini-secret"};
  CountingUpstream upstream_{clock()};
  SharedTokenSource node_a_{upstream_, *store_, pool_, clock(), "node-a"};
  SharedTokenSource node_b_{upstream_, *store_, pool_, clock(), "node-b"};
  LocalServerTokenCache cache_a_{node_a_, clock()};
  LocalServerTokenCache cache_b_{node_b_, clock()};
};

TEST_F(SharedTokenTest, ConcurrentCallsOnTwoNodesMakeOneUpstreamCall) {
  for (const std::string& t : concurrent_tokens(5)) EXPECT_EQ(t, "token-1");
  EXPECT_EQ(upstream_.calls.load(), 1);
  const std::optional<SharedServerToken> row = store_->find_server_token("wx-mini");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->token, "token-1");
  EXPECT_EQ(row->fetched_at, kStart);
  EXPECT_EQ(row->expires_at, kStart + kLifetime);
  // The lease was released: another fetch may take it at once.
  EXPECT_TRUE(store_->acquire_lease("server-token/wx-mini", "probe", now_, now_ + 1));
}

TEST_F(SharedTokenTest, TheSharedTokenIsUsedUntilTheRefreshMargin) {
  ASSERT_EQ(token(cache_a_).value(), "token-1");
  // A node that starts later takes the saved token, however far into its life.
  now_ = kStart + kLifetime - 301;
  EXPECT_EQ(token(cache_b_).value(), "token-1");
  EXPECT_EQ(upstream_.calls.load(), 1);

  // Within 300 s of expiry: the first node to ask refreshes it, once for both.
  now_ = kStart + kLifetime - 300;
  for (const std::string& t : concurrent_tokens(3)) EXPECT_TRUE(t == "token-1" || t == "token-2");
  EXPECT_EQ(token(cache_a_).value(), "token-2");
  now_ = kStart + kLifetime - 1;
  EXPECT_EQ(token(cache_b_).value(), "token-2");
  EXPECT_EQ(upstream_.calls.load(), 2);
  EXPECT_EQ(upstream_.forced.load(), 0);
}

TEST_F(SharedTokenTest, AForcedRefreshIsSavedAndTheOtherNodeTakesItWithoutAnother) {
  ASSERT_EQ(token(cache_a_).value(), "token-1");
  ASSERT_EQ(token(cache_b_).value(), "token-1");

  // WeChat rejects token-1 on node A: normal mode still answers it (the shared row), so A forces.
  Result<std::string> fresh = await(cache_a_.replace(app_, "token-1"));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh.value(), "token-2");
  EXPECT_EQ(upstream_.forced.load(), 1);
  EXPECT_EQ(store_->find_server_token("wx-mini")->token, "token-2");

  // Node B sees token-1 rejected too (A's refresh invalidated it): it takes A's, forcing nothing.
  Result<std::string> on_b = await(cache_b_.replace(app_, "token-1"));
  ASSERT_TRUE(on_b);
  EXPECT_EQ(on_b.value(), "token-2");
  EXPECT_EQ(upstream_.calls.load(), 2);
  EXPECT_EQ(upstream_.forced.load(), 1);
}

TEST_F(SharedTokenTest, ANodeWaitingForAFailedHolderFetchesInItsPlace) {
  upstream_.failures = 1;
  std::future<std::optional<Result<std::string>>> on_a = spawn(cache_a_.token(app_));
  std::future<std::optional<Result<std::string>>> on_b = spawn(cache_b_.token(app_));
  // Whichever node took the lease failed upstream; the other then took the lease and fetched.
  Result<std::string> a = std::move(*on_a.get());
  Result<std::string> b = std::move(*on_b.get());
  EXPECT_NE(static_cast<bool>(a), static_cast<bool>(b));
  EXPECT_EQ(a ? a.value() : b.value(), "token-2");
  EXPECT_EQ(upstream_.calls.load(), 2);
}

TEST_F(SharedTokenTest, ALeaseLeftByACrashedNodeIsTakenOverWhenItExpires) {
  ASSERT_TRUE(store_->acquire_lease("server-token/wx-mini", "crashed-node", now_, now_ + 15));
  std::future<std::optional<Result<std::string>>> on_a = spawn(cache_a_.token(app_));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(upstream_.calls.load(), 0) << "fetched while another node held the lease";
  now_ += 15;
  Result<std::string> a = std::move(*on_a.get());
  ASSERT_TRUE(a);
  EXPECT_EQ(upstream_.calls.load(), 1);
  EXPECT_EQ(store_->find_server_token("wx-mini")->token, a.value());
}

TEST_F(SharedTokenTest, ADatabaseFailureFallsBackToWechatDirectly) {
  // Never migrated: every statement on its tables fails with StoreError.
  const std::unique_ptr<Store> broken = open_store("sqlite::memory:", sealer_);
  SharedTokenSource node(upstream_, *broken, pool_, clock(), "node-c");
  LocalServerTokenCache cache(node, clock());
  Result<std::string> t = token(cache);
  ASSERT_TRUE(t);
  EXPECT_EQ(t.value(), "token-1");
  EXPECT_EQ(upstream_.calls.load(), 1);
  // Replacing a rejected token still reaches WeChat.
  Result<std::string> replaced = await(cache.replace(app_, "token-1"));
  ASSERT_TRUE(replaced);
  EXPECT_EQ(replaced.value(), "token-2");
  EXPECT_EQ(upstream_.calls.load(), 2);
}

}  // namespace
}  // namespace ciamd
