#include "api/admin/users.hpp"

#include <boost/json/array.hpp>

#include "api/admin/records.hpp"
#include "core/phone.hpp"
#include "flows/admin/applications.hpp"
#include "flows/admin/sessions.hpp"
#include "flows/admin/users.hpp"
#include "flows/verification/verification.hpp"
#include "store/store.hpp"

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
  return AdminReply{status, user_json(user.value()), false, user.value().id, {}};
}

Result<AdminReply> done_reply(const Result<Done>& done, std::string user_id) {
  if (!done) return done.error();
  return AdminReply{204, nullptr, false, std::move(user_id), {}};
}

// The term as stored: a phone in E.164, an email lower-case; anything else as given (id,
// username).
std::string search_term(std::string q) {
  if (std::optional<std::string> e164 = normalize_phone(q)) return *e164;
  if (std::optional<std::string> email = normalize_email(q)) return *email;
  return q;
}

Result<AdminReply> search(const AdminServices& a, const AdminCall& call) {
  Result<int> limit = page_limit(call.http);
  if (!limit) return limit.error();
  const std::string q = query_param(call.http, "q");
  std::vector<User> users = a.store.find_users(q.empty() ? q : search_term(q),
                                               query_param(call.http, "after"), limit.value() + 1);
  boost::json::object page;
  if (static_cast<int>(users.size()) > limit.value()) {
    users.pop_back();
    page["next"] = users.back().id;  // ?after= for the next page
  } else {
    page["next"] = nullptr;
  }
  boost::json::array items;
  for (const User& u : users) items.push_back(user_json(u));
  page["items"] = std::move(items);
  return AdminReply{200, std::move(page)};
}

Result<AdminReply> identities(const AdminServices& a, const AdminCall& call) {
  Result<User> user = get_user(a.store, user_of(call));
  if (!user) return user.error();
  boost::json::array items;
  for (const Identity& i : a.store.list_identities(user.value().id)) {
    items.push_back(identity_json(i));
  }
  return AdminReply{200, boost::json::object{{"items", std::move(items)}}, false, user.value().id};
}

Result<AdminReply> sessions(const AdminServices& a, const AdminCall& call) {
  Result<std::vector<Session>> all = list_user_sessions(a.store, user_of(call));
  if (!all) return all.error();
  const UnixSeconds now = a.clock();
  boost::json::array items;
  for (const Session& s : all.value()) items.push_back(session_json(s, now));
  return AdminReply{200, boost::json::object{{"items", std::move(items)}}, false, user_of(call)};
}

template <class Steps>
Handler endpoint(const AdminServices& admin, Steps steps) {
  return [&admin, steps](const HttpRequest& http) {
    return run_admin_endpoint(
        admin, http, [&admin, steps](const AdminCall& call) { return steps(admin, call); });
  };
}

}  // namespace

void add_user_routes(Router& router, const AdminServices& admin) {
  router.add("GET", "/admin/v1/users", admin_handler(admin, search));
  router.add("POST", "/admin/v1/users",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Result<UserChanges> c = changes_from(call.body);
               if (!c) return Result<AdminReply>(c.error());
               return user_reply(create_user(a.store, c.value(), a.clock()), 201);
             }));
  router.add("GET", "/admin/v1/users/{id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               return user_reply(get_user(a.store, user_of(call)));
             }));
  router.add("PATCH", "/admin/v1/users/{id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Result<UserChanges> c = changes_from(call.body);
               if (!c) return Result<AdminReply>(c.error());
               return user_reply(update_user(a.store, user_of(call), c.value(), a.clock()));
             }));
  router.add("DELETE", "/admin/v1/users/{id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               return done_reply(delete_user(a.store, user_of(call)), user_of(call));
             }));
  router.add("GET", "/admin/v1/users/{id}/identities", admin_handler(admin, identities));
  router.add("DELETE", "/admin/v1/users/{id}/identities/{provider}/{app_id}/{subject}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Identity which;
               which.provider = std::string(path_segment(call.http.path, 5));
               which.provider_app_id = std::string(path_segment(call.http.path, 6));
               which.subject = std::string(path_segment(call.http.path, 7));
               return done_reply(unlink_identity(a.store, user_of(call), which), user_of(call));
             }));
  router.add("GET", "/admin/v1/users/{id}/sessions", admin_handler(admin, sessions));
  router.add("DELETE", "/admin/v1/users/{id}/sessions",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Result<int> n = revoke_all_user_sessions(a.store, user_of(call), a.clock());
               if (!n) return Result<AdminReply>(n.error());
               return Result<AdminReply>(AdminReply{
                   200, boost::json::object{{"revoked", n.value()}}, false, user_of(call)});
             }));
  router.add("DELETE", "/admin/v1/sessions/{session_id}",
             admin_handler(admin, [](const AdminServices& a, const AdminCall& call) {
               Result<Session> s = revoke_session_by_id(
                   a.store, std::string(path_segment(call.http.path, 3)), a.clock());
               if (!s) return Result<AdminReply>(s.error());
               return Result<AdminReply>(AdminReply{200, session_json(s.value(), a.clock()), false,
                                                    s.value().user_id, s.value().client_id});
             }));
}

}  // namespace ciamd
