#include "flows/keys/signing_keys.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "store/application_store.hpp"
#include "tokens/key_ring.hpp"
#include "tokens/sealer.hpp"

namespace ciamd {
namespace {

constexpr std::array<JwsAlg, 2> kSigningAlgs = {JwsAlg::kRS256, JwsAlg::kES256};

bool is_active(const SigningKeyRecord& r) {
  return r.state == "active";
}

// Whether the key's signing window [activates_at, retired_at) holds `now`. A retired key with no
// retirement time predates rotation and signs no more.
bool in_signing_window(const SigningKeyRecord& r, UnixSeconds now) {
  if (r.activates_at > now) return false;
  if (is_active(r)) return true;
  return r.state == "retired" && r.retired_at > now;
}

// Orders candidates for signing: the newest activation wins, then the newest key.
bool newer(const SigningKeyRecord& a, const SigningKeyRecord& b) {
  return std::tie(a.activates_at, a.created_at, a.kid) >
         std::tie(b.activates_at, b.created_at, b.kid);
}

AsymmetricKey generate(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS256:
      return AsymmetricKey::generate_rsa(2048);
    case JwsAlg::kES256:
      return AsymmetricKey::generate_ec_p256();
    case JwsAlg::kHS256:
      break;
  }
  throw std::invalid_argument("signing keys are RS256 or ES256, not " +
                              std::string(to_string(alg)));
}

SigningKeyRecord new_record(const Sealer& sealer, JwsAlg alg, UnixSeconds now,
                            UnixSeconds activates_at) {
  const AsymmetricKey key = generate(alg);
  SigningKeyRecord record;
  record.kid = key.thumbprint();
  record.algorithm = std::string(to_string(alg));
  record.sealed_private_key = sealer.seal(key.private_pem(), record.kid);
  record.state = "active";
  record.created_at = now;
  record.activates_at = activates_at;
  return record;
}

AsymmetricKey open_key(const SigningKeyRecord& record, const Sealer& sealer) {
  std::optional<std::string> pem = sealer.open(record.sealed_private_key, record.kid);
  if (!pem) {
    throw std::runtime_error("signing key " + record.kid +
                             " does not open: is this the master key it was sealed with?");
  }
  std::optional<AsymmetricKey> key = AsymmetricKey::from_private_pem(*pem);
  if (!key) throw std::runtime_error("signing key " + record.kid + " is not a valid key");
  // The kid is the key's thumbprint and the row names its algorithm; a row that disagrees with
  // its key would publish one kid and sign under another.
  if (key->thumbprint() != record.kid || to_string(key->alg()) != record.algorithm) {
    throw std::runtime_error("signing key " + record.kid + " does not match its record");
  }
  return std::move(*key);
}

// The ring's keys at `now`, opened, in record order, checked to give every algorithm a signer.
std::vector<RingKey> ring_keys(const std::vector<SigningKeyRecord>& records, const Sealer& sealer,
                               UnixSeconds now) {
  const std::vector<KeyStatus> statuses = key_statuses(records, now);
  std::vector<RingKey> keys;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!statuses[i].published) continue;
    keys.push_back({open_key(records[i], sealer), statuses[i].state == KeyState::kSigning});
  }
  for (const JwsAlg alg : kSigningAlgs) {
    const bool has_signer = std::any_of(keys.begin(), keys.end(), [alg](const RingKey& k) {
      return k.signing && k.key.alg() == alg;
    });
    if (!has_signer) {
      throw std::runtime_error("no " + std::string(to_string(alg)) + " signing key");
    }
  }
  return keys;
}

}  // namespace

std::string_view to_string(KeyState s) {
  switch (s) {
    case KeyState::kPending:
      return "pending";
    case KeyState::kSigning:
      return "signing";
    case KeyState::kPublished:
      return "published";
    case KeyState::kExpired:
      return "expired";
  }
  return "expired";
}

