// Sessions after the login (docs/api.md "Sessions: refresh and logout"): POST
// sso/session-token/id-token with header `session-token` gives a new id_token of the same user
// while the session lives; logout, user disable and `ciamd session revoke` end it at once;
// applications choose fixed or sliding lifetimes and token rotation with reuse detection. And the
// background purge: expired flows go, live ones stay.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/miniprogram.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

constexpr const char* kRefreshPath = "/api/v2/sdk/sso/session-token/id-token";
constexpr const char* kLogoutPath = "/api/v2/sdk/logout";
constexpr const char* kSessionTokenInvalid = "IDAAS.SDK.PARAM.0023";

std::string session_token_of(const HttpResult& r) {
  try {
    return string_at(r.json().as_object(), "session_token");
  } catch (const std::exception&) {
    return {};
  }
}

// 200 and exactly {"session_token","expire","id_token"}, expire within [min, max].
::testing::AssertionResult is_refreshed(const HttpResult& r, std::int64_t min_expire,
                                        std::int64_t max_expire) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(r.body, ec);
  if (r.status != 200 || ec || !v.is_object()) {
    return ::testing::AssertionFailure() << "not a 200 JSON object: " << r.describe();
  }
  const boost::json::object& o = v.as_object();
  if (keys_of(o) != std::set<std::string>{"session_token", "expire", "id_token"}) {
    return ::testing::AssertionFailure() << "members: " << r.describe();
  }
  if (!o.at("expire").is_int64() || o.at("expire").as_int64() < min_expire ||
      o.at("expire").as_int64() > max_expire) {
    return ::testing::AssertionFailure()
           << "expire not in [" << min_expire << ", " << max_expire << "]: " << r.describe();
  }
  if (string_at(o, "session_token").size() != 32) {
    return ::testing::AssertionFailure() << "session_token: " << r.describe();
  }
  return ::testing::AssertionSuccess();
}

class Sessions : public EnvSuite {
 protected:
  // A flow record's state token outlives the purge interval by a few seconds only: the purge test
  // waits for an expiry.
  static void SetUpTestSuite() { SetUpTestSuiteWith({.state_token_ttl = 10, .purge_interval = 1}); }

  // A fresh WeChat user logs in through `client`: {session token, subject}.
  std::pair<std::string, std::string> login(const std::string& client,
                                            std::int64_t expire = 432000) {
    const HttpResult r = env().login_wechat(client, env().fresh_code());
    EXPECT_TRUE(is_success(r, expire));
    return {session_token_of(r), subject_of(r)};
  }

  Headers session_headers(const std::string& client, const std::string& token) const {
    Headers h = env().login_headers(client);
    h.emplace_back("session-token", token);
    return h;
  }

  HttpResult refresh(const std::string& client, const std::string& token,
                     const Headers& extra = {}) {
    Headers h = session_headers(client, token);
    for (const auto& kv : extra) h.emplace_back(kv);
    return env().post_sdk(kRefreshPath, h, "");
  }

  HttpResult logout(const std::string& client, const std::string& token) {
    return env().post_sdk(kLogoutPath, session_headers(client, token), "");
  }

  // The session's row as `ciamd session list --user --json` shows it (the newest one).
  boost::json::object newest_session(const std::string& user) {
    const RunResult r = env().cli({"session", "list", "--user", user, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    const boost::json::value v = parse_json(r.out, "session list");
    if (!v.is_array() || v.as_array().empty()) return {};
    return v.as_array().front().as_object();
  }
};

TEST_F(Sessions, RefreshGivesANewValidIdTokenOfTheSameUser) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const HttpResult first = env().login_wechat(client, env().fresh_code());
  ASSERT_TRUE(is_success(first));
  const std::string token = session_token_of(first);
  std::string sub;
  api_claims(env(), first, client, &sub);

  const HttpResult r = refresh(client, token);
  ASSERT_TRUE(is_refreshed(r, 431990, 432000));
  const boost::json::object o = r.json().as_object();
  EXPECT_EQ(string_at(o, "session_token"), token);  // no rotation by default
  std::string refreshed_sub;
  ASSERT_TRUE(
      is_valid_id_token(string_at(o, "id_token"), env().fetch_jwks(), client, 300, &refreshed_sub));
  EXPECT_EQ(refreshed_sub, sub);
  EXPECT_NE(decode_jws_part(string_at(o, "id_token"), 1).at("jti"),
            decode_jws_part(id_token_of(first), 1).at("jti"));

  const boost::json::object row = newest_session(sub);
  EXPECT_EQ(string_at(row, "state"), "live");
  EXPECT_GT(row.at("last_refreshed_at").as_int64(), 0);
  EXPECT_EQ(row.count("token_hash"), 0U);
}

TEST_F(Sessions, BadTokensAreRefusedInBothLanguagesAndChangeNothing) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const auto [token, sub] = login(client);
  const std::string other = env().create_app({.unbound = "auto_create"});
  const RowCounts before = db_state(env());
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    SCOPED_TRACE(to_string(lang));
    Headers no_token = env().login_headers(client);
    for (const auto& kv : lang_headers(lang)) no_token.emplace_back(kv);
    EXPECT_TRUE(is_error(env().post_sdk(kRefreshPath, no_token, ""), kSessionTokenInvalid, lang));
    EXPECT_TRUE(is_error(env().post_sdk(kLogoutPath, no_token, ""), kSessionTokenInvalid, lang));
    EXPECT_TRUE(is_error(refresh(client, "   ", lang_headers(lang)), kSessionTokenInvalid, lang));
    EXPECT_TRUE(
        is_error(refresh(client, "not-a-token", lang_headers(lang)), kSessionTokenInvalid, lang));
    EXPECT_TRUE(is_error(refresh(client, std::string(32, 'A'), lang_headers(lang)),
                         kSessionTokenInvalid, lang));
    // A live session of another application.
    EXPECT_TRUE(is_error(refresh(other, token, lang_headers(lang)), kSessionTokenInvalid, lang));
  }
  EXPECT_EQ(db_state(env()), before);
  // The common checks come first.
  Headers unknown_client = session_headers(unique_name("nosuchclient"), token);
  EXPECT_TRUE(is_error(env().post_sdk(kRefreshPath, unknown_client, ""), "IDAAS.SDK.PARAM.0003",
                       Lang::kEn));
  EXPECT_TRUE(is_refreshed(refresh(client, token), 1, 432000));
}

