// Several `ciamd serve` nodes on one PostgreSQL database behave as one server (deployment.md "What
// a node keeps in memory"): a flow started on one node finishes on another, a session works and
// ends on every node at once, a rotated key reaches every node's JWKS within key_reload_interval,
// the mini program's server token is fetched once for all nodes, an application change made
// through one node reaches the others within app_cache_ttl_ms, and races spread over two nodes end
// in exactly one user, as on one node. Every request names its node explicitly (no use_node()),
// so the concurrent ones can run on threads without sharing the Env's state.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <latch>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/miniprogram.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRefreshPath = "/api/v2/sdk/sso/session-token/id-token";
constexpr const char* kLogoutPath = "/api/v2/sdk/logout";
constexpr const char* kSessionTokenInvalid = "IDAAS.SDK.PARAM.0023";
constexpr const char* kAppUnknown = "IDAAS.SDK.PARAM.0003";
constexpr const char* kStateTokenInvalid = "IDAAS.SDK.COMMON.1007";
constexpr const char* kCodeIncorrect = "IDAAS.SDK.CAPTCHA.0007";
constexpr const char* kSocialAlreadyBound = "IDAAS.SDK.SOCIAL.0001";

// One node of the deployment: its SDK and admin listeners.
struct Node {
  std::string name;
  int port = 0;
  int admin_port = 0;
};

std::string string_member(const HttpResult& r, const char* key) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(r.body, ec);
  return !ec && v.is_object() ? string_at(v.as_object(), key) : std::string();
}

// "SUCCESS", "400 IDAAS.SDK.SOCIAL.0001", "500 <body>": how an answer is tallied in the races.
std::string outcome_of(const HttpResult& r) {
  if (r.status == 200 && string_member(r, "status") == "SUCCESS") return "SUCCESS";
  const std::string code = string_member(r, "error_code");
  return std::to_string(r.status) + " " + (code.empty() ? r.body.substr(0, 120) : code);
}

std::string describe_tally(const std::map<std::string, int>& tally) {
  std::string out;
  for (const auto& [outcome, n] : tally) {
    out += (out.empty() ? "" : ", ") + outcome + " x" + std::to_string(n);
  }
  return out;
}

// Answers that are no API answer at all: 5xx, or no response (status 0).
int server_faults(const std::vector<HttpResult>& results) {
  int n = 0;
  for (const HttpResult& r : results) n += r.status >= 500 || r.status == 0 ? 1 : 0;
  return n;
}

std::string header_at(const std::string& jws, const char* key) {
  try {
    return string_at(decode_jws_part(jws, 0), key);
  } catch (const std::exception&) {
    return {};
  }
}

bool has_kid(const boost::json::object& jwks, const std::string& kid) {
  const boost::json::value* keys = jwks.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) return false;
  for (const auto& k : keys->as_array()) {
    if (k.is_object() && string_at(k.as_object(), "kid") == kid) return true;
  }
  return false;
}

// SQL string literal for values that come from the simulator.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

class MultiNode : public EnvSuite {
 protected:
  // The SQLite run skips every test in SetUp, so it starts no processes at all.
  static void SetUpTestSuite() {
    if (test_backend() == Backend::kPostgres) SetUpTestSuiteWith({});
  }
  static void TearDownTestSuite() {
    node_b_.reset();
    EnvSuite::TearDownTestSuite();
  }

  void SetUp() override {
    if (test_backend() != Backend::kPostgres) {
      GTEST_SKIP() << "several nodes share a database only on PostgreSQL";
    }
    EnvSuite::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(env().db().is_postgres());
    // Started once per suite, beside the Env's first node, and stopped by the Env with it.
    if (!node_b_) {
      try {
        node_b_ = env().start_node();
      } catch (const std::exception& e) {
        FAIL() << "the second node did not start: " << e.what();
      }
    }
    a_ = {"A", env().first_node().port, env().first_node().admin_port};
    b_ = {"B", node_b_->port, node_b_->admin_port};
  }

  const Node& a() const { return a_; }
  const Node& b() const { return b_; }
  // Alternates between the nodes, as a load balancer without stickiness may.
  const Node& node(int i) const { return i % 2 == 0 ? a_ : b_; }

  static HttpResult post(const Node& n, const std::string& path, const Headers& headers,
                         const boost::json::object& body) {
    return request(n.port, "POST", path, headers, boost::json::serialize(body));
  }

  HttpResult login_wechat(const Node& n, const std::string& client, const std::string& code) {
    return post(n, kLoginPath, env().login_headers(client), {{"code", code}});
  }

