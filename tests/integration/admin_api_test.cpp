// The admin API on its own listener (docs/admin-api.md): admin tokens from `ciamd admin token
// create`, every resource through the real binary, errors of the IDAAS.ADMIN family, and an
// audit event for every admin call.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <set>
#include <string>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/miniprogram.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

// Percent-encodes everything but unreserved characters (RFC 3986), for query values.
std::string url_encode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class AdminApi : public EnvSuite {
 protected:
  HttpResult call(const std::string& method, const std::string& path, const std::string& body = "",
                  const std::string& token = "use-env") {
    Headers h{{"Authorization", "Bearer " + (token == "use-env" ? env().admin_token() : token)}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    return request(env().admin_port(), method, path, h, body);
  }

  static boost::json::object object_of(const HttpResult& r) {
    const boost::json::value v = r.json();
    return v.is_object() ? v.as_object() : boost::json::object{};
  }

  // A user made by a WeChat login through a fresh auto_create app: {client id, user id}.
  std::pair<std::string, std::string> logged_in_user() {
    const std::string client = env().create_app({.unbound = "auto_create"});
    const HttpResult r = env().login_wechat(client, env().fresh_code());
    EXPECT_TRUE(is_success(r));
    return {client, subject_of(r)};
  }

  static ::testing::AssertionResult is_admin_error(const HttpResult& r, int status,
                                                   const std::string& code) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(r.body, ec);
    if (r.status != status || ec || !v.is_object() ||
        keys_of(v.as_object()) != std::set<std::string>{"error_code", "error_msg"} ||
        string_at(v.as_object(), "error_code") != code) {
      return ::testing::AssertionFailure()
             << "want " << status << " " << code << ", got " << r.describe();
    }
    return ::testing::AssertionSuccess();
  }
};

TEST_F(AdminApi, CallsWithoutAValidTokenAreRefused) {
  for (const std::string& token : {std::string(), std::string("ciamd_at_nope")}) {
    EXPECT_TRUE(is_admin_error(call("GET", "/admin/v1/applications", "", token), 401,
                               "IDAAS.ADMIN.AUTH.0401"));
  }
  const HttpResult basic = request(env().admin_port(), "GET", "/admin/v1/applications",
                                   Headers{{"Authorization", "Basic YWRtaW46YWRtaW4="}}, "");
  EXPECT_TRUE(is_admin_error(basic, 401, "IDAAS.ADMIN.AUTH.0401"));

  // A revoked token stops working at once.
  const std::string name = unique_name("revoked");
  const RunResult made = env().cli({"admin", "token", "create", "--name", name, "--json"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string token = string_at(parse_json(made.out, "token").as_object(), "token");
  EXPECT_EQ(call("GET", "/admin/v1/applications", "", token).status, 200);
  ASSERT_EQ(env().cli({"admin", "token", "revoke", name}).exit_code, 0);
  EXPECT_TRUE(is_admin_error(call("GET", "/admin/v1/applications", "", token), 401,
                             "IDAAS.ADMIN.AUTH.0401"));
  // The token list never shows a token.
  const RunResult list = env().cli({"admin", "token", "list", "--json"});
  EXPECT_EQ(list.out.find(token), std::string::npos);
  EXPECT_EQ(list.out.find("ciamd_at_"), std::string::npos);
}

TEST_F(AdminApi, ApplicationsAreCreatedReadUpdatedAndSecretsNeverReturned) {
  const std::string id = unique_name("adminapp").substr(0, 40);
  const std::string create = R"({"client_id":")" + id +
                             R"(","name":"Admin made","unbound":"auto_create",)"
                             R"("wechat_appid":")" +
                             env().wechat_appid() + R"(","wechat_secret":")" +
                             env().wechat_secret() + R"(","id_token_alg":"ES256"})";
  const HttpResult made = call("POST", "/admin/v1/applications", create);
  ASSERT_EQ(made.status, 201) << made.describe();
  EXPECT_EQ(made.body.find(env().wechat_secret()), std::string::npos);
  EXPECT_EQ(object_of(made).at("wechat_secret_set").as_bool(), true);
  EXPECT_TRUE(is_admin_error(call("POST", "/admin/v1/applications", create), 409,
                             "IDAAS.ADMIN.RESOURCE.0409"));

  const HttpResult got = call("GET", "/admin/v1/applications/" + id);
  ASSERT_EQ(got.status, 200) << got.describe();
  EXPECT_EQ(string_at(object_of(got), "id_token_alg"), "ES256");
  EXPECT_EQ(got.body.find(env().wechat_secret()), std::string::npos);

  // The application logs people in, then is disabled over the API.
  EXPECT_TRUE(is_success(env().login_wechat(id, env().fresh_code())));
  const HttpResult off = call("PATCH", "/admin/v1/applications/" + id, R"({"enabled":false})");
  ASSERT_EQ(off.status, 200) << off.describe();
  EXPECT_FALSE(object_of(off).at("enabled").as_bool());
  EXPECT_TRUE(eventually([&] { return env().login_wechat(id, env().fresh_code()).status == 400; },
                         std::chrono::milliseconds(5 * kAppCacheTtlMs)));

  EXPECT_TRUE(is_admin_error(call("PATCH", "/admin/v1/applications/" + id, R"({"unbound":"x"})"),
                             400, "IDAAS.ADMIN.PARAM.0001"));
  EXPECT_TRUE(is_admin_error(call("PATCH", "/admin/v1/applications/" + id, R"({"nme":"typo"})"),
                             400, "IDAAS.ADMIN.PARAM.0001"));
  EXPECT_TRUE(is_admin_error(call("GET", "/admin/v1/applications/nosuchapp000"), 404,
                             "IDAAS.ADMIN.RESOURCE.0404"));
  const HttpResult all = call("GET", "/admin/v1/applications");
  ASSERT_EQ(all.status, 200);
  EXPECT_NE(all.body.find(id), std::string::npos);
  EXPECT_EQ(all.body.find(env().wechat_secret()), std::string::npos);
}

