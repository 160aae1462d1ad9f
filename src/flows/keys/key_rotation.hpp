// flows/keys/key_rotation: what operators do with the signing keys (the admin API and `ciamd
// keys`): see each key's state now, and rotate. A rotation stores a new key of each named algorithm
// that signs `activate_in` seconds from now, and retires the algorithm's active keys as of then;
// they stay published until every token they signed has expired (flows/keys/signing_keys.hpp).
// Running servers pick the change up at their next key reload. Synchronous: callers on a network
// thread go through the BlockingPool.
//
//   const KeyRotation keys(store, store, sealer);  // the SigningKeyStore, ApplicationStore roles
//   Result<std::vector<RotatedKey>> done = keys.rotate("all", 600, 30, now);
//   for (const KeyWithStatus& k : keys.list(now)) ...
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"
#include "flows/keys/signing_keys.hpp"

namespace ciamd {

class ApplicationStore;
class Sealer;
class SigningKeyStore;

struct KeyWithStatus {
  SigningKeyRecord record;
  KeyStatus status;
};

struct RotatedKey {
  std::string algorithm;
  std::string kid;
  std::vector<std::string> replaces;  // the kids it retires
  UnixSeconds signs_from = 0;
  UnixSeconds replaced_in_jwks_until = 0;  // when the retired keys leave the JWKS
};

class KeyRotation {
 public:
  KeyRotation(SigningKeyStore& keys, ApplicationStore& apps, const Sealer& sealer)
      : keys_(keys), apps_(apps), sealer_(sealer) {}

  // Every stored key, oldest first, with its state at `now`.
  std::vector<KeyWithStatus> list(UnixSeconds now) const;
  // `alg`: RS256, ES256 or all. ADMIN invalid argument for another alg, or when an algorithm has
  // no active key yet (the first `ciamd serve` creates them).
  Result<std::vector<RotatedKey>> rotate(std::string_view alg, std::int64_t activate_in,
                                         std::int64_t reload_interval, UnixSeconds now) const;

 private:
  SigningKeyStore& keys_;
  ApplicationStore& apps_;
  const Sealer& sealer_;
};

}  // namespace ciamd