  HttpResult login_phone(const Node& n, const std::string& client, const std::string& code) {
    return post(n, kPhoneLoginPath, env().login_headers(client), {{"code", code}});
  }

  HttpResult post_flow(const Node& n, const std::string& path, const std::string& client,
                       const std::string& token, const boost::json::object& body) {
    return post(n, path, flow_headers(env(), client, token), body);
  }

  Headers session_headers(const std::string& client, const std::string& session) const {
    Headers h = env().login_headers(client);
    h.emplace_back("session-token", session);
    return h;
  }

  HttpResult refresh(const Node& n, const std::string& client, const std::string& session) {
    return request(n.port, "POST", kRefreshPath, session_headers(client, session), "");
  }

  HttpResult logout(const Node& n, const std::string& client, const std::string& session) {
    return request(n.port, "POST", kLogoutPath, session_headers(client, session), "");
  }

  static boost::json::object jwks(const Node& n) {
    const HttpResult r = request(n.port, "GET", kKeysPath);
    if (r.status != 200) {
      ADD_FAILURE() << "GET " << kKeysPath << " on node " << n.name << ": " << r.describe();
      return {};
    }
    const boost::json::value v = r.json();
    return v.is_object() ? v.as_object() : boost::json::object{};
  }

  HttpResult admin(const Node& n, const std::string& method, const std::string& path,
                   const std::string& body = "") {
    Headers h{{"Authorization", "Bearer " + env().admin_token()}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    return request(n.admin_port, method, path, h, body);
  }

  // A WeChat login on `n` that must start a USER_REGISTER flow; returns its state token.
  std::string start_register(const Node& n, const std::string& client, const std::string& code) {
    const HttpResult r = login_wechat(n, client, code);
    EXPECT_EQ(string_member(r, "status"), "USER_REGISTER")
        << "node " << n.name << ": " << r.describe();
    return string_member(r, "state_token");
  }

  // A REGISTER_SMS code for `mobile`, requested on `n` and read back from the outbox.
  std::string send_register_code(const Node& n, const std::string& client, const std::string& token,
                                 const std::string& mobile) {
    const std::size_t seen = outbox_messages(env()).size();
    const HttpResult r =
        post_flow(n, kSmsSendPath, client, token, {{"mobile", mobile}, {"type", "REGISTER_SMS"}});
    if (auto ok = is_empty_ok(r); !ok) {
      ADD_FAILURE() << "sms/send on node " << n.name << ": " << ok.message();
      return {};
    }
    const OutboxMessage m = wait_outbox_message(env(), seen);
    EXPECT_NE(m.to.find(mobile), std::string::npos) << dump(m.raw);
    EXPECT_EQ(m.code.size(), 6U) << dump(m.raw);
    return m.code;
  }

  // Logs fresh users in through `client` on `n` until the id_token carries `kid` or `within`
  // passes; returns the last id_token. Paced, or every poll would create another user.
  std::string await_kid(const Node& n, const std::string& client, const std::string& kid,
                        std::chrono::milliseconds within) {
    std::string token;
    eventually(
        [&] {
          token = id_token_of(login_wechat(n, client, env().fresh_code()));
          if (header_at(token, "kid") == kid) return true;
          std::this_thread::sleep_for(100ms);
          return false;
        },
        within);
    return token;
  }

  std::int64_t users() { return query_int(env().db(), "SELECT COUNT(*) FROM users"); }
  std::int64_t identities_of(const std::string& openid) {
    return query_int(env().db(), "SELECT COUNT(*) FROM identities WHERE provider_app_id = " +
                                     quoted(env().wechat_appid()) +
                                     " AND subject = " + quoted(openid));
  }

  // Sends every request at once, request i to node(i), each on its own connection behind one
  // start barrier; returns the answers in order (an exception becomes status 0 and its message).
  std::vector<HttpResult> all_at_once(int n,
                                      const std::function<HttpResult(const Node&, int)>& send) {
    std::vector<HttpResult> results(static_cast<std::size_t>(n));
    {
      std::latch go(n);
      std::vector<std::jthread> threads;
      threads.reserve(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
          go.arrive_and_wait();
          try {
            results[static_cast<std::size_t>(i)] = send(node(i), i);
          } catch (const std::exception& e) {
            results[static_cast<std::size_t>(i)].body = std::string("exception: ") + e.what();
          }
        });
      }
    }
    return results;
  }

  static inline std::optional<Env::NodePorts> node_b_;
  Node a_;
  Node b_;
};