TEST_F(AdminApi, UsersAreFoundChangedDisabledAndDeletedKeepingTheAuditTrail) {
  const auto [client, user] = logged_in_user();
  const std::string m = unique_mobile();
  const HttpResult patched =
      call("PATCH", "/admin/v1/users/" + user, R"({"name":"Zhang San","mobile":")" + m + "\"}");
  ASSERT_EQ(patched.status, 200) << patched.describe();
  EXPECT_EQ(string_at(object_of(patched), "mobile"), "+86-" + m);

  for (const std::string& q : {user, spaced_mobile(m), dashed_mobile(m)}) {
    const HttpResult found = call("GET", "/admin/v1/users?q=" + url_encode(q));
    ASSERT_EQ(found.status, 200) << found.describe();
    const boost::json::object page = object_of(found);  // outlives `items`
    const auto& items = page.at("items").as_array();
    ASSERT_EQ(items.size(), 1U) << q << " " << found.body;
    EXPECT_EQ(string_at(items[0].as_object(), "id"), user);
  }

  const HttpResult ids = call("GET", "/admin/v1/users/" + user + "/identities");
  ASSERT_EQ(ids.status, 200);
  ASSERT_EQ(object_of(ids).at("items").as_array().size(), 1U) << ids.body;

  const HttpResult sessions = call("GET", "/admin/v1/users/" + user + "/sessions");
  ASSERT_EQ(sessions.status, 200);
  EXPECT_EQ(object_of(sessions).at("items").as_array().size(), 1U);

  // Disable over the API: the next login is USER.0039.
  ASSERT_EQ(call("PATCH", "/admin/v1/users/" + user, R"({"enabled":false})").status, 200);
  const RunResult show = env().cli({"user", "show", user, "--json"});
  EXPECT_EQ(string_at(parse_json(show.out, "user").as_object(), "status"), "disabled");

  const std::int64_t audit_rows =
      query_int(env().db(), "SELECT COUNT(*) FROM audit_events WHERE user_id = '" + user + "'");
  EXPECT_EQ(call("DELETE", "/admin/v1/users/" + user).status, 204);
  EXPECT_TRUE(
      is_admin_error(call("GET", "/admin/v1/users/" + user), 404, "IDAAS.ADMIN.RESOURCE.0404"));
  for (const char* table : {"identities", "sessions", "users"}) {
    const std::string column = std::string(table) == "users" ? "id" : "user_id";
    EXPECT_EQ(query_int(env().db(), "SELECT COUNT(*) FROM " + std::string(table) + " WHERE " +
                                        column + " = '" + user + "'"),
              0)
        << table;
  }
  EXPECT_GE(
      query_int(env().db(), "SELECT COUNT(*) FROM audit_events WHERE user_id = '" + user + "'"),
      audit_rows);
}

