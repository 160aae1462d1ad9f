// api/ops: liveness, readiness and the metrics endpoint; upstream and login metrics.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <filesystem>

#include "api/ops/ops.hpp"
#include "api/sdk_endpoint.hpp"
#include "api/services.hpp"
#include "api_test_support.hpp"
#include "flows/audit.hpp"
#include "flows/maintenance/health.hpp"
#include "flows_test_support.hpp"
#include "idp/upstream_call.hpp"
#include "metrics/metrics.hpp"
#include "net/client.hpp"
#include "net/server.hpp"
#include "version/version.hpp"

namespace ciamd {
namespace {

using namespace std::chrono_literals;

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

HttpRequest get(std::string path) {
  HttpRequest r;
  r.method = "GET";
  r.path = std::move(path);
  return r;
}

class OpsTest : public testing::FlowsTest {
 protected:
  OpsTest() { keys_.add(AsymmetricKey::generate_ec_p256(), /*signing=*/true); }

  // The router reads the database through a DatabaseHealth the fixture keeps (the router refers
  // to it).
  Router router_for(Store& store, const KeyRing& keys) {
    health_.emplace(store, pool_);
    Router router;
    add_ops_routes(router, OpsServices{metrics_, *health_, keys});
    router.instrument(metrics_, "admin");
    return router;
  }

  HttpResponse call(const Router& router, const std::string& path) {
    return await(router.dispatch(get(path)));
  }

  static boost::json::value body_of(const HttpResponse& r) { return boost::json::parse(r.body); }

  Metrics metrics_;
  std::optional<DatabaseHealth> health_;
};

TEST_F(OpsTest, LiveAnswersOk) {
  const Router router = router_for(*store_, keys_);
  const HttpResponse r = call(router, "/health/live");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-store");
  const std::string version(build_info().version);
  EXPECT_EQ(r.body, R"({"status":"ok","version":")" + version + R"("})");
}

TEST_F(OpsTest, ReadyWhenTheDatabaseAnswersAndBothSignersAreLoaded) {
  const Router router = router_for(*store_, keys_);
  const HttpResponse r = call(router, "/health/ready");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"ready","checks":{"database":"ok","signing_keys":"ok"}})");
}

TEST_F(OpsTest, NotReadyWithoutAnEs256Signer) {
  KeyRing rsa_only;
  rsa_only.add(testing::shared_test_key(), /*signing=*/true);
  const Router router = router_for(*store_, rsa_only);
  const HttpResponse r = call(router, "/health/ready");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body,
            R"({"status":"not_ready","checks":{"database":"ok","signing_keys":"missing"}})");
}

TEST_F(OpsTest, NotReadyWhenTheDatabaseHasNoSchema) {
  const std::unique_ptr<Store> unmigrated = open_store("sqlite::memory:", sealer_);
  const Router router = router_for(*unmigrated, keys_);
  const HttpResponse r = call(router, "/health/ready");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, R"({"status":"not_ready","checks":{"database":"error","signing_keys":"ok"}})");
}

TEST_F(OpsTest, NotReadyWhenTheDatabaseQueryFails) {
  // A schema_migrations table without its version column: the version query throws, as any
  // database fault would.
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("ciamd-ops-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "broken.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "CREATE TABLE schema_migrations (other INTEGER)", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  {
    const std::unique_ptr<Store> broken = open_store("sqlite://" + path, sealer_);
    const Router router = router_for(*broken, keys_);
    const HttpResponse r = call(router, "/health/ready");
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.body,
              R"({"status":"not_ready","checks":{"database":"error","signing_keys":"ok"}})");
  }
  std::filesystem::remove_all(dir);
}

