#include "api/admin/applications.hpp"

#include <boost/json/array.hpp>
#include <vector>

#include "flows/admin/admin_flows.hpp"
#include "render/records.hpp"

namespace ciamd {
namespace {

// A string field, or a list of strings joined by commas (bind_methods, mfa_factors,
// allowed_country_codes).
Result<std::optional<std::string>> text_field(const boost::json::object& body,
                                              std::string_view key) {
  const boost::json::value* v = body.if_contains(key);
  if (v == nullptr) return std::optional<std::string>{};
  if (v->is_string()) return std::optional<std::string>{std::string(v->as_string())};
  if (v->is_array()) {
    std::string csv;
    for (const boost::json::value& item : v->as_array()) {
      if (!item.is_string()) return bad_argument(std::string(key) + " must list strings");
      if (!csv.empty()) csv += ',';
      csv += item.as_string();
    }
    return std::optional<std::string>{std::move(csv)};
  }
  return bad_argument(std::string(key) + " must be a string");
}

// The body's fields as AppChanges; unknown fields are an error, so a typo is not silently ignored.
Result<AppChanges> changes_from(const boost::json::object& body, bool create) {
  AppChanges c;
  using Text = std::optional<std::string> AppChanges::*;
  using Number = std::optional<std::int64_t> AppChanges::*;
  static const std::pair<std::string_view, Text> kText[] = {
      {"name", &AppChanges::name},
      {"unbound", &AppChanges::unbound},
      {"bind_methods", &AppChanges::bind_methods},
      {"access", &AppChanges::access},
      {"mfa", &AppChanges::mfa},
      {"mfa_factors", &AppChanges::mfa_factors},
      {"wechat_appid", &AppChanges::wechat_appid},
      {"wechat_secret", &AppChanges::wechat_secret},
      {"miniprogram_appid", &AppChanges::miniprogram_appid},
      {"miniprogram_secret", &AppChanges::miniprogram_secret},
      {"weibo_app_key", &AppChanges::weibo_app_key},
      {"id_token_alg", &AppChanges::id_token_alg},
      {"session_lifetime", &AppChanges::session_lifetime},
      {"tenant_id", &AppChanges::tenant_id},
      {"allowed_country_codes", &AppChanges::allowed_country_codes},
  };
  static const std::pair<std::string_view, Number> kNumber[] = {
      {"id_token_ttl", &AppChanges::id_token_ttl},
      {"wechat_session_ttl", &AppChanges::wechat_session_ttl},
      {"miniprogram_session_ttl", &AppChanges::miniprogram_session_ttl},
      {"weibo_session_ttl", &AppChanges::weibo_session_ttl},
      {"session_max_lifetime", &AppChanges::session_max_lifetime},
      {"hourly_send_budget", &AppChanges::hourly_send_budget},
  };
  for (const auto& [key, value] : body) {
    bool known = false;
    for (const auto& [name, field] : kText) {
      if (key != name) continue;
      Result<std::optional<std::string>> t = text_field(body, name);
      if (!t) return t.error();
      c.*field = std::move(t.value());
      known = true;
    }
    for (const auto& [name, field] : kNumber) {
      if (key != name) continue;
      if (!value.is_int64()) return bad_argument(std::string(name) + " must be an integer");
      c.*field = value.as_int64();
      known = true;
    }
    if (key == "client_id" && create && value.is_string()) {
      c.client_id = std::string(value.as_string());
      known = true;
    }
    if (key == "enabled" || key == "rotate_session_token") {
      if (!value.is_bool()) return bad_argument(std::string(key) + " must be true or false");
      (key == "enabled" ? c.enabled : c.rotate_session_token) = value.as_bool();
      known = true;
    }
    if (!known) return bad_argument("unknown field " + std::string(key));
  }
  return c;
}

}  // namespace

Result<AdminReply> list_applications_page(const AdminServices& a, const AdminCall& call,
                                          const std::string& tenant) {
  Result<int> limit = page_limit(call.http);
  if (!limit) return limit.error();
  const Page<Application> page =
      a.flows.applications.page(tenant, query_param(call.http, "after"), limit.value());
  boost::json::array items;
  for (const Application& app : page.items) items.push_back(application_json(app));
  boost::json::value next = nullptr;
  if (page.next) next = *page.next;
  return AdminReply{.body = boost::json::object{{"items", std::move(items)}, {"next", next}}};
}

namespace {

std::string client_of(const AdminCall& call) {
  return std::string(path_segment(call.http.path, 3));
}

Result<AdminReply> app_reply(Result<Application> app, int status = 200) {
  if (!app) return app.error();
  return AdminReply{
      .status = status, .body = application_json(app.value()), .client_id = app.value().client_id};
}

Result<AdminReply> assigned(const AdminServices& a, const AdminCall& call) {
  Result<std::vector<std::string>> users = a.flows.applications.assigned_users(client_of(call));
  if (!users) return users.error();
  boost::json::array ids;
  for (const std::string& id : users.value()) ids.emplace_back(id);
  return AdminReply{.body = boost::json::object{{"items", std::move(ids)}},
                    .client_id = client_of(call)};
}

Result<AdminReply> assignment(const AdminServices& a, const AdminCall& call, bool assign) {
  const std::string client(client_of(call));
  const std::string user(path_segment(call.http.path, 5));
  Result<Done> done = assign ? a.flows.applications.assign(client, user)
                             : a.flows.applications.unassign(client, user);
  if (!done) return done.error();
  return AdminReply{.status = 204, .body = nullptr, .user_id = user, .client_id = client};
}

}  // namespace

void add_application_routes(Router& router, const AdminServices& admin) {
  router.add("GET", "/admin/v1/applications",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               return list_applications_page(a, call, query_param(call.http, "tenant_id"));
             }));
  router.add("POST", "/admin/v1/applications",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Result<AppChanges> c = changes_from(call.body, /*create=*/true);
               if (!c) return Result<AdminReply>(c.error());
               return app_reply(a.flows.applications.create(c.value(), a.clock()), 201);
             }));
  router.add("GET", "/admin/v1/applications/{client_id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               return app_reply(a.flows.applications.get(client_of(call)));
             }));
  router.add("PATCH", "/admin/v1/applications/{client_id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Result<AppChanges> c = changes_from(call.body, /*create=*/false);
               if (!c) return Result<AdminReply>(c.error());
               return app_reply(a.flows.applications.update(client_of(call), c.value(), a.clock()));
             }));
  router.add("GET", "/admin/v1/applications/{client_id}/users", admin_handler(admin, assigned));
  router.add("PUT", "/admin/v1/applications/{client_id}/users/{user_id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               return assignment(a, call, /*assign=*/true);
             }));
  router.add("DELETE", "/admin/v1/applications/{client_id}/users/{user_id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               return assignment(a, call, /*assign=*/false);
             }));
}

}  // namespace ciamd
