#include "tokens/key_ring.hpp"

#include <array>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "tokens/base64.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {

// An immutable view of the ring. A change builds a new snapshot and swaps the pointer, so a
// reader holding the old one keeps a consistent set of keys, signers and JWKS (with its ETag) for
// as long as it needs them, without holding any lock.
struct KeyRing::Snapshot {
  struct Entry {
    std::string kid;
    std::shared_ptr<const AsymmetricKey> key;  // shared between successive snapshots
  };
  std::vector<Entry> entries;  // in the order they were given; the JWKS lists them so
  // Indexed by JwsAlg; "" where the algorithm has no signer (HS256 never has one).
  std::array<std::string, 3> signer_kids;
  std::string jwks;
  std::string etag;

  const AsymmetricKey* find(std::string_view kid) const {
    for (const Entry& e : entries) {
      if (e.kid == kid) return e.key.get();
    }
    return nullptr;
  }
};

struct KeyRing::State {
  std::mutex write_mutex;  // serializes changes, which build the next snapshot under it
  // Guards only the pointer: readers hold it just long enough to copy `current`.
  mutable std::mutex read_mutex;
  std::shared_ptr<const Snapshot> current;
};

namespace {

std::size_t alg_index(JwsAlg alg) {
  return static_cast<std::size_t>(alg);
}

// A JWKS member: the RFC 7638 public members plus kid, alg and use, in the order docs/api.md
// shows ("GET /api/v1/oauth2/keys").
boost::json::object jwks_entry(std::string_view kid, const AsymmetricKey& key) {
  const boost::json::object pub = key.public_jwk();
  boost::json::object entry;
  entry["kty"] = pub.at("kty");
  if (key.alg() == JwsAlg::kRS256) {
    entry["n"] = pub.at("n");
    entry["e"] = pub.at("e");
  } else {
    entry["crv"] = pub.at("crv");
    entry["x"] = pub.at("x");
    entry["y"] = pub.at("y");
  }
  entry["kid"] = kid;
  entry["alg"] = to_string(key.alg());
  entry["use"] = "sig";
  return entry;
}

// Serializes the JWKS and its ETag once per change, so every request serves the same bytes and a
// cache revalidation costs a string comparison.
template <class Entries>
void finish_jwks(const Entries& entries, std::string& jwks, std::string& etag) {
  boost::json::array keys;
  for (const auto& e : entries) keys.push_back(jwks_entry(e.kid, *e.key));
  jwks = boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
  etag = "\"" + base64url_encode(crypto::sha256(jwks)) + "\"";
}

}  // namespace

KeyRing::KeyRing() : state_(std::make_unique<State>()) {
  auto empty = std::make_shared<Snapshot>();
  finish_jwks(empty->entries, empty->jwks, empty->etag);
  state_->current = std::move(empty);
}

KeyRing::~KeyRing() = default;

std::shared_ptr<const KeyRing::Snapshot> KeyRing::snapshot() const {
  std::lock_guard lock(state_->read_mutex);
  return state_->current;
}

void KeyRing::add(AsymmetricKey key, bool signing) {
  if (signing && !key.has_private()) {
    throw std::invalid_argument("KeyRing: a signing key needs its private part");
  }
  std::string kid = key.thumbprint();
  const JwsAlg alg = key.alg();
  auto shared = std::make_shared<const AsymmetricKey>(std::move(key));

  // Only writers change `current`, and they hold write_mutex, so reading it here needs no other
  // lock; readers are held up only for the pointer swap at the end.
  std::lock_guard write_lock(state_->write_mutex);
  auto next = std::make_shared<Snapshot>(*state_->current);
  bool replaced = false;
  for (Snapshot::Entry& e : next->entries) {
    if (e.kid == kid) {
      // The same public key again keeps its place; it never loses a private part it had, so
      // publishing a signer's public key a second time cannot stop it from signing.
      if (shared->has_private() || !e.key->has_private()) e.key = shared;
      replaced = true;
    }
  }
  if (!replaced) next->entries.push_back({kid, shared});
  if (signing) next->signer_kids.at(alg_index(alg)) = kid;
  finish_jwks(next->entries, next->jwks, next->etag);

  std::shared_ptr<const Snapshot> previous;  // freed after read_lock is released
  {
    std::lock_guard read_lock(state_->read_mutex);
    previous = std::exchange(state_->current, std::move(next));
  }
}