TEST_F(OpsTest, MetricsAreThePrometheusTextFormat) {
  const Router router = router_for(*store_, keys_);
  ASSERT_EQ(call(router, "/health/live").status, 200);
  const HttpResponse r = call(router, "/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(has_line(r.body, "# TYPE ciamd_http_requests_total counter"));
  EXPECT_TRUE(has_line(r.body,
                       "ciamd_http_requests_total{listener=\"admin\",method=\"GET\","
                       "route=\"/health/live\",status=\"200\"} 1"))
      << r.body;
  // The RS256 and ES256 keys of the fixture.
  EXPECT_TRUE(has_line(r.body, "ciamd_signing_keys_loaded 2"));
}

TEST_F(OpsTest, MetricsNameTheRunningBuild) {
  const Router router = router_for(*store_, keys_);
  const HttpResponse r = call(router, "/metrics");
  const BuildInfo build = build_info();
  EXPECT_TRUE(has_line(r.body, "# TYPE ciamd_build_info gauge")) << r.body;
  EXPECT_TRUE(has_line(r.body, "ciamd_build_info{version=\"" + std::string(build.version) +
                                   "\",commit=\"" + std::string(build.commit) + "\",build_type=\"" +
                                   std::string(build.build_type) + "\"} 1"))
      << r.body;
}

// --- upstream calls ------------------------------------------------------------------------------

TEST(UpstreamProvider, ToldFromTheEndpointsFirstSegment) {
  EXPECT_EQ(upstream_provider("/sns/oauth2/access_token"), "wechat");
  EXPECT_EQ(upstream_provider("/sns/userinfo"), "wechat");
  EXPECT_EQ(upstream_provider("/sns/jscode2session"), "wechat");
  EXPECT_EQ(upstream_provider("/wxa/business/getuserphonenumber"), "wechat");
  EXPECT_EQ(upstream_provider("/cgi-bin/stable_token"), "wechat");
  EXPECT_EQ(upstream_provider("/oauth2/get_token_info"), "weibo");
  EXPECT_EQ(upstream_provider("/2/users/show.json"), "weibo");
  EXPECT_EQ(upstream_provider("/elsewhere"), "unknown");
}

ServerOptions upstream_options() {
  ServerOptions o;
  o.render_limit_error = [](LimitError, std::string_view) { return HttpResponse::empty(400); };
  o.render_internal_error = [](std::string_view) { return HttpResponse::empty(500); };
  return o;
}

Router upstream_router() {
  Router r;
  r.add("GET", "/sns/userinfo",
        [](const HttpRequest&) -> Task<HttpResponse> { co_return HttpResponse::json(200, "{}"); });
  r.add("GET", "/2/users/show.json",
        [](const HttpRequest&) -> Task<HttpResponse> { co_return HttpResponse::json(502, "{}"); });
  r.add("GET", "/sns/jscode2session", [](const HttpRequest&) -> Task<HttpResponse> {
    co_await sleep_for(2s);
    co_return HttpResponse::empty(200);
  });
  return r;
}

class UpstreamMetricsTest : public testing::FlowsTest {
 protected:
  UpstreamMetricsTest() { server_.start(); }

  ClientOptions client_options() {
    ClientOptions o;
    o.request_timeout = 200ms;
    o.metrics = &metrics_;
    return o;
  }

  Result<ClientResponse> call(const std::string& base, std::string_view endpoint) {
    return await(send_upstream(client_, ClientRequest{"GET", base + std::string(endpoint), {}, ""},
                               endpoint));
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

  Metrics metrics_;
  HttpServer server_{runtime_, upstream_options(), upstream_router()};
  HttpClient client_{runtime_, client_options()};
};

TEST_F(UpstreamMetricsTest, CountsEachOutcomeByProviderAndEndpoint) {
  EXPECT_TRUE(call(base(), "/sns/userinfo"));
  EXPECT_TRUE(call(base(), "/2/users/show.json"));  // an HTTP status is not a transport failure
  EXPECT_FALSE(call(base(), "/sns/jscode2session"));
  // A port nothing listens on: the connection is refused.
  std::uint16_t closed = 0;
  {
    HttpServer gone(runtime_, upstream_options(), Router{});
    closed = gone.port();
  }
  EXPECT_FALSE(call("http://127.0.0.1:" + std::to_string(closed), "/oauth2/get_token_info"));

  const std::string text = metrics_.render_prometheus();
  const std::string total = "ciamd_upstream_requests_total{";
  EXPECT_TRUE(
      has_line(text, total + R"(provider="wechat",endpoint="sns/userinfo",outcome="ok"} 1)"))
      << text;
  EXPECT_TRUE(has_line(
      text, total + R"(provider="weibo",endpoint="2/users/show.json",outcome="http_error"} 1)"));
  EXPECT_TRUE(has_line(
      text, total + R"(provider="wechat",endpoint="sns/jscode2session",outcome="timeout"} 1)"));
  EXPECT_TRUE(has_line(
      text, total + R"(provider="weibo",endpoint="oauth2/get_token_info",outcome="error"} 1)"));
  EXPECT_TRUE(has_line(text,
                       "ciamd_upstream_request_duration_seconds_count{provider=\"wechat\","
                       "endpoint=\"sns/userinfo\"} 1"));
}

// --- logins ------------------------------------------------------------------------------------

class LoginMetricsTest : public testing::FlowsTest {
 protected:
  LoginMetricsTest() { add_app(app_with("client-1", UnboundPolicy::kRegister)); }

  HttpResponse login(HttpRequest http, LoginOutcome outcome) {
    return await(run_sdk_endpoint(api_, http, EndpointSpec{"login", "wechat", {}},
                                  [outcome](const ApiServices&, const SdkCall&)
                                      -> Task<Result<EndpointReply>> { co_return outcome; }));
  }

  static HttpRequest request(bool device_headers) {
    HttpRequest r = get("/api/v2/sdk/login/wechat");
    r.method = "POST";
    r.headers.set("Content-Type", "application/json");
    r.body = "{}";
    r.headers.set("X-client-id", "client-1");
    if (device_headers) {
      r.headers.set("X-operating-sys-version", "iOS 17");
      r.headers.set("X-device-fingerprint", "fp-1");
      r.headers.set("X-agent", "app/1.0");
    }
    return r;
  }

  Metrics metrics_;
  testing::OfflineApi offline_{*store_, pool_, runtime_, services_, &metrics_};
  const ApiServices& api_ = offline_.api;
};

TEST_F(LoginMetricsTest, CountsTheLoginStatusOrErrorCodeByProvider) {
  EXPECT_EQ(login(request(true), LoginDenied{"user-1"}).status, 200);
  EXPECT_EQ(login(request(true), LoginDenied{"user-2"}).status, 200);
  EXPECT_EQ(login(request(false), LoginDenied{"user-3"}).status, 400);
  const std::string text = metrics_.render_prometheus();
  EXPECT_TRUE(has_line(text, R"(ciamd_logins_total{provider="wechat",status="ACCESS_DENIED"} 2)"))
      << text;
  const std::string incomplete(error_info(ErrorCode::kDeviceInfoIncomplete).code);
  EXPECT_TRUE(
      has_line(text, "ciamd_logins_total{provider=\"wechat\",status=\"" + incomplete + "\"} 1"));
}

}  // namespace
}  // namespace ciamd
