// store/key_store: the id_token signing keys, sealed under the master key. Which key signs and
// which are published is computed from these rows and the time (flows/keys/signing_keys.hpp).
//
// Calls block (run them on the BlockingPool or at start-up) and are safe from several threads and
// nodes; failures of the database throw StoreError.
//
//   for (const SigningKeyRecord& k : keys.list_signing_keys()) ...  // oldest first
//   keys.rotate_signing_key(next, /*publish_until=*/now + max_ttl);
#pragma once

#include <string>
#include <vector>

#include "core/model.hpp"

namespace ciamd {

// A signing key. An `active` key signs from activates_at on (keys are published in the JWKS
// before they sign, so clients holding a cached JWKS already know them); the newest key of an
// algorithm that has activated is its signer. `ciamd keys rotate` retires the current key as of
// the new key's activates_at: it signs until then, and stays in the JWKS until publish_until,
// when every id_token it signed has expired.
struct SigningKeyRecord {
  std::string kid;
  std::string algorithm;           // "RS256", "ES256"
  std::string sealed_private_key;  // PEM sealed by the Sealer (AAD: the kid)
  std::string state;               // "active", "retired"
  UnixSeconds created_at = 0;
  UnixSeconds activates_at = 0;   // signs from then on; 0 for keys made before rotation existed
  UnixSeconds retired_at = 0;     // stops signing then; 0 while active
  UnixSeconds publish_until = 0;  // leaves the JWKS then; 0 while active
};

class SigningKeyStore {
 public:
  virtual ~SigningKeyStore() = default;

  // Oldest first.
  virtual std::vector<SigningKeyRecord> list_signing_keys() = 0;
  virtual void insert_signing_key(const SigningKeyRecord& key) = 0;
  // Inserts `key` (active) unless an active key of its algorithm exists, checked and inserted
  // under one lock: of several nodes starting at once on a new database, one creates each
  // algorithm's first key. False, inserting nothing, when such a key exists.
  virtual bool insert_first_signing_key(const SigningKeyRecord& key) = 0;
  // One transaction: every active key of next.algorithm is retired as of next.activates_at with
  // `publish_until`, and `next` (active) is inserted.
  virtual void rotate_signing_key(const SigningKeyRecord& next, UnixSeconds publish_until) = 0;
};

}  // namespace ciamd
