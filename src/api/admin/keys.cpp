#include "api/admin/keys.hpp"

#include <boost/json/array.hpp>

#include "flows/admin/admin_flows.hpp"
#include "render/records.hpp"

namespace ciamd {
namespace {

Result<AdminReply> list(const AdminServices& a, const AdminCall&) {
  boost::json::array items;
  for (const KeyWithStatus& k : a.flows.keys.list(a.clock())) {
    items.push_back(key_json(k.record, k.status));
  }
  return AdminReply{.body = boost::json::object{{"items", std::move(items)}}};
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
  Result<std::vector<RotatedKey>> done =
      a.flows.keys.rotate(alg, activate_in, a.key_reload_interval, a.clock());
  if (!done) return done.error();
  boost::json::array items;
  for (const RotatedKey& k : done.value()) items.push_back(rotated_key_json(k));
  return AdminReply{.body = boost::json::object{{"items", std::move(items)}}};
}

}  // namespace

void add_key_routes(Router& router, const AdminServices& admin) {
  router.add("GET", "/admin/v1/signing-keys", admin_handler(admin, list));
  router.add("POST", "/admin/v1/signing-keys/rotate", admin_handler(admin, rotate));
}

}  // namespace ciamd