void KeyRing::replace(std::vector<RingKey> keys) {
  // The whole new snapshot is built and checked before anything is swapped, so a bad set leaves
  // the ring as it was.
  auto next = std::make_shared<Snapshot>();
  for (RingKey& k : keys) {
    if (k.signing && !k.key.has_private()) {
      throw std::invalid_argument("KeyRing: a signing key needs its private part");
    }
    std::string kid = k.key.thumbprint();
    const JwsAlg alg = k.key.alg();
    auto shared = std::make_shared<const AsymmetricKey>(std::move(k.key));
    Snapshot::Entry* existing = nullptr;
    for (Snapshot::Entry& e : next->entries) {
      if (e.kid == kid) existing = &e;
    }
    if (existing) {
      // A key listed twice is one key, as with add(): it keeps its first place and any private
      // part it was given.
      if (shared->has_private()) existing->key = shared;
    } else {
      next->entries.push_back({kid, shared});
    }
    if (k.signing) {
      std::string& signer = next->signer_kids.at(alg_index(alg));
      if (!signer.empty() && signer != kid) {
        throw std::invalid_argument("KeyRing: two signing keys for " + std::string(to_string(alg)));
      }
      signer = kid;
    }
  }
  finish_jwks(next->entries, next->jwks, next->etag);

  std::lock_guard write_lock(state_->write_mutex);
  std::shared_ptr<const Snapshot> previous;  // freed after read_lock is released
  {
    std::lock_guard read_lock(state_->read_mutex);
    previous = std::exchange(state_->current, std::move(next));
  }
}

bool KeyRing::has_signer(JwsAlg alg) const {
  return !snapshot()->signer_kids.at(alg_index(alg)).empty();
}

std::string KeyRing::signer_kid(JwsAlg alg) const {
  return snapshot()->signer_kids.at(alg_index(alg));
}

std::string KeyRing::sign(std::string_view payload_json, JwsAlg alg) const {
  const auto snap = snapshot();
  const std::string& kid = snap->signer_kids.at(alg_index(alg));
  const AsymmetricKey* key = kid.empty() ? nullptr : snap->find(kid);
  if (!key) throw std::logic_error("KeyRing: no " + std::string(to_string(alg)) + " signing key");
  boost::json::object header;
  header["alg"] = to_string(key->alg());
  header["kid"] = kid;
  header["typ"] = "JWT";
  return jws_sign(boost::json::serialize(header), payload_json, *key);
}

std::optional<JwsParts> KeyRing::verify(std::string_view token) const {
  const auto unverified = jws_decode_unverified(token);
  if (!unverified) return std::nullopt;
  const auto* kid = unverified->header.if_contains("kid");
  if (!kid || !kid->is_string()) return std::nullopt;
  const auto snap = snapshot();
  const AsymmetricKey* key =
      snap->find(std::string_view(kid->get_string().data(), kid->get_string().size()));
  if (!key) return std::nullopt;
  // jws_verify checks the header's "alg" against the key, so a kid of one algorithm cannot be
  // paired with a signature of another.
  return jws_verify(token, *key);
}

KeyRing::JwksDocument KeyRing::jwks() const {
  const auto snap = snapshot();
  return {snap->jwks, snap->etag};
}

std::string KeyRing::jwks_json() const {
  return snapshot()->jwks;
}

std::string KeyRing::jwks_etag() const {
  return snapshot()->etag;
}

}  // namespace ciamd
