// flows/keys/signing_keys: the id_token signing keys, from the database into the KeyRing, and their
// rotation. Each algorithm (RS256, ES256) has its own keys; a key lives through four states:
//
//   pending    stored and published in the JWKS, not signing yet (clients fetch it in advance)
//   signing    the algorithm's newest key whose signing time has come
//   published  retired, no longer signing, kept in the JWKS while tokens it signed may be live
//   expired    retired and out of the JWKS
//
// At first start there is no key: one RS256 and one ES256 key are generated, sealed under the
// master key and stored. Later starts load and open the stored keys; a key that does not open
// (wrong master key) stops the server, because signing with a fresh key would silently
// invalidate every client's cached JWKS. A running server rereads the keys periodically, so a
// rotation made by `ciamd keys rotate` (or another node) reaches it without a restart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "store/key_store.hpp"
#include "tokens/keys.hpp"

namespace ciamd {

class ApplicationStore;
class Sealer;
class KeyRing;

// How long relying parties may accept an id_token around its lifetime: it is backdated by this
// much (nbf = iat - 120) for clock skew, and verifiers allow the same skew past exp.
inline constexpr std::int64_t kIdTokenClockLeeway = 120;

enum class KeyState { kPending, kSigning, kPublished, kExpired };
std::string_view to_string(KeyState s);  // "pending", "signing", "published", "expired"

// What one stored key is at a given time.
struct KeyStatus {
  KeyState state = KeyState::kExpired;
  bool published = false;  // in the JWKS (pending, signing and published keys)
};

// The status of every record at `now`, in the same order. Pure: the tests feed it records and
// times. Per algorithm, the signer is the newest key (by activates_at, then created_at) whose
// signing window [activates_at, retired_at) holds `now` (an active key's window never closes);
// so a rotated-out key keeps signing until its successor activates.
std::vector<KeyStatus> key_statuses(const std::vector<SigningKeyRecord>& records, UnixSeconds now);

// Opens the records and builds the ring at `now` (signers and published keys, in record order);
// throws std::runtime_error when a published key does not open under `sealer`.
void build_ring(const std::vector<SigningKeyRecord>& records, const Sealer& sealer, KeyRing& ring,
                UnixSeconds now);

// Every stored key, expired ones too, published and none signing: for checking by hand which of
// this server's keys signed a token. Throws as build_ring does.
void add_every_signing_key(const std::vector<SigningKeyRecord>& records, const Sealer& sealer,
                           KeyRing& ring);

// At start: creates and stores an RS256 and an ES256 key when the store holds no active key of
// that algorithm (so a database from before ES256 gains one), then builds the ring. Throws
// std::runtime_error when a stored key cannot be opened or an algorithm ends up without a signer.
void load_signing_keys(SigningKeyStore& store, const Sealer& sealer, KeyRing& ring,
                       const Clock& clock);

// For the periodic reload: rereads the keys and rebuilds the ring, never creating one. Logs a
// change of signer. Throws (keeping the ring as it was) when a key does not open or an algorithm
// would lose its signer.
void reload_signing_keys(SigningKeyStore& store, const Sealer& sealer, KeyRing& ring,
                         const Clock& clock);

// The largest id_token_ttl over all applications, at least kDefaultIdTokenTtl: how long a token
// signed by a key may be live after the key stops signing.
std::int64_t max_id_token_ttl(ApplicationStore& apps);

// When a key that stops signing at `retired_at` may leave the JWKS: after every token it could
// have signed has expired. A node may notice the switch up to `reload_interval` late and sign
// with the old key until then; those tokens live max_id_token_ttl, plus the verifiers' leeway.
UnixSeconds publish_until_for(UnixSeconds retired_at, std::int64_t max_id_token_ttl,
                              std::int64_t reload_interval);

// Generates a new key of `alg`, stores it to sign from now + publish_lead (0: at once), and
// retires the algorithm's active keys as of then, published until publish_until_for(...).
// Returns the new record.
SigningKeyRecord rotate_signing_key(SigningKeyStore& store, const Sealer& sealer, JwsAlg alg,
                                    UnixSeconds now, std::int64_t publish_lead,
                                    std::int64_t max_id_token_ttl, std::int64_t reload_interval);

}  // namespace ciamd