TEST_F(AdminApi, CreatedUsersConflictOnTakenPhonesAndSessionsAreRevoked) {
  const std::string m = unique_mobile();
  const HttpResult made =
      call("POST", "/admin/v1/users", R"({"name":"Li Si","mobile":")" + m + "\"}");
  ASSERT_EQ(made.status, 201) << made.describe();
  EXPECT_TRUE(is_admin_error(call("POST", "/admin/v1/users", R"({"mobile":")" + m + "\"}"), 409,
                             "IDAAS.ADMIN.RESOURCE.0409"));
  EXPECT_TRUE(is_admin_error(call("POST", "/admin/v1/users", R"({"mobile":"12"})"), 400,
                             "IDAAS.ADMIN.PARAM.0001"));

  const auto [client, user] = logged_in_user();
  const HttpResult revoked = call("DELETE", "/admin/v1/users/" + user + "/sessions");
  ASSERT_EQ(revoked.status, 200) << revoked.describe();
  EXPECT_EQ(object_of(revoked).at("revoked").as_int64(), 1);
  const HttpResult listed = call("GET", "/admin/v1/users/" + user + "/sessions");
  EXPECT_EQ(string_at(object_of(listed).at("items").as_array()[0].as_object(), "state"), "revoked");
}

TEST_F(AdminApi, AssignmentsGateAnAssignedApplication) {
  const auto [open_client, user] = logged_in_user();
  const std::string assigned = env().create_app({.unbound = "auto_create", .access = "assigned"});
  const std::string path = "/admin/v1/applications/" + assigned + "/users/" + user;
  EXPECT_EQ(call("PUT", path).status, 204);
  const HttpResult members = call("GET", "/admin/v1/applications/" + assigned + "/users");
  EXPECT_NE(members.body.find(user), std::string::npos) << members.body;
  EXPECT_EQ(call("DELETE", path).status, 204);
  EXPECT_TRUE(is_admin_error(call("DELETE", path), 404, "IDAAS.ADMIN.RESOURCE.0404"));
}

