// Shared by the flows tests: a real in-memory SQLite store, a real Sealer, KeyRing and state-token
// codec, a real BlockingPool and a Runtime whose loop runs on a background thread, and a clock the
// test moves by hand.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "core/clock.hpp"
#include "core/model.hpp"
#include "exec/runtime.hpp"
#include "exec/task.hpp"
#include "flows/admin/applications.hpp"
#include "flows/admin/sessions.hpp"
#include "flows/admin/tenants.hpp"
#include "flows/admin/users.hpp"
#include "flows/flow_guard.hpp"
#include "flows/login/phone_login.hpp"
#include "flows/login/providers.hpp"
#include "flows/login/social_login.hpp"
#include "flows/mfa/mfa.hpp"
#include "flows/services.hpp"
#include "flows/session/session_refresh.hpp"
#include "flows/social/social_bind.hpp"
#include "flows/verification/verification.hpp"
#include "idp/server_token.hpp"
#include "idp/wechat_mini.hpp"
#include "idp/wechat_open.hpp"
#include "idp/weibo.hpp"
#include "net/client.hpp"
#include "store/store.hpp"
#include "tokens/key_ring.hpp"
#include "tokens/keys.hpp"
#include "tokens/sealer.hpp"
#include "tokens/state_token.hpp"

namespace ciamd::testing {

inline constexpr UnixSeconds kStart = 1'700'000'000;

// A 32-byte master key; `fill` tells two of them apart.
inline std::string master_key(char fill = 'm') {
  return std::string(32, fill);
}

// RSA generation is slow in a Debug build: generate one key per test binary, load it per test.
inline AsymmetricKey shared_test_key() {
  static const std::string pem = AsymmetricKey::generate_rsa(2048).private_pem();
  std::optional<AsymmetricKey> key = AsymmetricKey::from_private_pem(pem);
  if (!key) throw std::runtime_error("test key does not load");
  return std::move(*key);
}

inline constexpr const char* kNowhere = "https://127.0.0.1:9";

// The provider connectors, every one pointed at an address nothing answers (port 9).
struct OfflineProviders {
  explicit OfflineProviders(Runtime& runtime)
      : client(runtime, ClientOptions{}),
        wechat(client, kNowhere),
        stable_tokens(client, kNowhere, system_now),
        server_tokens(stable_tokens, system_now),
        wechat_mini(client, kNowhere, server_tokens),
        weibo(client, kNowhere),
        providers{wechat, wechat_mini, weibo} {}

  HttpClient client;
  WechatOpenConnector wechat;
  StableTokenClient stable_tokens;
  LocalServerTokenCache server_tokens;
  WechatMiniConnector wechat_mini;
  WeiboConnector weibo;
  Providers providers;
};

class FlowsTest : public ::testing::Test {
 protected:
  FlowsTest() {
    store_->migrate();
    keys_.add(shared_test_key(), /*signing=*/true);
    loop_ = std::jthread([this] { runtime_.run(); });
  }
  ~FlowsTest() override {
    offline_.reset();  // its client belongs to the loop, which stops next
    runtime_.stop();
    loop_.join();
  }

  // Starts `task` on the runtime's loop. The result is wrapped in an optional because use_future
  // needs a default-constructible value and Result<T> is not.
  template <class T>
  std::future<std::optional<T>> spawn(Task<T> task) {
    return boost::asio::co_spawn(runtime_.io(), wrap(std::move(task)), boost::asio::use_future);
  }

  // Runs `task` on the runtime's loop and blocks the test thread until it finishes (rethrowing).
  template <class T>
  T await(Task<T> task) {
    return std::move(*spawn(std::move(task)).get());
  }

  void await(Task<void> task) {
    boost::asio::co_spawn(runtime_.io(), std::move(task), boost::asio::use_future).get();
  }

  Clock clock() {
    return [this] { return now_.load(); };
  }