TEST_F(MultiNode, AFlowStartedOnOneNodeCompletesOnTheOther) {
  const std::string client = env().create_app({.unbound = "register"});
  const SimUser u = env().new_wechat_user();
  const std::string token = start_register(a(), client, env().mint_code(u.user_key));
  ASSERT_FALSE(token.empty());
  const std::string m = unique_mobile();
  const std::string code = send_register_code(a(), client, token, m);
  ASSERT_FALSE(code.empty());

  // The state token and the code were made on A; B holds neither in memory.
  const HttpResult done =
      post_flow(b(), kRegisterBindPath, client, token, {{"mobile", m}, {"verify_code", code}});
  ASSERT_TRUE(is_success(done));
  std::string sub;
  ASSERT_TRUE(is_valid_id_token(id_token_of(done), jwks(b()), client, 300, &sub));

  // The session B created refreshes on A.
  const HttpResult refreshed = refresh(a(), client, string_member(done, "session_token"));
  ASSERT_EQ(refreshed.status, 200) << refreshed.describe();
  std::string refreshed_sub;
  EXPECT_TRUE(is_valid_id_token(string_member(refreshed, "id_token"), jwks(a()), client, 300,
                                &refreshed_sub));
  EXPECT_EQ(refreshed_sub, sub);

  // The link B made is A's too: the WeChat user now logs in directly there.
  const HttpResult again = login_wechat(a(), client, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(again));
  EXPECT_EQ(subject_of(again), sub);
}

TEST_F(MultiNode, ASessionRefreshesOnEveryNodeAndALogoutEndsItEverywhereAtOnce) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const HttpResult login = login_wechat(a(), client, env().fresh_code());
  ASSERT_TRUE(is_success(login));
  const std::string session = string_member(login, "session_token");
  std::string sub;
  ASSERT_TRUE(is_valid_id_token(id_token_of(login), jwks(a()), client, 300, &sub));

  const HttpResult on_b = refresh(b(), client, session);
  ASSERT_EQ(on_b.status, 200) << on_b.describe();
  const std::string id_token = string_member(on_b, "id_token");
  for (const Node& n : {a(), b()}) {
    SCOPED_TRACE("JWKS of node " + n.name);
    std::string refreshed_sub;
    EXPECT_TRUE(is_valid_id_token(id_token, jwks(n), client, 300, &refreshed_sub));
    EXPECT_EQ(refreshed_sub, sub);
  }

  ASSERT_TRUE(is_empty_ok(logout(b(), client, session)));
  // No waiting: sessions are read from the database on every request.
  EXPECT_TRUE(is_error(refresh(a(), client, session), kSessionTokenInvalid, Lang::kEn));
  EXPECT_TRUE(is_error(refresh(b(), client, session), kSessionTokenInvalid, Lang::kEn));
}

TEST_F(MultiNode, AKeyRotatedThroughOneNodeReachesEveryJwksAndEveryTokenVerifiesEverywhere) {
  const std::string rs_client = env().create_app({.unbound = "auto_create"});
  const std::string es_client =
      env().create_app({.unbound = "auto_create", .id_token_alg = std::string("ES256")});
  const std::string old_rs = id_token_of(login_wechat(a(), rs_client, env().fresh_code()));
  const std::string old_es = id_token_of(login_wechat(b(), es_client, env().fresh_code()));
  ASSERT_FALSE(old_rs.empty() || old_es.empty());

  // A short lead, so the test does not wait the default 600 s for the new keys to sign.
  const HttpResult rotated =
      admin(a(), "POST", "/admin/v1/signing-keys/rotate", R"({"alg":"all","activate_in":3})");
  ASSERT_EQ(rotated.status, 200) << rotated.describe();
  std::map<std::string, std::string> new_kid;        // by alg
  const boost::json::value answer = rotated.json();  // outlives the loop
  for (const auto& item : answer.at("items").as_array()) {
    new_kid[string_at(item.as_object(), "alg")] = string_at(item.as_object(), "kid");
  }
  ASSERT_EQ(new_kid.size(), 2U) << rotated.describe();
  ASSERT_NE(new_kid["RS256"], header_at(old_rs, "kid"));
  ASSERT_NE(new_kid["ES256"], header_at(old_es, "kid"));

  // Published on B (which the rotation did not go through) within key_reload_interval; the
  // limit leaves a slow machine plenty of room.
  for (const Node& n : {b(), a()}) {
    SCOPED_TRACE("node " + n.name);
    boost::json::object last;
    EXPECT_TRUE(eventually(
        [&] {
          last = jwks(n);
          return has_kid(last, new_kid["RS256"]) && has_kid(last, new_kid["ES256"]);
        },
        10s))
        << dump(last);
  }

  // After the activation each node signs with the new keys.
  std::vector<std::pair<std::string, std::string>> fresh;  // {client, id_token}
  for (const Node& n : {a(), b()}) {
    for (const auto& [client, alg] : {std::pair{rs_client, "RS256"}, {es_client, "ES256"}}) {
      SCOPED_TRACE("node " + n.name + ", " + alg);
      const std::string t = await_kid(n, client, new_kid[alg], 15s);
      ASSERT_EQ(header_at(t, "kid"), new_kid[alg]);
      fresh.emplace_back(client, t);
    }
  }
  fresh.emplace_back(rs_client, old_rs);
  fresh.emplace_back(es_client, old_es);

  // Every token, old and new, from either node, against the JWKS of either node.
  for (const Node& n : {a(), b()}) {
    const boost::json::object keys = jwks(n);
    for (const auto& [client, token] : fresh) {
      SCOPED_TRACE("JWKS of node " + n.name + ", kid " + header_at(token, "kid"));
      EXPECT_NO_THROW(verify_jws(token, keys));
      EXPECT_TRUE(is_valid_id_token(token, keys, client));
    }
  }
}

