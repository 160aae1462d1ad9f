// The key endpoints (JWKS, OpenID discovery), the signing key's life across restarts, secrets at
// rest, HTTP keep-alive, and a self-check of the independent verifier the other tests rely on.
#include <gtest/gtest.h>

#include <set>

#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

class TokensEndpoints : public EnvSuite {
 protected:
  std::set<std::string> kids() {
    std::set<std::string> out;
    const json::object jwks = env().fetch_jwks();  // must outlive the loop over its keys
    for (const auto& k : jwks.at("keys").as_array()) {
      out.insert(string_at(k.as_object(), "kid"));
    }
    return out;
  }

  // A SUCCESS login through a fresh auto_create app: {client id, response}.
  std::pair<std::string, HttpResult> successful_login() {
    const std::string client = env().create_app({.unbound = "auto_create"});
    return {client, env().login_wechat(client, env().fresh_code())};
  }

  static bool contains(const std::vector<std::string>& cells, std::string_view needle) {
    for (const auto& c : cells) {
      if (c.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

TEST_F(TokensEndpoints, JwksListsPublicSigningKeysOnlyOfBothAlgorithms) {
  const HttpResult r = request(env().port(), "GET", kKeysPath);
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_NE(r.header("content-type").value_or("").find("application/json"), std::string::npos);
  const json::value v = r.json();
  ASSERT_TRUE(v.is_object()) << r.body;
  EXPECT_EQ(keys_of(v.as_object()), (std::set<std::string>{"keys"}));
  const auto& keys = v.at("keys");
  ASSERT_TRUE(keys.is_array() && !keys.as_array().empty()) << r.body;
  std::set<std::string> algs;
  for (const auto& k : keys.as_array()) {
    ASSERT_TRUE(k.is_object()) << r.body;
    const auto& o = k.as_object();
    EXPECT_EQ(string_at(o, "use"), "sig");
    EXPECT_FALSE(string_at(o, "kid").empty());
    algs.insert(string_at(o, "alg"));
    // Exactly the public members: no private member (d, p, q, dp, dq, qi) may ever appear.
    if (string_at(o, "kty") == "RSA") {
      EXPECT_EQ(keys_of(o), (std::set<std::string>{"kty", "kid", "use", "alg", "n", "e"}))
          << dump(o);
      EXPECT_EQ(string_at(o, "alg"), "RS256");
      EXPECT_GE(base64url_decode(string_at(o, "n")).size(), 256U) << "modulus under 2048 bits";
      EXPECT_FALSE(base64url_decode(string_at(o, "e")).empty());
    } else {
      EXPECT_EQ(string_at(o, "kty"), "EC") << dump(o);
      EXPECT_EQ(keys_of(o), (std::set<std::string>{"kty", "kid", "use", "alg", "crv", "x", "y"}))
          << dump(o);
      EXPECT_EQ(string_at(o, "alg"), "ES256");
      EXPECT_EQ(string_at(o, "crv"), "P-256");
      EXPECT_EQ(base64url_decode(string_at(o, "x")).size(), 32U);
      EXPECT_EQ(base64url_decode(string_at(o, "y")).size(), 32U);
    }
  }
  EXPECT_EQ(algs, (std::set<std::string>{"RS256", "ES256"}));
}

TEST_F(TokensEndpoints, DiscoveryDocumentNamesIssuerKeysAndRs256) {
  const HttpResult r = request(env().port(), "GET", kDiscoveryPath);
  ASSERT_EQ(r.status, 200) << r.describe();
  const json::value v = r.json();
  ASSERT_TRUE(v.is_object()) << r.body;
  const auto& o = v.as_object();
  EXPECT_EQ(string_at(o, "issuer"), kIssuer) << r.body;
  EXPECT_TRUE(string_at(o, "jwks_uri").ends_with(kKeysPath)) << r.body;
  const auto* algs = o.if_contains("id_token_signing_alg_values_supported");
  ASSERT_TRUE(algs != nullptr && algs->is_array()) << r.body;
  bool rs256 = false;
  for (const auto& a : algs->as_array())
    rs256 = rs256 || (a.is_string() && a.as_string() == "RS256");
  EXPECT_TRUE(rs256) << r.body;
}

TEST_F(TokensEndpoints, VerifierRejectsTamperedTokens) {
  // The other tests trust this verifier; prove it can say no.
  const auto [client, r] = successful_login();
  ASSERT_TRUE(is_success(r));
  const std::string token = id_token_of(r);
  const json::object jwks = env().fetch_jwks();
  ASSERT_NO_THROW(verify_rs256(token, jwks));
  auto parts = split_jws(token);
  json::object claims = decode_jws_part(token, 1);
  claims["sub"] = "someone-else";
  const std::string forged_payload = [&] {
    std::string b64 = base64_encode(dump(claims));
    for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    return b64;
  }();
  EXPECT_THROW(verify_rs256(parts[0] + "." + forged_payload + "." + parts[2], jwks),
               std::runtime_error);
  json::object no_keys{{"keys", json::array{}}};
  EXPECT_THROW(verify_rs256(token, no_keys), std::runtime_error);
}

TEST_F(TokensEndpoints, SeveralRequestsShareOneKeepAliveConnection) {
  const std::string client = env().create_app();
  HttpConnection c(env().port());
  const HttpResult keys = c.request("GET", kKeysPath, {});
  EXPECT_EQ(keys.status, 200) << keys.describe();
  EXPECT_FALSE(c.closed_by_peer());
  const std::string body = R"({"code":")" + env().fresh_code() + R"("})";
  const HttpResult login = c.request("POST", kLoginPath, env().login_headers(client), body);
  EXPECT_TRUE(is_flow(login, "USER_REGISTER", {"VERIFY_PHONE", "VERIFY_EMAIL"}));
  EXPECT_FALSE(c.closed_by_peer());
  const HttpResult rejected = c.request("POST", kLoginPath, env().login_headers(client), "{}");
  EXPECT_TRUE(is_error(rejected, "IDAAS.SDK.PARAM.0011", Lang::kEn));
  EXPECT_FALSE(c.closed_by_peer());
  env().note_audited_requests(2);
  const HttpResult discovery = c.request("GET", kDiscoveryPath, {});
  EXPECT_EQ(discovery.status, 200) << discovery.describe();
  for (const HttpResult* r : {&keys, &login, &rejected, &discovery}) {
    EXPECT_NE(r->header("connection").value_or(""), "close") << r->describe();
  }
}

TEST_F(TokensEndpoints, SigningKeySurvivesARestart) {
  const auto [client, r] = successful_login();
  ASSERT_TRUE(is_success(r));
  const std::set<std::string> before = kids();
  ASSERT_FALSE(before.empty());

  EXPECT_EQ(env().stop_server(), 0) << "ciamd should exit cleanly on SIGTERM";
  ASSERT_NO_THROW(env().start_server());

  EXPECT_EQ(kids(), before);
  // A token issued before the restart still verifies against the keys served after it.
  EXPECT_TRUE(is_valid_id_token(id_token_of(r), env().fetch_jwks(), client));
  // And the restarted server signs with the same key.
  const auto [client2, r2] = successful_login();
  ASSERT_TRUE(is_success(r2));
  EXPECT_TRUE(before.contains(string_at(decode_jws_part(id_token_of(r2), 0), "kid")));
}

TEST_F(TokensEndpoints, NoSecretIsStoredInClearOrLogged) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const std::string code = env().fresh_code();
  const HttpResult r = env().login_wechat(client, code);
  ASSERT_TRUE(is_success(r));
  const auto signing = table_cells(env().db(), "signing_keys");
  ASSERT_FALSE(signing.empty()) << "no signing key stored";
  EXPECT_FALSE(contains(signing, "PRIVATE KEY")) << "a PEM private key is stored in clear";
  EXPECT_FALSE(contains(table_cells(env().db(), "applications"), env().wechat_secret()))
      << "the WeChat app secret is stored in clear";
  const std::string session_token = string_at(parse_json(r.body).as_object(), "session_token");
  EXPECT_FALSE(contains(table_cells(env().db(), "sessions"), session_token))
      << "the session token is stored in clear";
  const std::string log = env().server_output();
  EXPECT_EQ(log.find(env().wechat_secret()), std::string::npos) << "the app secret was logged";
  EXPECT_EQ(log.find(session_token), std::string::npos) << "the session token was logged";
  EXPECT_EQ(log.find(code), std::string::npos) << "the WeChat code was logged";
}

}  // namespace
}  // namespace it
