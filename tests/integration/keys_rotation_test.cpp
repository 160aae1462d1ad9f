// Signing keys (operations.md "Signing keys", api.md JWKS and id_token): ES256 id_tokens for the
// applications that choose them, and `ciamd keys rotate` on a running server. Every token is judged
// twice, by our verifier (support/jwt_verify.hpp) and by the npm package jose fetching the JWKS
// over HTTP, because a rotation that only our own reading of the specs accepts proves little.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "integration/support/jose_verify.hpp"
#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRefreshPath = "/api/v2/sdk/sso/session-token/id-token";

std::string base64url_encode(std::string_view bytes) {
  std::string b64 = base64_encode(bytes);
  for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return b64;
}

std::string header_at(const std::string& jws, const char* key) {
  return string_at(decode_jws_part(jws, 0), key);
}

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The CLI prints times as ISO 8601 UTC ("2026-11-21T08:42:35Z"); -1 when it is not one.
std::int64_t unix_of(const std::string& iso) {
  std::tm tm{};
  std::istringstream in(iso);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return in.fail() ? -1 : static_cast<std::int64_t>(timegm(&tm));
}

// ES256 tokens and the RS256 ones beside them; no rotation, so the keys stay those of the start.
class Es256IdTokens : public EnvSuite {
 protected:
  std::string jwks_url() const {
    return "http://127.0.0.1:" + std::to_string(env().port()) + kKeysPath;
  }

  std::string login_token(const std::string& client) {
    const HttpResult r = env().login_wechat(client, env().fresh_code());
    EXPECT_TRUE(is_success(r));
    return id_token_of(r);
  }

  std::vector<JoseResult> jose(const std::vector<std::string>& tokens, const std::string& client,
                               const std::string& alg) {
    return jose_verify(
        jwks_url(), tokens,
        {.issuer = kIssuer, .audience = client, .algorithms = {alg}, .log_dir = env().dir()});
  }

  // jose, allowing only `alg`, accepts every token.
  ::testing::AssertionResult jose_accepts(const std::vector<std::string>& tokens,
                                          const std::string& client, const std::string& alg) {
    const std::vector<JoseResult> r = jose(tokens, client, alg);
    if (r.size() != tokens.size()) return ::testing::AssertionFailure() << "result count";
    for (const JoseResult& j : r) {
      if (!j.ok) return ::testing::AssertionFailure() << "jose refused a token: " << j.raw;
    }
    return ::testing::AssertionSuccess();
  }

  // An RS256 application (the default) and an ES256 one.
  std::pair<std::string, std::string> rs_and_es_apps() {
    return {env().create_app({.unbound = "auto_create"}),
            env().create_app({.unbound = "auto_create", .id_token_alg = "ES256"})};
  }

  // The JWKS's key named `kid`, or {} when it has none.
  static json::object jwk_named(const json::object& jwks, const std::string& kid) {
    for (const auto& k : jwks.at("keys").as_array()) {
      if (string_at(k.as_object(), "kid") == kid) return k.as_object();
    }
    return {};
  }

  // `ciamd token decode`: the server's own opinion, from its stored keys rather than the JWKS.
  RunResult decode(const std::string& token) { return env().cli({"token", "decode", token}); }
};

// The rotations change the server's global key state, so they get a server of their own. Each test
// reads the kids in force before it rotates, so they hold in any order and after each other.
class KeysRotation : public Es256IdTokens {
 protected:
  static void SetUpTestSuite() { SetUpTestSuiteWith({}); }

