// net: HTTPS between HttpServer and HttpClient, with a throwaway self-signed certificate.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>

#include "net/client.hpp"
#include "net/server.hpp"
#include "unit/net_test_support.hpp"

namespace ciamd {
namespace {

using namespace std::chrono_literals;

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("OpenSSL: ") + what);
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  const ExtPtr extension(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  require(extension && X509_add_ext(cert, extension.get(), -1) == 1, "add extension");
}

// A self-signed P-256 certificate for `subject_alt_names` ("DNS:...,IP:..."), written as PEM
// files into a fresh temporary directory that is removed again with this object.
class SelfSignedCertificate {
 public:
  explicit SelfSignedCertificate(const char* subject_alt_names) {
    std::random_device random;
    dir_ = std::filesystem::temp_directory_path() /
           ("ciamd-net-tls-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(dir_);

    const KeyPtr key(EVP_EC_gen("P-256"));
    require(key != nullptr, "generate key");
    const CertPtr cert(X509_new());
    require(cert && X509_set_version(cert.get(), 2) == 1, "new certificate");
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    require(X509_set_pubkey(cert.get(), key.get()) == 1, "set public key");
    X509_NAME* name = X509_get_subject_name(cert.get());
    static constexpr unsigned char kCommonName[] = "ciamd test";
    require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, kCommonName, -1, -1, 0) == 1,
            "subject");
    require(X509_set_issuer_name(cert.get(), name) == 1, "issuer");
    add_extension(cert.get(), NID_subject_alt_name, subject_alt_names);
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    require(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign");

    const BioPtr cert_out(BIO_new_file(cert_file().c_str(), "w"));
    require(cert_out && PEM_write_bio_X509(cert_out.get(), cert.get()) == 1, "write certificate");
    const BioPtr key_out(BIO_new_file(key_file().c_str(), "w"));
    require(key_out && PEM_write_bio_PrivateKey(key_out.get(), key.get(), nullptr, nullptr, 0,
                                                nullptr, nullptr) == 1,
            "write key");
  }
  ~SelfSignedCertificate() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  SelfSignedCertificate(const SelfSignedCertificate&) = delete;
  SelfSignedCertificate& operator=(const SelfSignedCertificate&) = delete;

  std::string cert_file() const { return (dir_ / "cert.pem").string(); }
  std::string key_file() const { return (dir_ / "key.pem").string(); }

 private:
  std::filesystem::path dir_;
};

ServerOptions tls_options(const SelfSignedCertificate& certificate) {
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

  SelfSignedCertificate certificate_;
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
