// Shared by the api tests: an ApiServices built on a FlowsTest's store, pool and runtime and the
// given flow services, with every provider pointed at an address nothing answers (port 9). For
// handler tests that never reach an upstream.
//
//   class MyTest : public testing::FlowsTest {
//     testing::OfflineApi offline_{*store_, pool_, runtime_, services_, &metrics_};
//     ... run_sdk_endpoint(offline_.api, http, ...) ...
//   };
#pragma once

#include <chrono>

#include "api/services.hpp"
#include "flows/app_directory.hpp"
#include "flows/audit.hpp"
#include "flows_test_support.hpp"

namespace ciamd::testing {

struct OfflineApi {
  OfflineApi(Store& store, BlockingPool& pool, Runtime& runtime, const FlowServices& services,
             Metrics* metrics = nullptr)
      : apps(store, pool, std::chrono::hours(1)),
        audit(store, pool),
        providers(runtime),
        flow_guard(services, store),
        social_login(services, store, providers.providers),
        phone_login(services, store, providers.wechat_mini),
        verification(services, store, store, store, VerificationSettings{}, "verification-key",
                     nullptr, nullptr),
        social_bind(services, store, verification, providers.wechat_mini),
        mfa(services, store, verification),
        sessions(services, store, store),
        api{services,    apps,         audit, flow_guard, social_login, phone_login,
            social_bind, verification, mfa,   sessions,   metrics} {}

  AppDirectory apps;
  AuditLog audit;
  OfflineProviders providers;
  FlowGuard flow_guard;
  SocialLogin social_login;
  PhoneLogin phone_login;
  Verification verification;
  SocialBind social_bind;
  MfaCompletion mfa;
  SessionRefresher sessions;
  ApiServices api;
};

}  // namespace ciamd::testing