  // `ciamd keys rotate --json <args>`: one JSON line per algorithm rotated, keyed by alg.
  std::map<std::string, json::object> rotate(std::vector<std::string> args) {
    args.insert(args.begin(), {"keys", "rotate", "--json"});
    const RunResult r = env().cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    std::map<std::string, json::object> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      const json::object o = parse_json(line, "keys rotate line").as_object();
      out[string_at(o, "alg")] = o;
    }
    return out;
  }

  // `ciamd keys list --json`, keyed by kid.
  std::map<std::string, json::object> keys_by_kid() {
    const RunResult r = env().cli({"keys", "list", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    std::map<std::string, json::object> out;
    const json::value all = parse_json(r.out, "keys list");
    for (const auto& k : all.as_array()) out[string_at(k.as_object(), "kid")] = k.as_object();
    return out;
  }

  // Logs in through `client` until the id_token carries `kid` or `within` passes; returns the last
  // token. A pause between tries, or every poll would create a user in the simulator.
  std::string await_kid(const std::string& client, const std::string& kid,
                        std::chrono::milliseconds within) {
    std::string token;
    eventually(
        [&] {
          token = login_token(client);
          if (!token.empty() && header_at(token, "kid") == kid) return true;
          std::this_thread::sleep_for(100ms);
          return false;
        },
        within);
    return token;
  }

  // Enough for a key reload to pick a rotation up, with room for a slow machine.
  std::chrono::milliseconds reload_bound() const {
    return std::chrono::seconds(2 * env().options().key_reload_interval + 3);
  }
};

TEST_F(Es256IdTokens, Es256AppGetsAnEs256TokenBothVerifiersAccept) {
  const auto [rs_client, es_client] = rs_and_es_apps();
  const std::string es = login_token(es_client);
  const std::string rs = login_token(rs_client);
  ASSERT_TRUE(!es.empty() && !rs.empty());
  const json::object jwks = env().fetch_jwks();

  EXPECT_EQ(header_at(es, "alg"), "ES256");
  const json::object ec = jwk_named(jwks, header_at(es, "kid"));
  EXPECT_EQ(string_at(ec, "kty"), "EC") << dump(jwks);
  EXPECT_EQ(string_at(ec, "crv"), "P-256") << dump(jwks);
  EXPECT_EQ(string_at(ec, "alg"), "ES256") << dump(jwks);
  // R||S, not DER: a DER signature would be 70 to 72 bytes.
  EXPECT_EQ(base64url_decode(split_jws(es)[2]).size(), 64U);
  std::string sub;
  EXPECT_TRUE(is_valid_id_token(es, jwks, es_client, 300, &sub));
  EXPECT_NO_THROW(verify_es256(es, jwks));

  const std::vector<JoseResult> j = jose({es}, es_client, "ES256");
  ASSERT_EQ(j.size(), 1U);
  ASSERT_TRUE(j[0].ok) << j[0].raw;
  EXPECT_EQ(string_at(j[0].payload, "sub"), sub) << j[0].raw;
  EXPECT_EQ(string_at(j[0].header, "kid"), header_at(es, "kid")) << j[0].raw;

  const RunResult d = decode(es);
  EXPECT_EQ(d.exit_code, 0) << d.err << d.out;
  EXPECT_NE(d.out.find("signature: valid"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("key: " + header_at(es, "kid") + " (signing)"), std::string::npos) << d.out;

  // The application's choice, not a server-wide one.
  EXPECT_EQ(header_at(rs, "alg"), "RS256");
  EXPECT_EQ(string_at(jwk_named(jwks, header_at(rs, "kid")), "kty"), "RSA") << dump(jwks);
  EXPECT_TRUE(is_valid_id_token(rs, jwks, rs_client));
  EXPECT_TRUE(jose_accepts({rs}, rs_client, "RS256"));
}

TEST_F(Es256IdTokens, TamperedEs256TokensFailEverywhere) {
  const std::string client = env().create_app({.unbound = "auto_create", .id_token_alg = "ES256"});
  const std::string token = login_token(client);
  ASSERT_FALSE(token.empty());
  const std::vector<std::string> parts = split_jws(token);
  const json::object header = decode_jws_part(token, 0);

  // Inside the subject, so the JSON and every claim check still pass and only the signature can
  // object (as in jose_smoke_test).
  std::string payload = base64url_decode(parts[1]);
  const std::size_t at = payload.find("\"" + string_at(decode_jws_part(token, 1), "sub") + "\"");
  ASSERT_NE(at, std::string::npos) << payload;
  payload[at + 1] = payload[at + 1] == 'a' ? 'b' : 'a';
  // Re-encoded from the bytes: a flipped base64url character may only touch unused low bits.
  std::string signature = base64url_decode(parts[2]);
  signature[signature.size() / 2] ^= 0x01;
  const auto with_header = [&](const char* key, const char* value, const std::string& sig) {
    json::object h = header;
    h[key] = value;
    return base64url_encode(dump(h)) + "." + parts[1] + "." + sig;
  };

  struct Case {
    const char* name;
    std::string token;
    const char* jose_code;
  };
  const std::vector<Case> cases{
      {"flipped payload byte", parts[0] + "." + base64url_encode(payload) + "." + parts[2],
       "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"},
      {"flipped signature byte", parts[0] + "." + parts[1] + "." + base64url_encode(signature),
       "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"},
      {"unknown kid", with_header("kid", "unknown", parts[2]), "ERR_JWKS_NO_MATCHING_KEY"},
      {"alg none", with_header("alg", "none", ""), "ERR_JOSE_ALG_NOT_ALLOWED"},
      // The EC key's kid under RS256: no RSA key has that kid, so no key may be found for it.
      {"alg switched to RS256", with_header("alg", "RS256", parts[2]), "ERR_JWKS_NO_MATCHING_KEY"},
  };
  // The genuine token first proves the JWKS loaded, so the refusals are the checks under test.
  std::vector<std::string> tokens{token};
  for (const auto& c : cases) tokens.push_back(c.token);
  const std::vector<JoseResult> r = jose_verify(
      jwks_url(), tokens, {.issuer = kIssuer, .audience = client, .log_dir = env().dir()});
  ASSERT_EQ(r.size(), tokens.size());
  ASSERT_TRUE(r[0].ok) << r[0].raw;

  const json::object jwks = env().fetch_jwks();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    EXPECT_FALSE(r[i + 1].ok) << r[i + 1].raw;
    EXPECT_EQ(r[i + 1].code, cases[i].jose_code) << r[i + 1].raw;
    EXPECT_THROW(verify_jws(cases[i].token, jwks), std::runtime_error);
    const RunResult d = decode(cases[i].token);
    EXPECT_NE(d.exit_code, 0) << d.out;
    EXPECT_EQ(d.out.find("signature: valid"), std::string::npos) << d.out;
  }
}

TEST_F(KeysRotation, NewKeysArePrePublishedThenSignWhileOldTokensKeepVerifying) {
  const auto [rs_client, es_client] = rs_and_es_apps();
  const std::string t_rs = login_token(rs_client);
  const std::string t_es = login_token(es_client);
  ASSERT_TRUE(!t_rs.empty() && !t_es.empty());
  const std::string old_rs = header_at(t_rs, "kid");
  const std::string old_es = header_at(t_es, "kid");
  const HttpResult before = request(env().port(), "GET", kKeysPath);
  ASSERT_EQ(before.status, 200) << before.describe();

  auto rotated = rotate({"--alg", "all", "--activate-in", "3"});
  ASSERT_EQ(rotated.size(), 2U);
  const std::string new_rs = string_at(rotated["RS256"], "kid");
  const std::string new_es = string_at(rotated["ES256"], "kid");
  EXPECT_EQ(rotated["RS256"].at("replaces"), json::value(json::array{json::value(old_rs)}));
  EXPECT_EQ(rotated["ES256"].at("replaces"), json::value(json::array{json::value(old_es)}));
  const std::int64_t activates = unix_of(string_at(rotated["RS256"], "signs_from"));
  ASSERT_GT(activates, 0) << dump(rotated["RS256"]);

  // Published ahead of signing, which is the point of the lead.
  ASSERT_TRUE(eventually(
      [&] {
        const json::object jwks = env().fetch_jwks();
        return !jwk_named(jwks, new_rs).empty() && !jwk_named(jwks, new_es).empty();
      },
      reload_bound()));
  EXPECT_LT(now_unix(), activates) << "the new kids appeared in the JWKS only after activation";
  const HttpResult published = request(env().port(), "GET", kKeysPath);
  // Only a token issued before the activation second must carry an old kid; a slow machine may
  // already be past it, and then this check says nothing rather than failing.
  for (const auto& [client, old_kid] : {std::pair{rs_client, old_rs}, {es_client, old_es}}) {
    const std::string t = login_token(client);
    if (!t.empty() && decode_jws_part(t, 1).at("iat").to_number<std::int64_t>() < activates) {
      EXPECT_EQ(header_at(t, "kid"), old_kid);
    }
  }

  const std::string n_rs = await_kid(rs_client, new_rs, 4s + reload_bound());
  const std::string n_es = await_kid(es_client, new_es, 4s + reload_bound());
  ASSERT_EQ(header_at(n_rs, "kid"), new_rs);
  ASSERT_EQ(header_at(n_es, "kid"), new_es);

  // Old and new tokens side by side: jose fetches the JWKS afresh in each call.
  const json::object jwks = env().fetch_jwks();
  for (const auto& [client, alg, old_t, new_t] :
       {std::tuple{rs_client, "RS256", t_rs, n_rs}, {es_client, "ES256", t_es, n_es}}) {
    SCOPED_TRACE(alg);
    EXPECT_TRUE(is_valid_id_token(old_t, jwks, client));
    EXPECT_TRUE(is_valid_id_token(new_t, jwks, client));
    EXPECT_TRUE(jose_accepts({old_t, new_t}, client, alg));
  }
  const RunResult d = decode(t_es);
  EXPECT_NE(d.out.find("key: " + old_es + " (published)"), std::string::npos) << d.out;

  auto keys = keys_by_kid();
  for (const std::string& kid : {old_rs, old_es}) {
    SCOPED_TRACE(kid);
    EXPECT_EQ(string_at(keys[kid], "state"), "published") << dump(keys[kid]);
    EXPECT_EQ(keys[kid].at("published"), json::value(true)) << dump(keys[kid]);
    EXPECT_GT(unix_of(string_at(keys[kid], "publish_until")), now_unix()) << dump(keys[kid]);
  }
  EXPECT_EQ(string_at(keys[new_rs], "state"), "signing") << dump(keys[new_rs]);
  EXPECT_EQ(string_at(keys[new_es], "state"), "signing") << dump(keys[new_es]);

  // The JWKS cache validators: a new tag for the new key set, stable while the set is.
  const auto has_max_age = [](const HttpResult& r) {
    return r.header("cache-control").value_or("").find("max-age=") != std::string::npos;
  };
  const HttpResult now = request(env().port(), "GET", kKeysPath);
  const std::string etag = now.header("etag").value_or("");
  ASSERT_FALSE(etag.empty()) << now.describe();
  EXPECT_NE(etag, before.header("etag").value_or("")) << now.describe();
  EXPECT_EQ(published.header("etag"), now.header("etag"))
      << "the ETag changed at activation though the key set did not: " << published.describe();
  EXPECT_TRUE(has_max_age(now)) << now.describe();
  const HttpResult cached = request(env().port(), "GET", kKeysPath, {{"If-None-Match", etag}});
  EXPECT_EQ(cached.status, 304) << cached.describe();
  EXPECT_TRUE(cached.body.empty()) << cached.describe();
  EXPECT_EQ(cached.header("etag"), etag) << cached.describe();
  EXPECT_TRUE(has_max_age(cached)) << cached.describe();
  const HttpResult stale = request(env().port(), "GET", kKeysPath,
                                   {{"If-None-Match", before.header("etag").value_or("")}});
  EXPECT_EQ(stale.status, 200) << stale.describe();
}

TEST_F(KeysRotation, SessionRefreshAfterRotationSignsWithTheNewKey) {
  struct App {
    const char* alg;
    std::string client;
    std::string session{};
    std::string old_kid{};
  };
  const auto [rs_client, es_client] = rs_and_es_apps();
  std::vector<App> apps{{"RS256", rs_client}, {"ES256", es_client}};
  for (App& a : apps) {
    const HttpResult r = env().login_wechat(a.client, env().fresh_code());
    ASSERT_TRUE(is_success(r));
    a.session = string_at(r.json().as_object(), "session_token");
    a.old_kid = header_at(id_token_of(r), "kid");
  }

  auto rotated = rotate({"--alg", "all", "--activate-in", "1"});
  for (App& a : apps) {
    SCOPED_TRACE(a.alg);
    const std::string new_kid = string_at(rotated[a.alg], "kid");
    ASSERT_NE(new_kid, a.old_kid);
    ASSERT_EQ(header_at(await_kid(a.client, new_kid, reload_bound() + 2s), "kid"), new_kid);

    Headers h = env().login_headers(a.client);
    h.emplace_back("session-token", a.session);
    const HttpResult r = env().post_sdk(kRefreshPath, h, "");
    ASSERT_EQ(r.status, 200) << r.describe();
    const std::string id_token = string_at(r.json().as_object(), "id_token");
    EXPECT_EQ(header_at(id_token, "kid"), new_kid);
    EXPECT_EQ(header_at(id_token, "alg"), a.alg);
    EXPECT_TRUE(is_valid_id_token(id_token, env().fetch_jwks(), a.client));
    EXPECT_TRUE(jose_accepts({id_token}, a.client, a.alg));
  }
}

TEST_F(KeysRotation, EmergencyRotationSignsAtTheNextReload) {
  const auto [rs_client, es_client] = rs_and_es_apps();
  const std::string t_rs = login_token(rs_client);
  const std::string es_kid = header_at(login_token(es_client), "kid");
  const std::string old_rs = header_at(t_rs, "kid");

  const RunResult r =
      env().cli({"keys", "rotate", "--json", "--activate-in", "0", "--alg", "RS256"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  // A lead of 0 is below jwks_max_age + key_reload_interval: the command must say so.
  EXPECT_NE(r.err.find("warning"), std::string::npos) << r.err;
  // One line, RS256 only: a JSON line per rotated algorithm.
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  const json::object rotated = parse_json(r.out, "keys rotate").as_object();
  EXPECT_EQ(string_at(rotated, "alg"), "RS256") << r.out;
  const std::string new_rs = string_at(rotated, "kid");
  ASSERT_NE(new_rs, old_rs);
  auto keys = keys_by_kid();
  EXPECT_EQ(string_at(keys[new_rs], "state"), "signing") << dump(keys[new_rs]);
  EXPECT_EQ(string_at(keys[old_rs], "state"), "published") << dump(keys[old_rs]);

  const std::string n_rs = await_kid(rs_client, new_rs, reload_bound());
  ASSERT_EQ(header_at(n_rs, "kid"), new_rs);
  EXPECT_EQ(header_at(login_token(es_client), "kid"), es_kid) << "ES256 was not rotated";
  // The compromised key stays published until its time, so its tokens still verify.
  const json::object jwks = env().fetch_jwks();
  EXPECT_TRUE(is_valid_id_token(t_rs, jwks, rs_client));
  EXPECT_TRUE(is_valid_id_token(n_rs, jwks, rs_client));
  EXPECT_TRUE(jose_accepts({t_rs, n_rs}, rs_client, "RS256"));
}

}  // namespace
}  // namespace it
