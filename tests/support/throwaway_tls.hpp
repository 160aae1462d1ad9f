// tests/support/throwaway_tls: a self-signed certificate for 127.0.0.1 and localhost, made fresh
// for a test (P-256, valid for an hour, CA:TRUE so that it is its own trust anchor), written as PEM
// into a temporary directory that is removed with this object.
//
//   ThrowawayCertificate cert;
//   SslContextPtr server = cert.server_context();   // for Connection::start_tls
//   client trusts cert.cert_file()
#pragma once

#include <filesystem>
#include <string>

#include "support/loopback_listener.hpp"

namespace ciamd::test_support {

class ThrowawayCertificate {
 public:
  // `subject_alt_names` in OpenSSL's form; throws std::runtime_error when OpenSSL fails.
  explicit ThrowawayCertificate(const char* subject_alt_names = "DNS:localhost,IP:127.0.0.1");
  ~ThrowawayCertificate();
  ThrowawayCertificate(const ThrowawayCertificate&) = delete;
  ThrowawayCertificate& operator=(const ThrowawayCertificate&) = delete;

  std::string cert_file() const;  // also the CA file a client must trust
  std::string key_file() const;
  // A TLS 1.2+ server context presenting this certificate.
  SslContextPtr server_context() const;

 private:
  std::filesystem::path dir_;
};

}  // namespace ciamd::test_support