TEST_F(Sessions, LogoutEndsTheSessionAtOnceAndIsIdempotent) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const auto [token, sub] = login(client);
  const auto [other_token, other_sub] = login(client);

  // Another application's logout does not touch this session.
  const std::string other_app = env().create_app({.unbound = "auto_create"});
  EXPECT_TRUE(is_empty_ok(logout(other_app, token)));
  ASSERT_TRUE(is_refreshed(refresh(client, token), 1, 432000));

  EXPECT_TRUE(is_empty_ok(logout(client, token)));
  EXPECT_TRUE(is_error(refresh(client, token), kSessionTokenInvalid, Lang::kEn));
  EXPECT_TRUE(is_empty_ok(logout(client, token)));          // already revoked
  EXPECT_TRUE(is_empty_ok(logout(client, "not-a-token")));  // RFC 7009: not an error
  EXPECT_EQ(string_at(newest_session(sub), "state"), "revoked");
  // Only that session.
  EXPECT_TRUE(is_refreshed(refresh(client, other_token), 1, 432000));
}

TEST_F(Sessions, DisablingAUserRevokesEverySessionOfTheirs) {
  const std::string a = env().create_app({.unbound = "auto_create"});
  const std::string b = env().create_app({.unbound = "auto_create"});
  const SimUser u = env().new_wechat_user();
  const HttpResult ra = env().login_wechat(a, env().mint_code(u.user_key));
  const HttpResult rb = env().login_wechat(b, env().mint_code(u.user_key));
  ASSERT_TRUE(is_success(ra));
  ASSERT_TRUE(is_success(rb));
  const std::string user = subject_of(ra);
  ASSERT_EQ(subject_of(rb), user);

  ASSERT_EQ(env().cli({"user", "disable", user}).exit_code, 0);
  EXPECT_TRUE(is_error(refresh(a, session_token_of(ra)), kSessionTokenInvalid, Lang::kEn));
  EXPECT_TRUE(is_error(refresh(b, session_token_of(rb)), kSessionTokenInvalid, Lang::kEn));
  // Enabling lets the user log in again; it does not bring old sessions back.
  ASSERT_EQ(env().cli({"user", "enable", user}).exit_code, 0);
  EXPECT_TRUE(is_error(refresh(a, session_token_of(ra)), kSessionTokenInvalid, Lang::kEn));
  const RunResult list = env().cli({"session", "list", "--user", user});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("revoked"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("live"), std::string::npos) << list.out;
}

