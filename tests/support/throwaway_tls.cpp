#include "support/throwaway_tls.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <random>
#include <stdexcept>

namespace ciamd::test_support {

namespace {

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
  if (!ok) throw std::runtime_error(std::string("throwaway certificate: ") + what);
}

void add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  const ExtPtr extension(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  require(extension && X509_add_ext(cert, extension.get(), -1) == 1, "add extension");
}

}  // namespace

ThrowawayCertificate::ThrowawayCertificate(const char* subject_alt_names) {
  std::random_device random;
  dir_ = std::filesystem::temp_directory_path() /
         ("ciamd-test-tls-" + std::to_string(random()) + std::to_string(random()));
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
  static constexpr unsigned char kCommonName[] = "ciamd test sink";
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

ThrowawayCertificate::~ThrowawayCertificate() {
  std::error_code ignored;  // a leftover temporary directory must not fail a test
  std::filesystem::remove_all(dir_, ignored);
}

std::string ThrowawayCertificate::cert_file() const {
  return (dir_ / "cert.pem").string();
}

std::string ThrowawayCertificate::key_file() const {
  return (dir_ / "key.pem").string();
}

SslContextPtr ThrowawayCertificate::server_context() const {
  SslContextPtr context(SSL_CTX_new(TLS_server_method()));
  require(context != nullptr, "new context");
  require(SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION) == 1, "minimum version");
  require(SSL_CTX_use_certificate_chain_file(context.get(), cert_file().c_str()) == 1,
          "load certificate");
  require(SSL_CTX_use_PrivateKey_file(context.get(), key_file().c_str(), SSL_FILETYPE_PEM) == 1,
          "load key");
  return context;
}

}  // namespace ciamd::test_support