std::vector<KeyStatus> key_statuses(const std::vector<SigningKeyRecord>& records, UnixSeconds now) {
  // The signer of each algorithm, as an index into `records`.
  std::vector<std::optional<std::size_t>> signer_of(kSigningAlgs.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const SigningKeyRecord& r = records[i];
    for (std::size_t a = 0; a < kSigningAlgs.size(); ++a) {
      if (r.algorithm != to_string(kSigningAlgs[a]) || !in_signing_window(r, now)) continue;
      if (!signer_of[a] || newer(r, records[*signer_of[a]])) signer_of[a] = i;
    }
  }

  std::vector<KeyStatus> out(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const SigningKeyRecord& r = records[i];
    KeyStatus& s = out[i];
    const bool known_alg = std::any_of(kSigningAlgs.begin(), kSigningAlgs.end(),
                                       [&](JwsAlg alg) { return r.algorithm == to_string(alg); });
    if (!known_alg) continue;  // expired: a key this server cannot sign with is never published
    const bool signer = std::any_of(signer_of.begin(), signer_of.end(),
                                    [i](const auto& index) { return index && *index == i; });
    if (signer) {
      s = {KeyState::kSigning, true};
    } else if (is_active(r)) {
      // Pre-publication: clients fetch it before it signs. An active key that has activated but
      // is not the newest (two keys created at once by two nodes) stays published too.
      s = {r.activates_at > now ? KeyState::kPending : KeyState::kPublished, true};
    } else if (r.state == "retired" && r.publish_until > now) {
      // A key rotated out before it ever signed still signs for its window, if it has one.
      const bool waits = r.activates_at > now && r.retired_at > r.activates_at;
      s = {waits ? KeyState::kPending : KeyState::kPublished, true};
    }
  }
  return out;
}

void build_ring(const std::vector<SigningKeyRecord>& records, const Sealer& sealer, KeyRing& ring,
                UnixSeconds now) {
  ring.replace(ring_keys(records, sealer, now));
}

void add_every_signing_key(const std::vector<SigningKeyRecord>& records, const Sealer& sealer,
                           KeyRing& ring) {
  for (const SigningKeyRecord& r : records) ring.add(open_key(r, sealer), false);
}

void load_signing_keys(SigningKeyStore& store, const Sealer& sealer, KeyRing& ring,
                       const Clock& clock) {
  const UnixSeconds now = clock();
  std::vector<SigningKeyRecord> records = store.list_signing_keys();
  // Open the stored keys first: under a wrong master key the server must stop before it stores
  // a key sealed with that wrong key.
  const std::vector<KeyStatus> statuses = key_statuses(records, now);
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (statuses[i].published) (void)open_key(records[i], sealer);
  }
  bool created = false;
  for (const JwsAlg alg : kSigningAlgs) {
    const bool has_active = std::any_of(records.begin(), records.end(), [alg](const auto& r) {
      return is_active(r) && r.algorithm == to_string(alg);
    });
    if (has_active) continue;
    // No client can know this key yet, but there is no other key of its algorithm to sign with;
    // an application switched to it later finds it published by then.
    // Another node starting on the same database may have created one meanwhile: then that one
    // is the algorithm's key, and this one is dropped unused.
    const SigningKeyRecord record = new_record(sealer, alg, now, now);
    if (store.insert_first_signing_key(record)) {
      spdlog::info("created signing key kid={} alg={}", record.kid, record.algorithm);
    }
    created = true;
  }
  if (created) records = store.list_signing_keys();
  build_ring(records, sealer, ring, now);
}

void reload_signing_keys(SigningKeyStore& store, const Sealer& sealer, KeyRing& ring,
                         const Clock& clock) {
  std::vector<RingKey> keys = ring_keys(store.list_signing_keys(), sealer, clock());
  std::array<std::string, kSigningAlgs.size()> before;
  for (std::size_t a = 0; a < kSigningAlgs.size(); ++a)
    before[a] = ring.signer_kid(kSigningAlgs[a]);
  ring.replace(std::move(keys));
  for (std::size_t a = 0; a < kSigningAlgs.size(); ++a) {
    const std::string after = ring.signer_kid(kSigningAlgs[a]);
    if (after != before[a]) {
      spdlog::info("{} signing key is now kid={} (was kid={})", to_string(kSigningAlgs[a]), after,
                   before[a]);
    }
  }
}

std::int64_t max_id_token_ttl(ApplicationStore& apps) {
  std::int64_t ttl = kDefaultIdTokenTtl;
  for (const Application& app : apps.list_applications()) ttl = std::max(ttl, app.id_token_ttl);
  return ttl;
}

UnixSeconds publish_until_for(UnixSeconds retired_at, std::int64_t max_id_token_ttl,
                              std::int64_t reload_interval) {
  return retired_at + max_id_token_ttl + reload_interval + kIdTokenClockLeeway;
}

SigningKeyRecord rotate_signing_key(SigningKeyStore& store, const Sealer& sealer, JwsAlg alg,
                                    UnixSeconds now, std::int64_t publish_lead,
                                    std::int64_t max_id_token_ttl, std::int64_t reload_interval) {
  if (publish_lead < 0) throw std::invalid_argument("the publish lead cannot be negative");
  const SigningKeyRecord next = new_record(sealer, alg, now, now + publish_lead);
  store.rotate_signing_key(next,
                           publish_until_for(next.activates_at, max_id_token_ttl, reload_interval));
  // No log line here: the caller reports the rotation (the CLI prints it, and --json output
  // must stay clean); servers log the change of signer when they reload.
  return next;
}

}  // namespace ciamd