TEST_F(Sessions, OperatorRevokesOneSessionOrAllOfAUser) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const SimUser u = env().new_wechat_user();
  std::vector<std::string> tokens;
  for (int i = 0; i < 3; ++i) {
    tokens.push_back(session_token_of(env().login_wechat(client, env().mint_code(u.user_key))));
  }
  const std::string user =
      subject_of(env().login_wechat(client, env().mint_code(u.user_key)));  // a fourth session
  const std::string one_id = string_at(newest_session(user), "id");
  auto refusals = [&] {
    int n = 0;
    for (const std::string& t : tokens) n += refresh(client, t).status == 400 ? 1 : 0;
    return n;
  };
  ASSERT_EQ(refusals(), 0);

  const RunResult one = env().cli({"session", "revoke", one_id, "--json"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(string_at(parse_json(one.out, "revoke").as_object(), "state"), "revoked");
  const std::int64_t live_before = query_int(
      env().db(), "SELECT COUNT(*) FROM sessions WHERE revoked = 0 AND user_id = '" + user + "'");
  EXPECT_EQ(live_before, 3);

  const RunResult all = env().cli({"session", "revoke", "--user", user, "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(parse_json(all.out, "revoke").at("revoked").as_int64(), 3);
  EXPECT_EQ(refusals(), 3);

  EXPECT_NE(env().cli({"session", "revoke", unique_name("nosuchsession")}).exit_code, 0);
  EXPECT_NE(env().cli({"session", "list", "--user", unique_name("nosuchuser")}).exit_code, 0);
}

TEST_F(Sessions, RotationHandsOutANewTokenAndReuseRevokesTheSession) {
  const std::string client =
      env().create_app({.unbound = "auto_create", .rotate_session_token = true});
  const auto [t1, sub] = login(client);
  const HttpResult r = refresh(client, t1);
  ASSERT_TRUE(is_refreshed(r, 1, 432000));
  const std::string t2 = session_token_of(r);
  EXPECT_NE(t2, t1);
  const HttpResult r2 = refresh(client, t2);
  ASSERT_TRUE(is_refreshed(r2, 1, 432000));
  const std::string t3 = session_token_of(r2);

  // t1 comes back (a thief, or a client that kept an old copy): the whole session ends.
  EXPECT_TRUE(is_error(refresh(client, t1), kSessionTokenInvalid, Lang::kEn));
  EXPECT_TRUE(is_error(refresh(client, t3), kSessionTokenInvalid, Lang::kEn));
  EXPECT_EQ(string_at(newest_session(sub), "state"), "revoked");
}

TEST_F(Sessions, ConcurrentRotatingRefreshesWithOneTokenHaveOneWinner) {
  const std::string client =
      env().create_app({.unbound = "auto_create", .rotate_session_token = true});
  const auto [token, sub] = login(client);
  constexpr int kClients = 8;
  std::vector<HttpResult> results(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      results[i] = request(env().port(), "POST", kRefreshPath, session_headers(client, token), "");
    });
  }
  for (auto& t : threads) t.join();
  env().note_audited_requests(kClients);
  int ok = 0;
  for (const HttpResult& r : results) {
    if (r.status == 200) {
      ++ok;
    } else {
      EXPECT_TRUE(is_error(r, kSessionTokenInvalid, Lang::kEn));
    }
  }
  // The first write wins; every other request presented a token that was replaced by then (its
  // write failed, or its read came after), so the session is revoked: of two parties holding one
  // token, neither keeps a working session.
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(string_at(newest_session(sub), "state"), "revoked");
}

TEST_F(Sessions, FixedLifetimeKeepsItsEndAndSlidingRestartsItUpToTheMaximum) {
  const std::string fixed = env().create_app({.unbound = "auto_create", .wechat_session_ttl = 120});
  const std::string sliding = env().create_app({.unbound = "auto_create",
                                                .wechat_session_ttl = 120,
                                                .session_lifetime = "sliding",
                                                .session_max_lifetime = 600});
  const std::string capped = env().create_app({.unbound = "auto_create",
                                               .wechat_session_ttl = 120,
                                               .session_lifetime = "sliding",
                                               .session_max_lifetime = 60});
  const auto [tf, sf] = login(fixed, 120);
  const auto [ts, ss] = login(sliding, 120);
  const auto [tc, sc] = login(capped, 120);
  // Whole seconds: after a pause of over a second a fixed session has less than 120 s left.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_TRUE(is_refreshed(refresh(fixed, tf), 1, 119));
  EXPECT_TRUE(is_refreshed(refresh(sliding, ts), 120, 120));
  EXPECT_TRUE(is_refreshed(refresh(capped, tc), 1, 59));
}

TEST_F(Sessions, ExpiredFlowsArePurgedAndLiveOnesStay) {
  const std::string client = env().create_app({.unbound = "register"});
  const std::string old_token = start_flow(env(), client, env().fresh_code());
  const std::string old_id = string_at(decode_jws_part(old_token, 1), "jti");
  std::this_thread::sleep_for(std::chrono::seconds(5));
  const std::string live_token = start_flow(env(), client, env().fresh_code());
  const std::string live_id = string_at(decode_jws_part(live_token, 1), "jti");
  auto flow_exists = [&](const std::string& id) {
    return query_int(env().db(), "SELECT COUNT(*) FROM flow_states WHERE id = '" + id + "'") == 1;
  };
  ASSERT_TRUE(flow_exists(old_id));
  // The old flow expires 10 s after it began; the purge runs every second.
  EXPECT_TRUE(eventually([&] { return !flow_exists(old_id); }, std::chrono::seconds(15)));
  EXPECT_TRUE(flow_exists(live_id));
  // The live flow still works.
  EXPECT_FALSE(
      send_code(env(), client, live_token, "mobile", unique_mobile(), "REGISTER_SMS").empty());
}

}  // namespace
}  // namespace it
