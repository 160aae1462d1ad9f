// Shared by the api tests: the services an ApiServices needs, built on a FlowsTest's store, pool,
// runtime and flow services, with every provider pointed at an address nothing answers (port 9).
// For handler tests that never reach an upstream.
//
//   class MyTest : public testing::FlowsTest {
//     testing::OfflineApi offline_{*store_, pool_, runtime_, services_, &metrics_};
//     ... run_sdk_endpoint(offline_.api, http, ...) ...
//   };
#pragma once

#include <chrono>

#include "api/services.hpp"
#include "core/clock.hpp"
#include "flows/app_directory.hpp"
#include "flows/audit.hpp"
#include "flows/verification/verification.hpp"
#include "idp/server_token.hpp"
#include "idp/wechat_mini.hpp"
#include "idp/wechat_open.hpp"
#include "idp/weibo.hpp"
#include "net/client.hpp"

namespace ciamd::testing {

inline constexpr const char* kNowhere = "https://127.0.0.1:9";

struct OfflineApi {
  OfflineApi(Store& store, BlockingPool& pool, Runtime& runtime, const FlowServices& services,
             Metrics* metrics = nullptr)
      : apps(store, pool, std::chrono::hours(1)),
        audit(store, pool),
        client(runtime, ClientOptions{}),
        wechat(client, kNowhere),
        stable_tokens(client, kNowhere, system_now),
        server_tokens(stable_tokens, system_now),
        wechat_mini(client, kNowhere, server_tokens),
        weibo(client, kNowhere),
        verification(services, VerificationSettings{}, "verification-key", nullptr, nullptr),
        api{services, apps, audit, wechat, wechat_mini, weibo, verification, metrics} {}

  AppDirectory apps;
  AuditLog audit;
  HttpClient client;
  WechatOpenConnector wechat;
  StableTokenClient stable_tokens;
  LocalServerTokenCache server_tokens;
  WechatMiniConnector wechat_mini;
  WeiboConnector weibo;
  Verification verification;
  ApiServices api;
};

}  // namespace ciamd::testing