TEST_F(AdminApi, AuditTrailFiltersPagesExportsAndRecordsAdminCalls) {
  const auto [client, user] = logged_in_user();
  for (int i = 0; i < 4; ++i) {
    (void)env().login_wechat(client, env().fresh_code());
  }
  env().row_counts();  // waits until every login's audit row has landed
  const HttpResult first =
      call("GET", "/admin/v1/audit-events?client_id=" + client + "&event=login&limit=2");
  ASSERT_EQ(first.status, 200) << first.describe();
  const boost::json::object page = object_of(first);
  ASSERT_EQ(page.at("items").as_array().size(), 2U);
  ASSERT_TRUE(page.at("next").is_int64());
  const boost::json::object e = page.at("items").as_array()[0].as_object();
  EXPECT_EQ(keys_of(e),
            (std::set<std::string>{"id", "at", "request_id", "event", "client_id", "provider",
                                   "user_id", "outcome", "device_fingerprint", "peer_address",
                                   "client_reported_ip", "actor", "target"}));
  EXPECT_EQ(string_at(e, "outcome"), "SUCCESS");
  EXPECT_EQ(string_at(e, "peer_address"), "127.0.0.1");

  const HttpResult rest =
      call("GET", "/admin/v1/audit-events?client_id=" + client +
                      "&event=login&limit=10&after=" + std::to_string(page.at("next").as_int64()));
  EXPECT_EQ(object_of(rest).at("items").as_array().size(), 3U) << rest.body;
  EXPECT_TRUE(object_of(rest).at("next").is_null());

  const HttpResult lines =
      call("GET", "/admin/v1/audit-events/export?client_id=" + client + "&event=login");
  ASSERT_EQ(lines.status, 200);
  EXPECT_EQ(lines.header("content-type").value_or(""), "application/x-ndjson");
  EXPECT_EQ(std::count(lines.body.begin(), lines.body.end(), '\n'), 5);

  // Newest first: the same five logins in reverse, paged with the cursor the same way.
  const std::string newest = "/admin/v1/audit-events?client_id=" + client + "&event=login";
  const HttpResult all_asc = call("GET", newest + "&limit=10");
  std::vector<std::int64_t> ascending;
  const boost::json::object asc_page = object_of(all_asc);
  for (const auto& item : asc_page.at("items").as_array()) {
    ascending.push_back(item.as_object().at("id").as_int64());
  }
  ASSERT_EQ(ascending.size(), 5U) << all_asc.body;
  const HttpResult desc_first = call("GET", newest + "&order=desc&limit=3");
  ASSERT_EQ(desc_first.status, 200) << desc_first.describe();
  const boost::json::object desc_page = object_of(desc_first);
  ASSERT_TRUE(desc_page.at("next").is_int64()) << desc_first.body;
  const HttpResult desc_rest =
      call("GET",
           newest + "&order=desc&limit=3&after=" + std::to_string(desc_page.at("next").as_int64()));
  EXPECT_TRUE(object_of(desc_rest).at("next").is_null()) << desc_rest.body;
  std::vector<std::int64_t> descending;
  for (const HttpResult* r : {&desc_first, &desc_rest}) {
    const boost::json::object page_of_r = object_of(*r);
    for (const auto& item : page_of_r.at("items").as_array()) {
      descending.push_back(item.as_object().at("id").as_int64());
    }
  }
  EXPECT_EQ(descending, std::vector<std::int64_t>(ascending.rbegin(), ascending.rend()));
  const HttpResult desc_lines = call("GET", "/admin/v1/audit-events/export?client_id=" + client +
                                                "&event=login&order=desc&limit=2");
  ASSERT_EQ(desc_lines.status, 200);
  EXPECT_EQ(desc_lines.header("x-next-cursor").value_or(""), std::to_string(ascending[3]));
  EXPECT_EQ(desc_lines.body.find("\"id\":" + std::to_string(ascending[4])), 1U) << desc_lines.body;
  EXPECT_TRUE(is_admin_error(call("GET", newest + "&order=newest"), 400, "IDAAS.ADMIN.PARAM.0001"));

  // The admin calls above are in the trail too, with the token's name and the call.
  EXPECT_TRUE(eventually(
      [&] {
        const HttpResult admin = call("GET", "/admin/v1/audit-events?event=admin&limit=1000");
        return admin.body.find("GET /admin/v1/audit-events/export") != std::string::npos;
      },
      std::chrono::seconds(5)));
  EXPECT_TRUE(
      is_admin_error(call("GET", "/admin/v1/audit-events?limit=0"), 400, "IDAAS.ADMIN.PARAM.0001"));
}

