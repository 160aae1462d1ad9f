#include "api/admin/tenants.hpp"

#include <boost/json/array.hpp>

#include "api/admin/applications.hpp"
#include "flows/admin/admin_flows.hpp"
#include "render/records.hpp"

namespace ciamd {
namespace {

std::string tenant_of(const AdminCall& call) {
  return std::string(path_segment(call.http.path, 3));
}

// The string fields `keys` of the body; any other field is refused.
Result<std::vector<std::string>> strings(const boost::json::object& body,
                                         std::initializer_list<std::string_view> keys) {
  std::vector<std::string> out(keys.size());
  for (const auto& [key, value] : body) {
    std::size_t i = 0;
    for (std::string_view k : keys) {
      if (k == key) break;
      ++i;
    }
    if (i == keys.size()) return bad_argument("unknown field " + std::string(key));
    if (!value.is_string()) return bad_argument(std::string(key) + " must be a string");
    out[i] = std::string(value.as_string());
  }
  return out;
}

Result<AdminReply> tenant_reply(const Result<Tenant>& tenant, int status = 200) {
  if (!tenant) return tenant.error();
  return AdminReply{.status = status, .body = tenant_json(tenant.value())};
}

}  // namespace

void add_tenant_routes(Router& router, const AdminServices& admin) {
  router.add(
      "GET", "/admin/v1/tenants",
      admin_handler(admin, [](const AdminServices& a, const AdminCall&) -> Result<AdminReply> {
        boost::json::array items;
        for (const Tenant& t : a.flows.tenants.all()) items.push_back(tenant_json(t));
        return AdminReply{.body = boost::json::object{{"items", std::move(items)}}};
      }));
  router.add("POST", "/admin/v1/tenants",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Result<std::vector<std::string>> f = strings(call.body, {"id", "name"});
               if (!f) return Result<AdminReply>(f.error());
               const std::string& name = f.value()[1].empty() ? f.value()[0] : f.value()[1];
               return tenant_reply(a.flows.tenants.create(f.value()[0], name, a.clock()), 201);
             }));
  router.add("GET", "/admin/v1/tenants/{tenant_id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               return tenant_reply(a.flows.tenants.get(tenant_of(call)));
             }));
  router.add(
      "PATCH", "/admin/v1/tenants/{tenant_id}",
      admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
        Result<std::vector<std::string>> f = strings(call.body, {"name"});
        if (!f) return Result<AdminReply>(f.error());
        return tenant_reply(a.flows.tenants.rename(tenant_of(call), f.value()[0], a.clock()));
      }));
  router.add("GET", "/admin/v1/tenants/{tenant_id}/applications",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Result<Tenant> t = a.flows.tenants.get(tenant_of(call));
               if (!t) return Result<AdminReply>(t.error());
               return list_applications_page(a, call, t.value().id);
             }));
}

}  // namespace ciamd
