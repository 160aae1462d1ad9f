// tokens/key_ring: the signing keys the server holds. One key signs; every key that may still
// verify a live id_token is published in the JWKS. Thread-safe: readers take an immutable
// snapshot, so signing never waits on a rotation.
//
//   KeyRing ring;
//   ring.add(std::move(key), /*signing=*/true);
//   std::string jwt = ring.sign(payload_json);     // header {"alg","kid","typ":"JWT"}
//   std::string jwks = ring.jwks_json();           // {"keys":[{"kty","n","e","kid","alg","use"}]}
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tokens/jws.hpp"
#include "tokens/keys.hpp"

namespace ciamd {

class KeyRing {
 public:
  KeyRing();
  ~KeyRing();

  // Adds a key under its RFC 7638 thumbprint as kid; `signing` makes it the signer.
  void add(AsymmetricKey key, bool signing);
  bool has_signer() const;
  std::string signer_kid() const;  // "" without a signer

  // Signs `payload_json` with the signer; throws std::logic_error without one.
  std::string sign(std::string_view payload_json) const;
  // Verifies a token signed by any key in the ring (selected by its "kid").
  std::optional<JwsParts> verify(std::string_view token) const;
  // The JWKS document, serialized once per change of the ring.
  std::string jwks_json() const;

 private:
  struct Snapshot;
  std::shared_ptr<const Snapshot> snapshot() const;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ciamd
