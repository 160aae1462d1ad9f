// tokens/key_ring: the signing keys the server holds. At most one key per algorithm signs (RS256,
// ES256); every key that may still verify a live id_token, or that will sign soon, is published in
// the JWKS. Thread-safe: readers take an immutable snapshot, so signing never waits on a reload.
//
//   KeyRing ring;
//   ring.replace({{std::move(rsa), true}, {std::move(old_rsa), false}, {std::move(ec), true}});
//   std::string jwt = ring.sign(payload_json, JwsAlg::kRS256);  // header {"alg","kid","typ":"JWT"}
//   std::string jwks = ring.jwks_json();  // {"keys":[{"kty","n","e","kid","alg","use"}, ...]}
//   std::string etag = ring.jwks_etag();  // "\"<base64url SHA-256 of jwks_json()>\""
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokens/jws.hpp"
#include "tokens/keys.hpp"

namespace ciamd {

// One key of a ring and whether it is its algorithm's signer.
struct RingKey {
  AsymmetricKey key;
  bool signing = false;
};

class KeyRing {
 public:
  KeyRing();
  ~KeyRing();

  // Adds a key under its RFC 7638 thumbprint as kid; `signing` makes it its algorithm's signer.
  void add(AsymmetricKey key, bool signing);
  // Swaps in a whole new set at once (a reload): a reader sees the old set or the new one, never
  // a mix. Throws std::invalid_argument for two signers of one algorithm or a signer without its
  // private part (and keeps the old set).
  void replace(std::vector<RingKey> keys);

  bool has_signer(JwsAlg alg) const;
  std::string signer_kid(JwsAlg alg) const;  // "" without a signer

  // Signs `payload_json` with the signer of `alg`; throws std::logic_error without one.
  std::string sign(std::string_view payload_json, JwsAlg alg) const;
  // Verifies a token signed by any key in the ring (selected by its "kid").
  std::optional<JwsParts> verify(std::string_view token) const;
  // The JWKS document and its strong ETag, computed once per change of the ring. jwks() reads both
  // from one snapshot: a reload between two separate reads could pair a body with another ETag.
  struct JwksDocument {
    std::string json;
    std::string etag;
  };
  JwksDocument jwks() const;
  std::string jwks_json() const;
  std::string jwks_etag() const;

 private:
  struct Snapshot;
  std::shared_ptr<const Snapshot> snapshot() const;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ciamd