TEST_F(AdminApi, TenantsGroupApplicationsAndListsArePaginated) {
  const std::string tenant = unique_name("t").substr(0, 40);
  const HttpResult made =
      call("POST", "/admin/v1/tenants", R"({"id":")" + tenant + R"(","name":"Acme 中文"})");
  ASSERT_EQ(made.status, 201) << made.describe();
  EXPECT_EQ(string_at(object_of(made), "name"), "Acme 中文");
  EXPECT_TRUE(is_admin_error(call("POST", "/admin/v1/tenants", R"({"id":")" + tenant + "\"}"), 409,
                             "IDAAS.ADMIN.RESOURCE.0409"));
  EXPECT_TRUE(is_admin_error(call("POST", "/admin/v1/tenants", R"({"id":"a b"})"), 400,
                             "IDAAS.ADMIN.PARAM.0001"));
  const HttpResult all = call("GET", "/admin/v1/tenants");
  EXPECT_NE(all.body.find("\"default\""), std::string::npos) << all.body;
  EXPECT_NE(all.body.find(tenant), std::string::npos);
  ASSERT_EQ(call("PATCH", "/admin/v1/tenants/" + tenant, R"({"name":"Acme"})").status, 200);

  // Three applications in the tenant, made over the API and the CLI, listed two at a time.
  std::set<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    const HttpResult app =
        call("POST", "/admin/v1/applications", R"({"tenant_id":")" + tenant + "\"}");
    ASSERT_EQ(app.status, 201) << app.describe();
    EXPECT_EQ(string_at(object_of(app), "tenant_id"), tenant);
    ids.insert(string_at(object_of(app), "client_id"));
  }
  const RunResult cli = env().cli({"app", "create", "--tenant", tenant, "--json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  ids.insert(string_at(parse_json(cli.out, "app").as_object(), "client_id"));
  EXPECT_NE(env().cli({"app", "create", "--tenant", unique_name("nosuchtenant")}).exit_code, 0);
  EXPECT_TRUE(is_admin_error(call("POST", "/admin/v1/applications", R"({"tenant_id":"nosuch"})"),
                             404, "IDAAS.ADMIN.RESOURCE.0404"));

  std::set<std::string> seen;
  std::string after;
  for (int page = 0; page < 3; ++page) {
    const HttpResult r = call("GET", "/admin/v1/tenants/" + tenant + "/applications?limit=2" +
                                         (after.empty() ? "" : "&after=" + after));
    ASSERT_EQ(r.status, 200) << r.describe();
    const boost::json::object body = object_of(r);
    for (const auto& item : body.at("items").as_array()) {
      seen.insert(string_at(item.as_object(), "client_id"));
    }
    if (body.at("next").is_null()) break;
    after = std::string(body.at("next").as_string());
  }
  EXPECT_EQ(seen, ids);
  const HttpResult filtered = call("GET", "/admin/v1/applications?tenant_id=" + tenant);
  EXPECT_EQ(object_of(filtered).at("items").as_array().size(), 3U) << filtered.body;
  EXPECT_TRUE(is_admin_error(call("GET", "/admin/v1/tenants/nosuchtenant/applications"), 404,
                             "IDAAS.ADMIN.RESOURCE.0404"));
}

TEST_F(AdminApi, SigningKeysAreListedAndUnknownPathsAnswerInTheAdminFamily) {
  const HttpResult keys = call("GET", "/admin/v1/signing-keys");
  ASSERT_EQ(keys.status, 200) << keys.describe();
  std::set<std::string> algs;
  const boost::json::object listed = object_of(keys);  // outlives the loop
  for (const auto& k : listed.at("items").as_array()) {
    algs.insert(string_at(k.as_object(), "alg"));
    EXPECT_EQ(keys.body.find("PRIVATE"), std::string::npos);
  }
  EXPECT_EQ(algs, (std::set<std::string>{"RS256", "ES256"}));
  EXPECT_TRUE(is_admin_error(call("GET", "/admin/v1/nothing"), 404, "IDAAS.ADMIN.RESOURCE.0400"));
  EXPECT_TRUE(
      is_admin_error(call("DELETE", "/admin/v1/applications"), 405, "IDAAS.ADMIN.RESOURCE.0405"));
  EXPECT_TRUE(is_admin_error(call("POST", "/admin/v1/signing-keys/rotate", R"({"alg":"HS256"})"),
                             400, "IDAAS.ADMIN.PARAM.0001"));
}

}  // namespace
}  // namespace it
