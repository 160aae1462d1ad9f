#include "api/admin/keys.hpp"

#include <vector>

#include "api/admin/records.hpp"
#include "flows/keys/signing_keys.hpp"
#include "store/store.hpp"

namespace ciamd {
namespace {

// The kids of the algorithm's active keys: what a rotation retires.
boost::json::array active_kids(const std::vector<SigningKeyRecord>& records, JwsAlg alg) {
  boost::json::array kids;
  for (const SigningKeyRecord& r : records) {
    if (r.state == "active" && r.algorithm == to_string(alg)) kids.emplace_back(r.kid);
  }
  return kids;
}

Result<AdminReply> list(const AdminServices& a, const AdminCall&) {
  const std::vector<SigningKeyRecord> records = a.store.list_signing_keys();
  const std::vector<KeyStatus> statuses = key_statuses(records, a.clock());
  boost::json::array items;
  for (std::size_t i = 0; i < records.size(); ++i)
    items.push_back(key_json(records[i], statuses[i]));
  return AdminReply{200, boost::json::object{{"items", std::move(items)}}};
}

Result<AdminReply> rotate(const AdminServices& a, const AdminCall& call) {
  std::string alg = "all";
  std::int64_t activate_in = a.key_publish_lead;
  for (const auto& [key, value] : call.body) {
    if (key == "alg" && value.is_string()) {
      alg = std::string(value.as_string());
    } else if (key == "activate_in" && value.is_int64() && value.as_int64() >= 0) {
      activate_in = value.as_int64();
    } else {
      return bad_argument("rotate takes alg (RS256, ES256, all) and activate_in (seconds >= 0)");
    }
  }
  Result<boost::json::array> done =
      rotate_keys(a.store, a.sealer, alg, activate_in, a.key_reload_interval, a.clock());
  if (!done) return done.error();
  return AdminReply{200, boost::json::object{{"items", std::move(done.value())}}};
}

}  // namespace

Result<boost::json::array> rotate_keys(Store& store, const Sealer& sealer, std::string_view alg,
                                       std::int64_t activate_in, std::int64_t reload_interval,
                                       UnixSeconds now) {
  std::vector<JwsAlg> algs;
  if (alg == "all" || alg == "RS256") algs.push_back(JwsAlg::kRS256);
  if (alg == "all" || alg == "ES256") algs.push_back(JwsAlg::kES256);
  if (algs.empty()) return bad_argument("alg must be RS256, ES256 or all");
  const std::vector<SigningKeyRecord> records = store.list_signing_keys();
  for (const JwsAlg a : algs) {
    if (active_kids(records, a).empty()) {
      return bad_argument("no active " + std::string(to_string(a)) +
                          " key to rotate: start the server once to create the first keys");
    }
  }
  const std::int64_t ttl = max_id_token_ttl(store);
  boost::json::array out;
  for (const JwsAlg a : algs) {
    boost::json::object o;
    o["replaces"] = active_kids(records, a);
    const SigningKeyRecord next =
        rotate_signing_key(store, sealer, a, now, activate_in, ttl, reload_interval);
    o["alg"] = next.algorithm;
    o["kid"] = next.kid;
    o["signs_from"] = iso_time(next.activates_at);
    o["replaced_in_jwks_until"] =
        iso_time(publish_until_for(next.activates_at, ttl, reload_interval));
    out.push_back(std::move(o));
  }
  return out;
}

void add_key_routes(Router& router, const AdminServices& admin) {
  router.add("GET", "/admin/v1/signing-keys", admin_handler(admin, list));
  router.add("POST", "/admin/v1/signing-keys/rotate", admin_handler(admin, rotate));
}

}  // namespace ciamd
