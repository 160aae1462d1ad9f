// tokens/sealer: authenticated encryption of secrets at rest (AES-256-GCM, random 96-bit nonce).
// The associated data binds a sealed value to where it belongs (a kid, a client id), so a value
// copied into another row does not open.
//
//   Sealer sealer(master_key_32_bytes);
//   std::string stored = sealer.seal(secret, client_id);           // "v1." + base64url(...)
//   std::optional<std::string> back = sealer.open(stored, client_id);
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ciamd {

class Sealer {
 public:
  // `key` must be exactly 32 bytes; throws std::invalid_argument otherwise.
  explicit Sealer(std::string key);
  ~Sealer();  // wipes the key

  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;

  std::string seal(std::string_view plaintext, std::string_view associated_data) const;
  // nullopt when the value was tampered with, sealed under another key or with other AAD.
  std::optional<std::string> open(std::string_view sealed, std::string_view associated_data) const;
  // Opens `sealed` with this key and seals the plaintext again under `to`, with the same
  // associated data (a master-key rotation). The plaintext never leaves this call, and is wiped
  // before it returns; nullopt when `sealed` does not open.
  std::optional<std::string> reseal(std::string_view sealed, std::string_view associated_data,
                                    const Sealer& to) const;

  // A sub-key for another purpose (HMAC-SHA256 of the master key over `label`), so one master
  // key can serve several uses without reusing key material.
  std::string derive_key(std::string_view label) const;

 private:
  std::string key_;
};

}  // namespace ciamd
