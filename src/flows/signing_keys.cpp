#include "flows/signing_keys.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "store/store.hpp"
#include "tokens/key_ring.hpp"
#include "tokens/keys.hpp"
#include "tokens/sealer.hpp"

namespace ciamd {

void load_signing_keys(Store& store, const Sealer& sealer, KeyRing& ring, const Clock& clock) {
  std::vector<SigningKeyRecord> records = store.list_signing_keys();
  if (records.empty()) {
    AsymmetricKey key = AsymmetricKey::generate_rsa(2048);
    SigningKeyRecord record;
    record.kid = key.thumbprint();
    record.algorithm = std::string(to_string(key.alg()));
    record.sealed_private_key = sealer.seal(key.private_pem(), record.kid);
    record.state = "active";
    record.created_at = clock();
    store.insert_signing_key(record);
    spdlog::info("created signing key kid={} alg={}", record.kid, record.algorithm);
    records = store.list_signing_keys();
  }
  for (const SigningKeyRecord& record : records) {
    std::optional<std::string> pem = sealer.open(record.sealed_private_key, record.kid);
    if (!pem) {
      throw std::runtime_error("signing key " + record.kid +
                               " does not open: is this the master key it was sealed with?");
    }
    std::optional<AsymmetricKey> key = AsymmetricKey::from_private_pem(*pem);
    if (!key) throw std::runtime_error("signing key " + record.kid + " is not a valid key");
    ring.add(std::move(*key), record.state == "active");
  }
  if (!ring.has_signer()) throw std::runtime_error("no active signing key");
}

}  // namespace ciamd