TEST_F(MultiNode, TheMiniProgramServerTokenIsFetchedOnceForAllNodes) {
  const auto stable_tokens = [&] { return env().sim().calls()[kStableTokenPath]; };

  // One login on A, then one on B: B takes the token A saved.
  {
    const MiniProgramApp app = app_on_fresh_miniprogram(env(), {.unbound = "auto_create"});
    const PhoneUser p = new_phone_user(env());
    const PhoneUser q = new_phone_user(env());
    const auto before = stable_tokens();
    const HttpResult on_a =
        login_phone(a(), app.client, env().sim().mint_phone_code(app.mini.appid, p.user_key).code);
    ASSERT_TRUE(is_success(on_a));
    const HttpResult on_b =
        login_phone(b(), app.client, env().sim().mint_phone_code(app.mini.appid, q.user_key).code);
    ASSERT_TRUE(is_success(on_b));
    EXPECT_NE(subject_of(on_a), subject_of(on_b));
    EXPECT_EQ(stable_tokens() - before, 1) << "one fetch for both nodes";
  }

  // Cold on both nodes at once: one of them fetches, the other waits for its token.
  {
    constexpr int kLogins = 10;
    const MiniProgramApp app = app_on_fresh_miniprogram(env(), {.unbound = "auto_create"});
    std::vector<std::string> codes;
    for (int i = 0; i < kLogins; ++i) {
      codes.push_back(
          env().sim().mint_phone_code(app.mini.appid, new_phone_user(env()).user_key).code);
    }
    const auto before = stable_tokens();
    const std::vector<HttpResult> results = all_at_once(
        kLogins, [&](const Node& n, int i) { return login_phone(n, app.client, codes[i]); });
    std::map<std::string, int> tally;
    std::set<std::string> subs;
    for (const HttpResult& r : results) {
      ++tally[outcome_of(r)];
      subs.insert(subject_of(r));
    }
    EXPECT_EQ(tally["SUCCESS"], kLogins) << describe_tally(tally);
    EXPECT_EQ(subs.size(), std::size_t{kLogins});
    EXPECT_EQ(stable_tokens() - before, 1) << "one fetch for the cold appid on both nodes";
  }
}

TEST_F(MultiNode, ApplicationChangesMadeThroughOneNodeReachTheOtherWithinTheCacheBound) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const std::string path = "/admin/v1/applications/" + client;
  // B has the application cached before the change.
  ASSERT_TRUE(is_success(login_wechat(b(), client, env().fresh_code())));

  ASSERT_EQ(admin(a(), "PATCH", path, R"({"enabled":false})").status, 200);
  HttpResult last;
  EXPECT_TRUE(eventually(
      [&] {
        last = login_wechat(b(), client, env().fresh_code());
        return static_cast<bool>(is_error(last, kAppUnknown, Lang::kEn));
      },
      5s))
      << "B still answers for the disabled application: " << last.describe();

  ASSERT_EQ(admin(a(), "PATCH", path, R"({"enabled":true})").status, 200);
  EXPECT_TRUE(eventually(
      [&] {
        last = login_wechat(b(), client, env().fresh_code());
        return static_cast<bool>(is_success(last));
      },
      5s))
      << "B still refuses the re-enabled application: " << last.describe();

  // A policy change travels the same way: new WeChat users now register through a flow.
  ASSERT_EQ(admin(a(), "PATCH", path, R"({"unbound":"register"})").status, 200);
  EXPECT_TRUE(eventually(
      [&] {
        last = login_wechat(b(), client, env().fresh_code());
        return string_member(last, "status") == "USER_REGISTER";
      },
      5s))
      << "B still applies the old unbound policy: " << last.describe();
}

