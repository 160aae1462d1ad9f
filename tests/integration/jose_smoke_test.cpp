// id_tokens judged by an outside JOSE implementation (the npm package jose, see
// support/jose_verify.hpp) fetching the JWKS over HTTP, next to our own verifier: both must accept
// a genuine token and agree on its subject, and both must refuse every tampered variant. The
// tampering keeps each variant well-formed, so every refusal comes from the check under test, and
// jose's error codes pin which check that was.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "integration/support/jose_verify.hpp"
#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

std::string base64url_encode(std::string_view bytes) {
  std::string b64 = base64_encode(bytes);
  for (char& c : b64) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return b64;
}

std::string encode_json(const json::object& o) {
  return base64url_encode(dump(o));
}

class JoseSmoke : public EnvSuite {
 protected:
  std::string jwks_url() const {
    return "http://127.0.0.1:" + std::to_string(env().port()) + kKeysPath;
  }

  // A SUCCESS login through a fresh auto_create app: {client id, id_token}.
  std::pair<std::string, std::string> fresh_id_token() {
    const std::string client = env().create_app({.unbound = "auto_create"});
    const HttpResult r = env().login_wechat(client, env().fresh_code());
    EXPECT_TRUE(is_success(r));
    return {client, id_token_of(r)};
  }

  std::vector<JoseResult> jose(const std::vector<std::string>& tokens, const std::string& client) {
    return jose_verify(jwks_url(), tokens,
                       {.issuer = kIssuer, .audience = client, .log_dir = env().dir()});
  }
};

TEST_F(JoseSmoke, FreshIdTokenVerifiesAndAgreesWithOurVerifier) {
  const auto [client, token] = fresh_id_token();
  ASSERT_FALSE(token.empty());
  const VerifiedJwt ours = verify_rs256(token, env().fetch_jwks());

  const std::vector<JoseResult> r = jose({token}, client);
  ASSERT_EQ(r.size(), 1U);
  ASSERT_TRUE(r[0].ok) << r[0].raw;
  EXPECT_EQ(string_at(r[0].payload, "sub"), string_at(ours.claims, "sub")) << r[0].raw;
  EXPECT_FALSE(string_at(r[0].payload, "sub").empty()) << r[0].raw;
  EXPECT_EQ(string_at(r[0].payload, "iss"), kIssuer) << r[0].raw;
  EXPECT_EQ(string_at(r[0].header, "kid"), string_at(ours.header, "kid")) << r[0].raw;
  EXPECT_EQ(string_at(r[0].header, "alg"), string_at(ours.header, "alg")) << r[0].raw;
}

TEST_F(JoseSmoke, TamperedTokensFailInJoseAndInOurVerifier) {
  const auto [client, token] = fresh_id_token();
  ASSERT_FALSE(token.empty());
  const std::vector<std::string> parts = split_jws(token);
  const json::object header = decode_jws_part(token, 0);

  // One payload byte changed inside the subject, so the JSON and every claim check still pass and
  // only the signature can object.
  std::string payload = base64url_decode(parts[1]);
  const std::string sub = string_at(decode_jws_part(token, 1), "sub");
  ASSERT_FALSE(sub.empty());
  const std::size_t at = payload.find("\"" + sub + "\"");
  ASSERT_NE(at, std::string::npos) << payload;
  char& c = payload[at + 1];
  c = c == 'a' ? 'b' : 'a';
  const std::string flipped_payload = parts[0] + "." + base64url_encode(payload) + "." + parts[2];

  // Re-encoded from the decoded bytes: flipping a base64url character could land in the unused
  // low bits of the last one and change nothing.
  std::string signature = base64url_decode(parts[2]);
  ASSERT_FALSE(signature.empty());
  signature[signature.size() / 2] ^= 0x01;
  const std::string flipped_signature =
      parts[0] + "." + parts[1] + "." + base64url_encode(signature);

  json::object unknown_kid_header = header;
  unknown_kid_header["kid"] = "unknown";
  const std::string unknown_kid = encode_json(unknown_kid_header) + "." + parts[1] + "." + parts[2];

  json::object none_header = header;
  none_header["alg"] = "none";
  const std::string alg_none = encode_json(none_header) + "." + parts[1] + ".";

  struct Case {
    const char* name;
    const std::string& token;
    const char* jose_code;
  };
  const std::vector<Case> cases{
      {"flipped payload byte", flipped_payload, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"},
      {"flipped signature byte", flipped_signature, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"},
      {"unknown kid", unknown_kid, "ERR_JWKS_NO_MATCHING_KEY"},
      {"alg none, empty signature", alg_none, "ERR_JOSE_ALG_NOT_ALLOWED"},
  };
  // The genuine token goes first: it proves the key set was fetched and usable, so the refusals
  // below cannot be a JWKS that failed to load.
  std::vector<std::string> tokens{token};
  for (const auto& k : cases) tokens.push_back(k.token);
  const std::vector<JoseResult> r = jose(tokens, client);
  ASSERT_EQ(r.size(), tokens.size());
  ASSERT_TRUE(r[0].ok) << r[0].raw;

  const json::object jwks = env().fetch_jwks();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    const JoseResult& j = r[i + 1];
    EXPECT_FALSE(j.ok) << j.raw;
    EXPECT_EQ(j.code, cases[i].jose_code) << j.raw;
    EXPECT_THROW(verify_rs256(cases[i].token, jwks), std::runtime_error);
  }
}

TEST_F(JoseSmoke, JoseHoldsTheTokenToItsIssuerAndAudience) {
  // Proves the options reach jose: were they dropped, these would verify.
  const auto [client, token] = fresh_id_token();
  ASSERT_FALSE(token.empty());
  const std::vector<JoseResult> wrong_aud = jose({token}, client + "-other");
  ASSERT_EQ(wrong_aud.size(), 1U);
  EXPECT_FALSE(wrong_aud[0].ok) << wrong_aud[0].raw;
  EXPECT_EQ(wrong_aud[0].code, "ERR_JWT_CLAIM_VALIDATION_FAILED") << wrong_aud[0].raw;

  const std::vector<JoseResult> wrong_iss = jose_verify(
      jwks_url(), {token},
      {.issuer = std::string(kIssuer) + "/other", .audience = client, .log_dir = env().dir()});
  ASSERT_EQ(wrong_iss.size(), 1U);
  EXPECT_FALSE(wrong_iss[0].ok) << wrong_iss[0].raw;
  EXPECT_EQ(wrong_iss[0].code, "ERR_JWT_CLAIM_VALIDATION_FAILED") << wrong_iss[0].raw;
}

}  // namespace
}  // namespace it
