// idp-sim/tls_setup: a throwaway certificate authority and a server certificate for the HTTPS
// listener, generated at every start so no key material is ever checked in or reused.
//
// Clients under test trust `ca.pem` explicitly (the server's CA-file option, curl --cacert),
// exactly as they would trust a real provider's CA through the system store.
#pragma once

#include <filesystem>
#include <string>

namespace idp_sim {

struct TlsMaterial {
  std::filesystem::path ca_file;     // the CA certificate (PEM)
  std::filesystem::path chain_file;  // server certificate followed by the CA certificate (PEM)
  std::filesystem::path key_file;    // the server's private key (PEM, mode 0600)
};

// Generates an EC P-256 CA (self-signed, CA:TRUE) and a server certificate it signs, with SAN
// DNS:localhost and IP:127.0.0.1, both valid for one day; writes ca.pem, server.pem and
// server.key into `dir` (created if missing). Throws std::runtime_error on failure.
TlsMaterial generate_tls_material(const std::filesystem::path& dir);

// Writes `content` to `path` via a temporary file and rename(), so a reader never sees a partial
// file; the file is created with permission bits `mode`.
void write_file_atomically(const std::filesystem::path& path, const std::string& content,
                           unsigned mode = 0644);

}  // namespace idp_sim