TEST_F(MultiNode, RegisterBindsOfOneWechatUserOnTwoNodesLinkItOnce) {
  constexpr int kFlows = 100;
  const std::string client = env().create_app({.unbound = "register"});
  const SimUser u = env().new_wechat_user();
  const SimCode first = env().sim().mint_code(env().wechat_appid(), u.user_key);

  // One USER_REGISTER flow per request, each proving a number of its own (the limits count per
  // target), started and sent on alternating nodes.
  struct Flow {
    std::string token, mobile, code;
  };
  std::vector<Flow> flows;
  for (int i = 0; i < kFlows; ++i) {
    Flow f;
    f.token = start_register(node(i), client, i == 0 ? first.code : env().mint_code(u.user_key));
    ASSERT_FALSE(f.token.empty()) << "flow " << i;
    f.mobile = unique_mobile();
    f.code = send_register_code(node(i + 1), client, f.token, f.mobile);
    ASSERT_FALSE(f.code.empty()) << "flow " << i;
    flows.push_back(std::move(f));
  }
  const std::int64_t users_before = users();

  const std::vector<HttpResult> results = all_at_once(kFlows, [&](const Node& n, int i) {
    const Flow& f = flows[static_cast<std::size_t>(i)];
    return post_flow(n, kRegisterBindPath, client, f.token,
                     {{"mobile", f.mobile}, {"verify_code", f.code}});
  });
  std::map<std::string, int> tally;
  std::string winner;
  for (const HttpResult& r : results) {
    ++tally[outcome_of(r)];
    if (outcome_of(r) == "SUCCESS") winner = subject_of(r);
  }
  const std::string dist = describe_tally(tally);
  EXPECT_EQ(tally["SUCCESS"], 1) << dist;
  EXPECT_EQ(tally[std::string("400 ") + kSocialAlreadyBound], kFlows - 1) << dist;
  EXPECT_EQ(server_faults(results), 0) << dist;
  EXPECT_EQ(identities_of(first.openid), 1) << dist;
  EXPECT_EQ(users() - users_before, 1) << dist;

  // Both nodes log the WeChat user in as the one winner.
  for (const Node& n : {a(), b()}) {
    const HttpResult again = login_wechat(n, client, env().mint_code(u.user_key));
    EXPECT_TRUE(is_success(again)) << "node " << n.name;
    EXPECT_EQ(subject_of(again), winner) << "node " << n.name;
  }
}

TEST_F(MultiNode, OneStateTokenUsedOnTwoNodesAtOnceCompletesOnce) {
  constexpr int kRequests = 100;
  const std::string client = env().create_app({.unbound = "register"});
  const SimUser u = env().new_wechat_user();
  const SimCode login = env().sim().mint_code(env().wechat_appid(), u.user_key);
  const std::string token = start_register(a(), client, login.code);
  ASSERT_FALSE(token.empty());
  const std::string m = unique_mobile();
  const std::string code = send_register_code(b(), client, token, m);
  ASSERT_FALSE(code.empty());
  const std::int64_t users_before = users();

  const std::vector<HttpResult> results = all_at_once(kRequests, [&](const Node& n, int) {
    return post_flow(n, kRegisterBindPath, client, token, {{"mobile", m}, {"verify_code", code}});
  });
  std::map<std::string, int> tally;
  for (const HttpResult& r : results) ++tally[outcome_of(r)];
  const std::string dist = describe_tally(tally);
  EXPECT_EQ(tally["SUCCESS"], 1) << dist;
  // docs/api.md: the losers see the flow completed, or the code used.
  EXPECT_EQ(
      tally[std::string("400 ") + kStateTokenInvalid] + tally[std::string("400 ") + kCodeIncorrect],
      kRequests - 1)
      << dist;
  EXPECT_EQ(server_faults(results), 0) << dist;
  EXPECT_EQ(users() - users_before, 1) << dist;
  EXPECT_EQ(identities_of(login.openid), 1) << dist;
}

}  // namespace
}  // namespace it
