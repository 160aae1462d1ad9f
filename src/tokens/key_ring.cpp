#include "tokens/key_ring.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace ciamd {

// An immutable view of the ring. A change builds a new snapshot and swaps the pointer, so a
// reader holding the old one keeps a consistent set of keys, signer and JWKS for as long as it
// needs them, without holding any lock.
struct KeyRing::Snapshot {
  struct Entry {
    std::string kid;
    std::shared_ptr<const AsymmetricKey> key;  // shared between successive snapshots
  };
  std::vector<Entry> entries;  // in the order they were added; the JWKS lists them so
  std::string signer_kid;
  std::string jwks;

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

// A JWKS member: the RFC 7638 public members plus kid, alg and use, in the order API.md shows.
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

}  // namespace

KeyRing::KeyRing() : state_(std::make_unique<State>()) {
  auto empty = std::make_shared<Snapshot>();
  empty->jwks = R"({"keys":[]})";
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
  if (signing) next->signer_kid = kid;

  boost::json::array keys;
  for (const Snapshot::Entry& e : next->entries) keys.push_back(jwks_entry(e.kid, *e.key));
  next->jwks = boost::json::serialize(boost::json::object{{"keys", std::move(keys)}});
  std::shared_ptr<const Snapshot> previous;  // freed after read_lock is released
  {
    std::lock_guard read_lock(state_->read_mutex);
    previous = std::exchange(state_->current, std::move(next));
  }
}

bool KeyRing::has_signer() const {
  return !snapshot()->signer_kid.empty();
}

std::string KeyRing::signer_kid() const {
  return snapshot()->signer_kid;
}

std::string KeyRing::sign(std::string_view payload_json) const {
  const auto snap = snapshot();
  const AsymmetricKey* key = snap->find(snap->signer_kid);
  if (snap->signer_kid.empty() || !key) throw std::logic_error("KeyRing: no signing key");
  boost::json::object header;
  header["alg"] = to_string(key->alg());
  header["kid"] = snap->signer_kid;
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
  return jws_verify(token, *key);
}

std::string KeyRing::jwks_json() const {
  return snapshot()->jwks;
}

}  // namespace ciamd