  // A user written through the store's one write path.
  User add_user(const std::string& id, UserStatus status = UserStatus::kActive,
                const std::string& mobile = "") {
    User u;
    u.id = id;
    u.username = "user_" + id;
    u.name = "Name " + id;
    u.mobile = mobile;
    u.status = status;
    u.created_at = now_;
    u.updated_at = now_;
    LoginCommit c;
    c.now = now_;
    c.new_user = u;
    EXPECT_EQ(store_->commit_login(c), CommitResult::kOk);
    return u;
  }

  void link(const Identity& identity) {
    LoginCommit c;
    c.now = now_;
    c.new_identity = identity;
    ASSERT_EQ(store_->commit_login(c), CommitResult::kOk);
  }

  Application add_app(Application app) {
    app.created_at = now_;
    app.updated_at = now_;
    EXPECT_TRUE(store_->create_application(app));
    return app;
  }

  static Application app_with(std::string client_id, UnboundPolicy unbound,
                              AccessPolicy access = AccessPolicy::kAll) {
    Application app;
    app.client_id = std::move(client_id);
    app.name = "App " + app.client_id;
    app.unbound = unbound;
    app.access = access;
    return app;
  }

  // The use cases on this test's store. Their connectors point at an address nothing answers: a
  // flows test proves identities itself (complete()), it never calls a provider.
  SocialLogin social_login() { return SocialLogin(services_, *store_, offline().providers); }
  PhoneLogin phone_login() { return PhoneLogin(services_, *store_, offline().wechat_mini); }
  SocialBind social_bind(const Verification& verification) {
    return SocialBind(services_, *store_, verification, offline().wechat_mini);
  }
  MfaCompletion mfa(const Verification& verification) {
    return MfaCompletion(services_, *store_, verification);
  }
  SessionRefresher refresher() { return SessionRefresher(services_, *store_, *store_); }
  FlowGuard flow_guard() { return FlowGuard(services_, *store_); }

  OfflineProviders& offline() {
    if (!offline_) offline_ = std::make_unique<OfflineProviders>(runtime_);
    return *offline_;
  }

  // The verified id_token's claims (failing the test when it does not verify).
  boost::json::object verified_claims(const std::string& id_token) {
    std::optional<JwsParts> parts = keys_.verify(id_token);
    if (!parts) {
      ADD_FAILURE() << "id_token does not verify";
      return {};
    }
    EXPECT_EQ(parts->header.at("alg").as_string(), "RS256");
    EXPECT_EQ(parts->header.at("kid").as_string(), keys_.signer_kid(JwsAlg::kRS256));
    return boost::json::parse(parts->payload).as_object();
  }

  std::atomic<UnixSeconds> now_{kStart};
  Sealer sealer_{master_key()};
  std::unique_ptr<Store> store_ = open_store("sqlite::memory:", sealer_);
  KeyRing keys_;
  StateTokenCodec state_tokens_{sealer_.derive_key("state-token")};
  // Before the pool: a pool thread may still be handing a result back to the loop's executor
  // when the awaiting test has already finished, so the pool must be joined before the
  // io_context goes away (members are destroyed in reverse order).
  Runtime runtime_{1};
  BlockingPool pool_{2};
  FlowServices services_{pool_, keys_, state_tokens_, TokenSettings{"https://ciamd.test", 1800},
                         clock()};
  DeviceContext device_{"fp-1", "iOS 17", "ciamd-test", "10.0.0.9", "127.0.0.1", "req-1"};
  // The operator use cases on this store.
  const ApplicationAdmin apps_admin_{*store_, *store_};
  const TenantAdmin tenants_admin_{*store_};
  const UserAdmin users_admin_{*store_, *store_};
  const SessionAdmin sessions_admin_{*store_, *store_};
  std::unique_ptr<OfflineProviders> offline_;  // before the runtime goes: it holds a client on it

 private:
  template <class T>
  static Task<std::optional<T>> wrap(Task<T> task) {
    co_return std::optional<T>(co_await std::move(task));
  }

  std::jthread loop_;
};

}  // namespace ciamd::testing
