#include "flows/keys/key_rotation.hpp"

#include "flows/admin/checks.hpp"
#include "store/key_store.hpp"

namespace ciamd {
namespace {

// The kids of the algorithm's active keys: what a rotation retires.
std::vector<std::string> active_kids(const std::vector<SigningKeyRecord>& records, JwsAlg alg) {
  std::vector<std::string> kids;
  for (const SigningKeyRecord& r : records) {
    if (r.state == "active" && r.algorithm == to_string(alg)) kids.push_back(r.kid);
  }
  return kids;
}

}  // namespace

std::vector<KeyWithStatus> KeyRotation::list(UnixSeconds now) const {
  std::vector<SigningKeyRecord> records = keys_.list_signing_keys();
  const std::vector<KeyStatus> statuses = key_statuses(records, now);
  std::vector<KeyWithStatus> out;
  out.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    out.push_back(KeyWithStatus{std::move(records[i]), statuses[i]});
  }
  return out;
}

Result<std::vector<RotatedKey>> KeyRotation::rotate(std::string_view alg, std::int64_t activate_in,
                                                    std::int64_t reload_interval,
                                                    UnixSeconds now) const {
  std::vector<JwsAlg> algs;
  if (alg == "all" || alg == "RS256") algs.push_back(JwsAlg::kRS256);
  if (alg == "all" || alg == "ES256") algs.push_back(JwsAlg::kES256);
  if (algs.empty()) return invalid_argument("alg must be RS256, ES256 or all");
  const std::vector<SigningKeyRecord> records = keys_.list_signing_keys();
  for (const JwsAlg a : algs) {
    if (active_kids(records, a).empty()) {
      return invalid_argument("no active " + std::string(to_string(a)) +
                              " key to rotate: start the server once to create the first keys");
    }
  }
  const std::int64_t ttl = max_id_token_ttl(apps_);
  std::vector<RotatedKey> out;
  for (const JwsAlg a : algs) {
    RotatedKey rotated;
    rotated.replaces = active_kids(records, a);
    const SigningKeyRecord next =
        rotate_signing_key(keys_, sealer_, a, now, activate_in, ttl, reload_interval);
    rotated.algorithm = next.algorithm;
    rotated.kid = next.kid;
    rotated.signs_from = next.activates_at;
    rotated.replaced_in_jwks_until = publish_until_for(next.activates_at, ttl, reload_interval);
    out.push_back(std::move(rotated));
  }
  return out;
}

}  // namespace ciamd
