// net: HTTPS between HttpServer and HttpClient, with a throwaway self-signed certificate.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <stdexcept>

#include "net/client.hpp"
#include "net/server.hpp"
#include "support/throwaway_tls.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

using namespace std::chrono_literals;

using test_support::ThrowawayCertificate;

ServerOptions tls_options(const ThrowawayCertificate& certificate) {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.tls = TlsFiles{certificate.cert_file(), certificate.key_file()};
  options.render_limit_error = [](LimitError, std::string_view) {
    return HttpResponse::empty(400);
  };
  options.render_internal_error = [](std::string_view) { return HttpResponse::empty(500); };
  return options;
}

Router tls_router() {
  Router router;
  router.add("GET", "/hello", [](const HttpRequest& request) -> Task<HttpResponse> {
    co_return HttpResponse::json(200, "hello " + request.peer_address);
  });
  return router;
}

class TlsTest : public testing::LiveRuntime {
 protected:
  explicit TlsTest(const char* subject_alt_names = "DNS:localhost,IP:127.0.0.1")
      : certificate_(subject_alt_names),
        server_(runtime_, tls_options(certificate_), tls_router()) {
    server_.start();
  }

  std::string url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(server_.port()) + "/hello";
  }
  ClientOptions trusting() const {
    ClientOptions options;
    options.ca_file = certificate_.cert_file();
    return options;
  }
  UpstreamError::Kind failure_kind(const ClientOptions& options, const std::string& target) {
    HttpClient client(runtime_, options);
    try {
      await(client.send({"GET", target, {}, ""}));
    } catch (const UpstreamError& e) {
      return e.kind();
    }
    throw std::logic_error("the request unexpectedly succeeded");
  }

  ThrowawayCertificate certificate_;
  HttpServer server_;
};

TEST_F(TlsTest, HttpsRoundTripByNameReusesTheConnection) {
  HttpClient client(runtime_, trusting());
  for (int i = 0; i < 3; ++i) {
    const auto response = await(client.send({"GET", url("localhost"), {}, ""}));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "hello 127.0.0.1");
    EXPECT_EQ(server_.open_connections(), 1U);
  }
}

TEST_F(TlsTest, HttpsRoundTripByIpAddress) {
  HttpClient client(runtime_, trusting());
  EXPECT_EQ(await(client.send({"GET", url("127.0.0.1"), {}, ""})).status, 200);
}

TEST_F(TlsTest, UntrustedCertificateIsATlsError) {
  EXPECT_EQ(failure_kind(ClientOptions{}, url("127.0.0.1")), UpstreamError::Kind::kTls);
}

class TlsWrongNameTest : public TlsTest {
 protected:
  TlsWrongNameTest() : TlsTest("DNS:api.example.com") {}
};

TEST_F(TlsWrongNameTest, CertificateForAnotherHostIsATlsError) {
  EXPECT_EQ(failure_kind(trusting(), url("127.0.0.1")), UpstreamError::Kind::kTls);
  EXPECT_EQ(failure_kind(trusting(), url("localhost")), UpstreamError::Kind::kTls);
}

}  // namespace
}  // namespace ciamd
