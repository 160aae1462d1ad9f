#include "api/admin/users.hpp"

#include <boost/json/array.hpp>

#include "flows/admin/admin_flows.hpp"
#include "render/records.hpp"

namespace ciamd {
namespace {

Result<UserChanges> changes_from(const boost::json::object& body) {
  UserChanges c;
  for (const auto& [key, value] : body) {
    if (key == "enabled") {
      if (!value.is_bool()) return bad_argument("enabled must be true or false");
      c.enabled = value.as_bool();
      continue;
    }
    std::optional<std::string>* field = key == "name"     ? &c.name
                                        : key == "mobile" ? &c.mobile
                                        : key == "email"  ? &c.email
                                                          : nullptr;
    if (field == nullptr) return bad_argument("unknown field " + std::string(key));
    if (!value.is_string()) return bad_argument(std::string(key) + " must be a string");
    *field = std::string(value.as_string());
  }
  return c;
}

std::string user_of(const AdminCall& call) {
  return std::string(path_segment(call.http.path, 3));
}

Result<AdminReply> user_reply(const Result<User>& user, int status = 200) {
  if (!user) return user.error();
  return AdminReply{.status = status, .body = user_json(user.value()), .user_id = user.value().id};
}

Result<AdminReply> done_reply(const Result<Done>& done, std::string user_id) {
  if (!done) return done.error();
  return AdminReply{.status = 204, .body = nullptr, .user_id = std::move(user_id)};
}

Result<AdminReply> search(const AdminServices& a, const AdminCall& call) {
  Result<int> limit = page_limit(call.http);
  if (!limit) return limit.error();
  const Page<User> page = a.flows.users.search(query_param(call.http, "q"),
                                               query_param(call.http, "after"), limit.value());
  boost::json::array items;
  for (const User& u : page.items) items.push_back(user_json(u));
  boost::json::value next = nullptr;  // ?after= for the next page
  if (page.next) next = *page.next;
  return AdminReply{.body = boost::json::object{{"next", next}, {"items", std::move(items)}}};
}

Result<AdminReply> identities(const AdminServices& a, const AdminCall& call) {
  Result<std::vector<Identity>> all = a.flows.users.identities(user_of(call));
  if (!all) return all.error();
  boost::json::array items;
  for (const Identity& i : all.value()) items.push_back(identity_json(i));
  return AdminReply{.body = boost::json::object{{"items", std::move(items)}},
                    .user_id = user_of(call)};
}

Result<AdminReply> sessions(const AdminServices& a, const AdminCall& call) {
  Result<std::vector<Session>> all = a.flows.sessions.list(user_of(call));
  if (!all) return all.error();
  const UnixSeconds now = a.clock();
  boost::json::array items;
  for (const Session& s : all.value()) items.push_back(session_json(s, now));
  return AdminReply{.body = boost::json::object{{"items", std::move(items)}},
                    .user_id = user_of(call)};
}

Result<AdminReply> unlink(const AdminServices& a, const AdminCall& call) {
  Identity which;
  which.provider = std::string(path_segment(call.http.path, 5));
  which.provider_app_id = std::string(path_segment(call.http.path, 6));
  which.subject = std::string(path_segment(call.http.path, 7));
  return done_reply(a.flows.users.unlink(user_of(call), which), user_of(call));
}

Result<AdminReply> revoke_all(const AdminServices& a, const AdminCall& call) {
  Result<int> n = a.flows.sessions.revoke_all(user_of(call), a.clock());
  if (!n) return n.error();
  return AdminReply{.body = boost::json::object{{"revoked", n.value()}}, .user_id = user_of(call)};
}

Result<AdminReply> revoke_one(const AdminServices& a, const AdminCall& call) {
  Result<Session> s =
      a.flows.sessions.revoke(std::string(path_segment(call.http.path, 3)), a.clock());
  if (!s) return s.error();
  return AdminReply{.body = session_json(s.value(), a.clock()),
                    .user_id = s.value().user_id,
                    .client_id = s.value().client_id};
}

}  // namespace

void add_user_routes(Router& router, const AdminServices& admin) {
  router.add("GET", "/admin/v1/users", admin_handler(admin, search));
  router.add("POST", "/admin/v1/users",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Result<UserChanges> c = changes_from(call.body);
               if (!c) return Result<AdminReply>(c.error());
               return user_reply(a.flows.users.create(c.value(), a.clock()), 201);
             }));
  router.add("GET", "/admin/v1/users/{id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               return user_reply(a.flows.users.get(user_of(call)));
             }));
  router.add("PATCH", "/admin/v1/users/{id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Result<UserChanges> c = changes_from(call.body);
               if (!c) return Result<AdminReply>(c.error());
               return user_reply(a.flows.users.update(user_of(call), c.value(), a.clock()));
             }));
  router.add("DELETE", "/admin/v1/users/{id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               return done_reply(a.flows.users.remove(user_of(call)), user_of(call));
             }));
  router.add("GET", "/admin/v1/users/{id}/identities", admin_handler(admin, identities));
  router.add("DELETE", "/admin/v1/users/{id}/identities/{provider}/{app_id}/{subject}",
             admin_handler(admin, unlink));
  router.add("GET", "/admin/v1/users/{id}/sessions", admin_handler(admin, sessions));
  router.add("DELETE", "/admin/v1/users/{id}/sessions", admin_handler(admin, revoke_all));
  router.add("DELETE", "/admin/v1/sessions/{session_id}", admin_handler(admin, revoke_one));
}

}  // namespace ciamd
