// Unit tests for src/tokens signing: JWS (RFC 7515 appendix A vectors, alg confusion, tampering),
// the key ring, state tokens and id_token claims.
#include <gtest/gtest.h>
#include <openssl/err.h>

#include <atomic>
#include <map>
#include <stdexcept>
#include <thread>

#include "tokens/base64.hpp"
#include "tokens/crypto.hpp"
#include "tokens/id_token.hpp"
#include "tokens/jws.hpp"
#include "tokens/key_ring.hpp"
#include "tokens/sealer.hpp"
#include "tokens/state_token.hpp"
#include "unit/tokens_test_support.hpp"

namespace ciamd {
namespace {

using namespace tokens_test;  // NOLINT(google-build-using-namespace): test vectors and helpers

// ---- JWS -----------------------------------------------------------------------------------

TEST(Jws, Rfc7515A1Hs256) {
  const std::string key = *base64url_decode(kA1Key);
  EXPECT_EQ(jws_sign_hmac(kA1Header, kRfcPayload, key), kA1Token);
  const auto parts = jws_verify_hmac(kA1Token, key);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->payload, kRfcPayload);
  EXPECT_EQ(parts->header.at("typ"), "JWT");
  EXPECT_FALSE(jws_verify_hmac(kA1Token, key.substr(1)));
}

TEST(Jws, Rfc7515A2Rs256) {
  const AsymmetricKey key = key_from(kA2Jwk);
  EXPECT_EQ(jws_sign(R"({"alg":"RS256"})", kRfcPayload, key), kA2Token);
  const auto parts = jws_verify(kA2Token, public_key_from(kA2Jwk));
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->payload, kRfcPayload);
}

TEST(Jws, Rfc7515A3Es256) {
  const auto parts = jws_verify(kA3Token, public_key_from(kA3Jwk));
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->payload, kRfcPayload);
  EXPECT_EQ(parts->header.at("alg"), "ES256");

  // ECDSA is randomized: our own signature differs but verifies, and is raw R||S (64 bytes).
  const AsymmetricKey key = key_from(kA3Jwk);
  const std::string token = jws_sign(R"({"alg":"ES256"})", kRfcPayload, key);
  EXPECT_EQ(base64url_decode(split(token).signature)->size(), 64u);
  EXPECT_TRUE(jws_verify(token, public_key_from(kA3Jwk)));
}

TEST(Jws, SignRequiresHeaderAlgOfTheKey) {
  const AsymmetricKey ec = key_from(kA3Jwk);
  EXPECT_THROW(jws_sign(R"({"alg":"RS256"})", "x", ec), std::invalid_argument);
  EXPECT_THROW(jws_sign(R"({"typ":"JWT"})", "x", ec), std::invalid_argument);
  EXPECT_THROW(jws_sign("not json", "x", ec), std::invalid_argument);
  EXPECT_THROW(jws_sign_hmac(R"({"alg":"RS256"})", "x", "k"), std::invalid_argument);
  EXPECT_THROW(jws_sign_hmac(R"({"alg":"HS256"})", "x", ""), std::invalid_argument);
  EXPECT_THROW(jws_sign(R"({"alg":"RS256"})", "x", public_key_from(kA2Jwk)), std::runtime_error);
}

TEST(Jws, RejectsAlgorithmConfusion) {
  const AsymmetricKey rsa_public = public_key_from(kA2Jwk);
  const std::string payload = R"({"sub":"admin"})";
  // HS256 keyed with the public key, in each form an attacker could obtain it.
  for (const std::string& secret :
       {json::serialize(rsa_public.public_jwk()), std::string(kA2Jwk),
        *base64url_decode(rsa_public.public_jwk().at("n").as_string())}) {
    const std::string forged = jws_sign_hmac(R"({"alg":"HS256"})", payload, secret);
    EXPECT_FALSE(jws_verify(forged, rsa_public));
  }
  // "none", with and without a signature segment.
  const std::string none = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(payload);
  EXPECT_FALSE(jws_verify(none + ".", rsa_public));
  EXPECT_FALSE(jws_verify(none, rsa_public));
  EXPECT_FALSE(jws_verify_hmac(none + ".", "secret"));
  // An RS256 token presented to an EC key and the other way round.
  EXPECT_FALSE(jws_verify(kA2Token, public_key_from(kA3Jwk)));
  EXPECT_FALSE(jws_verify(kA3Token, rsa_public));
  // The header "alg" must name the key even when the signature bytes would verify.
  Segments relabeled = split(kA2Token);
  relabeled.header = base64url_encode(R"({"alg":"ES256"})");
  EXPECT_FALSE(jws_verify(join(relabeled), rsa_public));
  // An HS256 token verified as HS256 must really say HS256.
  const std::string rs_labeled = jws_sign_hmac(R"({"alg":"HS256"})", payload, "k");
  Segments s = split(rs_labeled);
  s.header = base64url_encode(R"({"alg":"HS512"})");
  EXPECT_FALSE(jws_verify_hmac(join(s), "k"));
}

TEST(Jws, RejectsTamperedParts) {
  const AsymmetricKey ec = AsymmetricKey::generate_ec_p256();
  const std::map<std::string, std::string> tokens{
      {"RS256", jws_sign(R"({"alg":"RS256","kid":"k"})", R"({"sub":"1"})", rsa_key())},
      {"ES256", jws_sign(R"({"alg":"ES256","kid":"k"})", R"({"sub":"1"})", ec)}};
  for (const auto& [alg, token] : tokens) {
    const AsymmetricKey& key = alg == "RS256" ? rsa_key() : ec;
    ASSERT_TRUE(jws_verify(token, key)) << alg;
    Segments s = split(token);
    Segments h = s;
    h.header = base64url_encode(std::string(R"({"alg":")") + alg + R"(","kid":"x"})");
    EXPECT_FALSE(jws_verify(join(h), key)) << alg;
    Segments p = s;
    p.payload = base64url_encode(R"({"sub":"2"})");
    EXPECT_FALSE(jws_verify(join(p), key)) << alg;
    EXPECT_FALSE(jws_verify(join({s.header, s.payload, flip_char(s.signature, 10)}), key)) << alg;
    EXPECT_FALSE(jws_verify(join({s.header, s.payload, ""}), key)) << alg;
    EXPECT_FALSE(jws_verify(join({s.header, s.payload, s.signature.substr(4)}), key)) << alg;
  }
  const std::string hs = jws_sign_hmac(R"({"alg":"HS256"})", R"({"sub":"1"})", "k");
  Segments s = split(hs);
  EXPECT_FALSE(jws_verify_hmac(join({s.header, base64url_encode("{}"), s.signature}), "k"));
  EXPECT_FALSE(jws_verify_hmac(join({s.header, s.payload, flip_char(s.signature, 5)}), "k"));
}

TEST(Jws, RejectsMalformedTokens) {
  const AsymmetricKey key = public_key_from(kA2Jwk);
  const Segments s = split(kA2Token);
  EXPECT_FALSE(jws_decode_unverified(""));
  EXPECT_FALSE(jws_decode_unverified(s.header + "." + s.payload));
  EXPECT_FALSE(jws_verify(s.header + "." + s.payload, key));
  EXPECT_FALSE(jws_verify(std::string(kA2Token) + ".", key));
  EXPECT_FALSE(jws_verify(std::string(kA2Token) + ".e30", key));
  EXPECT_FALSE(jws_verify(join({s.header + "=", s.payload, s.signature}), key));
  EXPECT_FALSE(jws_verify(join({s.header, s.payload + "*", s.signature}), key));
  EXPECT_FALSE(jws_verify(join({s.header, s.payload, s.signature + "=="}), key));
  EXPECT_FALSE(jws_decode_unverified(join({base64url_encode("[1]"), s.payload, s.signature})));
  EXPECT_FALSE(jws_decode_unverified(join({base64url_encode("{"), s.payload, s.signature})));
  // A critical extension we do not understand makes the token invalid (RFC 7515 4.1.11).
  const std::string crit = jws_sign_hmac(R"({"alg":"HS256","crit":["exp"],"exp":1})", "x", "k");
  EXPECT_FALSE(jws_verify_hmac(crit, "k"));
}

// Rejections must not leave entries on OpenSSL's per-thread error queue, where TLS code on the
// same thread would take them for its own errors.
TEST(Jws, RejectionsLeaveNoOpenSslErrorsBehind) {
  ERR_clear_error();
  Segments s = split(kA2Token);
  EXPECT_FALSE(
      jws_verify(join({s.header, s.payload, flip_char(s.signature, 3)}), key_from(kA2Jwk)));
  EXPECT_FALSE(jws_verify(join({s.header, s.payload, s.signature.substr(8)}), key_from(kA2Jwk)));
  EXPECT_FALSE(AsymmetricKey::from_private_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n"));
  EXPECT_FALSE(public_key_from(kA2Jwk).has_private());
  json::object off_curve = parse_object(kA3Jwk);
  off_curve.erase("d");
  off_curve["y"] = off_curve["x"];
  EXPECT_FALSE(AsymmetricKey::from_jwk(off_curve));
  const Sealer sealer(std::string(32, 'k'));
  EXPECT_FALSE(sealer.open(sealer.seal("x", "a"), "b"));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(Jws, DecodeUnverified) {
  const auto parts = jws_decode_unverified(kA2Token);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->header.at("alg"), "RS256");
  EXPECT_EQ(parts->payload, kRfcPayload);
}

// ---- key ring ------------------------------------------------------------------------------

TEST(KeyRing, EmptyRing) {
  const KeyRing ring;
  for (const JwsAlg alg : {JwsAlg::kRS256, JwsAlg::kES256}) {
    EXPECT_FALSE(ring.has_signer(alg));
    EXPECT_EQ(ring.signer_kid(alg), "");
    EXPECT_THROW(ring.sign("{}", alg), std::logic_error);
  }
  EXPECT_FALSE(ring.verify(kA2Token));
  EXPECT_EQ(ring.jwks_json(), R"({"keys":[]})");
}

TEST(KeyRing, SignsWithKidHeaderAndVerifies) {
  KeyRing ring;
  ring.add(key_from(kA2Jwk), true);
  const std::string kid = public_key_from(kA2Jwk).thumbprint();
  EXPECT_TRUE(ring.has_signer(JwsAlg::kRS256));
  EXPECT_FALSE(ring.has_signer(JwsAlg::kES256));
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), kid);

  const std::string token = ring.sign(R"({"sub":"u1"})", JwsAlg::kRS256);
  EXPECT_EQ(*base64url_decode(split(token).header),
            R"({"alg":"RS256","kid":")" + kid + R"(","typ":"JWT"})");
  const auto parts = ring.verify(token);
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->payload, R"({"sub":"u1"})");
  // Any standard verifier holding only the public key accepts it too.
  EXPECT_TRUE(jws_verify(token, public_key_from(kA2Jwk)));
}

TEST(KeyRing, RotationKeepsOldKeysVerifying) {
  KeyRing ring;
  ring.add(key_from(kA2Jwk), true);
  const std::string old_token = ring.sign("{}", JwsAlg::kRS256);
  ring.add(*AsymmetricKey::from_private_pem(rsa_key().private_pem()), true);
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), rsa_key().thumbprint());
  const std::string new_token = ring.sign("{}", JwsAlg::kRS256);
  EXPECT_EQ(jws_decode_unverified(new_token)->header.at("kid").as_string(), rsa_key().thumbprint());
  EXPECT_TRUE(ring.verify(old_token));
  EXPECT_TRUE(ring.verify(new_token));
  // Adding the same key again does not duplicate it.
  ring.add(public_key_from(kA2Jwk), false);
  EXPECT_EQ(parse_object(ring.jwks_json()).at("keys").as_array().size(), 2u);
  EXPECT_THROW(ring.add(public_key_from(kA2Jwk), true), std::invalid_argument);
}

TEST(KeyRing, RepublishingTheSignersPublicKeyKeepsItSigning) {
  KeyRing ring;
  ring.add(key_from(kA2Jwk), true);
  ring.add(public_key_from(kA2Jwk), false);
  EXPECT_TRUE(ring.verify(ring.sign("{}", JwsAlg::kRS256)));
  EXPECT_EQ(parse_object(ring.jwks_json()).at("keys").as_array().size(), 1u);
}

TEST(KeyRing, RejectsUnknownOrMissingKid) {
  KeyRing ring;
  ring.add(key_from(kA2Jwk), true);
  const AsymmetricKey stranger = AsymmetricKey::generate_ec_p256();
  EXPECT_FALSE(ring.verify(jws_sign(R"({"alg":"ES256","kid":"unknown"})", "{}", stranger)));
  // A known kid on a token the key did not sign.
  const std::string kid = ring.signer_kid(JwsAlg::kRS256);
  EXPECT_FALSE(ring.verify(jws_sign(R"({"alg":"RS256","kid":")" + kid + R"("})", "{}", rsa_key())));
  EXPECT_FALSE(ring.verify(jws_sign(R"({"alg":"RS256"})", "{}", key_from(kA2Jwk))));
  EXPECT_FALSE(ring.verify("garbage"));
}

TEST(KeyRing, JwksShape) {
  KeyRing ring;
  ring.add(key_from(kA2Jwk), true);
  ring.add(public_key_from(kA3Jwk), false);
  const std::string rsa_kid = public_key_from(kA2Jwk).thumbprint();
  const std::string ec_kid = public_key_from(kA3Jwk).thumbprint();
  const json::object rsa_pub = public_key_from(kA2Jwk).public_jwk();
  EXPECT_EQ(ring.jwks_json(), R"({"keys":[{"kty":"RSA","n":")" +
                                  std::string(rsa_pub.at("n").as_string()) +
                                  R"(","e":"AQAB","kid":")" + rsa_kid +
                                  R"(","alg":"RS256","use":"sig"},{"kty":"EC","crv":"P-256",)"
                                  R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
                                  R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","kid":")" +
                                  ec_kid + R"(","alg":"ES256","use":"sig"}]})");
  EXPECT_EQ(ring.jwks_json().find("\"d\""), std::string::npos) << "no private members";
  // Every published key loads back as the same public key.
  const json::object jwks = parse_object(ring.jwks_json());
  for (const auto& entry : jwks.at("keys").as_array()) {
    const auto key = AsymmetricKey::from_jwk(entry.as_object());
    ASSERT_TRUE(key);
    EXPECT_EQ(key->thumbprint(), entry.at("kid").as_string());
  }
}

TEST(KeyRing, ReadersRunDuringRotation) {
  KeyRing ring;
  ring.add(key_from(kA3Jwk), true);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    while (!done) {
      const std::string token = ring.sign("{}", JwsAlg::kES256);
      if (!ring.verify(token)) ++failures;
    }
  });
  for (int i = 0; i < 20; ++i) ring.add(AsymmetricKey::generate_ec_p256(), true);
  done = true;
  reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(parse_object(ring.jwks_json()).at("keys").as_array().size(), 21u);
}

// ---- state tokens --------------------------------------------------------------------------

constexpr UnixSeconds kNow = 1700000000;

StateTokenClaims sample_claims() {
  return {"flow-123", "client-a", "social_register", kNow, kNow + 1800};
}

TEST(StateToken, RoundTrip) {
  const StateTokenCodec codec(std::string(32, 's'));
  const std::string token = codec.issue(sample_claims());
  EXPECT_EQ(split(token).header, base64url_encode(R"({"alg":"HS256","typ":"JWT"})"));
  EXPECT_EQ(*base64url_decode(split(token).payload),
            R"({"jti":"flow-123","aud":"client-a","flow":"social_register",)"
            R"("iat":1700000000,"exp":1700001800})");
  const auto claims = codec.verify(token, "client-a", kNow + 1799);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->flow_id, "flow-123");
  EXPECT_EQ(claims->client_id, "client-a");
  EXPECT_EQ(claims->flow, "social_register");
  EXPECT_EQ(claims->issued_at, kNow);
  EXPECT_EQ(claims->expires_at, kNow + 1800);
}

TEST(StateToken, RejectsExpiredOtherClientAndForged) {
  const StateTokenCodec codec(std::string(32, 's'));
  const std::string token = codec.issue(sample_claims());
  EXPECT_FALSE(codec.verify(token, "client-a", kNow + 1800)) << "expired at exp";
  EXPECT_FALSE(codec.verify(token, "client-a", kNow + 99999));
  EXPECT_FALSE(codec.verify(token, "client-b", kNow));
  EXPECT_FALSE(codec.verify(token, "", kNow));
  EXPECT_FALSE(StateTokenCodec(std::string(32, 't')).verify(token, "client-a", kNow));
  // Re-signed payloads: only our key makes them valid.
  const std::string forged = jws_sign_hmac(R"({"alg":"HS256","typ":"JWT"})",
                                           *base64url_decode(split(token).payload), "other");
  EXPECT_FALSE(codec.verify(forged, "client-a", kNow));
  Segments s = split(token);
  s.payload = base64url_encode(
      R"({"jti":"flow-123","aud":"client-b","flow":"social_register","iat":1,"exp":1800000000})");
  EXPECT_FALSE(codec.verify(join(s), "client-b", kNow));
  EXPECT_FALSE(codec.verify("", "client-a", kNow));
  EXPECT_FALSE(codec.verify("a.b.c", "client-a", kNow));
}

TEST(StateToken, RejectsWrongClaimTypes) {
  const std::string key(32, 's');
  const StateTokenCodec codec(key);
  auto sign = [&](std::string_view payload) {
    return jws_sign_hmac(R"({"alg":"HS256","typ":"JWT"})", payload, key);
  };
  EXPECT_TRUE(codec.verify(sign(R"({"jti":"f","aud":"c","flow":"mfa","iat":1,"exp":1800000000})"),
                           "c", kNow));
  EXPECT_FALSE(codec.verify(
      sign(R"({"jti":"f","aud":"c","flow":"mfa","iat":1,"exp":"1800000000"})"), "c", kNow));
  EXPECT_FALSE(
      codec.verify(sign(R"({"jti":"f","aud":"c","flow":"mfa","iat":1,"exp":1.8e9})"), "c", kNow));
  EXPECT_FALSE(codec.verify(
      sign(R"({"jti":"f","aud":["c"],"flow":"mfa","iat":1,"exp":1800000000})"), "c", kNow));
  EXPECT_FALSE(codec.verify(sign(R"({"jti":"","aud":"c","flow":"mfa","iat":1,"exp":1800000000})"),
                            "c", kNow));
  EXPECT_FALSE(
      codec.verify(sign(R"({"aud":"c","flow":"mfa","iat":1,"exp":1800000000})"), "c", kNow));
  EXPECT_FALSE(codec.verify(sign(R"(["not an object"])"), "c", kNow));
  EXPECT_THROW(StateTokenCodec(""), std::invalid_argument);
}

// ---- id_token ------------------------------------------------------------------------------

// The "api" claim of the sample id_token in the customer's Weibo login document, byte for byte.
constexpr std::string_view kSeedApi =
    R"({"name":"","mobile":"+86-15907132852","id":"20220425140138519-BF1B-528B0551B",)"
    R"("userName":"louxi","email":"11@qq.com"})";

User seed_user() {
  User user;
  user.id = "20220425140138519-BF1B-528B0551B";
  user.username = "louxi";
  user.mobile = "+8615907132852";
  user.email = "11@qq.com";
  return user;
}

TEST(IdToken, ExactClaims) {
  const User user = seed_user();
  const std::string payload = id_token_payload(
      {"https://id.example.com", "client-a", user, 1653466412, 300, "yLRTfWcUdbOOyAilwYSFjg"});
  json::object expected;
  expected["iss"] = "https://id.example.com";
  expected["aud"] = "client-a";
  expected["sub"] = "20220425140138519-BF1B-528B0551B";
  expected["iat"] = 1653466412;
  expected["nbf"] = 1653466292;
  expected["exp"] = 1653466712;
  expected["jti"] = "yLRTfWcUdbOOyAilwYSFjg";
  expected["api"] = kSeedApi;
  EXPECT_EQ(payload, json::serialize(expected));

  const json::object claims = parse_object(payload);
  EXPECT_EQ(claims.size(), 8u);
  ASSERT_TRUE(claims.at("api").is_string()) << "api is a JSON string, not an object";
  EXPECT_EQ(claims.at("api").as_string(), kSeedApi);
}

TEST(IdToken, MissingValuesAreEmptyStrings) {
  User user;
  user.id = "u-1";
  user.name = "张三";
  const std::string payload = id_token_payload({"iss", "aud", user, 100, 60, "j"});
  const json::object claims = parse_object(payload);
  EXPECT_EQ(claims.at("nbf"), -20);
  EXPECT_EQ(claims.at("exp"), 160);
  EXPECT_EQ(claims.at("api").as_string(),
            R"({"name":"张三","mobile":"","id":"u-1","userName":"","email":""})");
}

// A name stored with bytes that are not UTF-8 still gives claims a strict JSON reader accepts.
TEST(IdToken, StoredStringsThatAreNotUtf8AreRepaired) {
  User user;
  user.id = "u-1";
  user.name = "Bob\xff";
  const std::string payload = id_token_payload({"iss", "aud", user, 100, 60, "j"});
  const json::object claims = parse_object(payload);
  EXPECT_EQ(claims.at("api").as_string(),
            "{\"name\":\"Bob\xEF\xBF\xBD\",\"mobile\":\"\",\"id\":\"u-1\",\"userName\":\"\","
            "\"email\":\"\"}");
}

TEST(IdToken, SignedByTheRingAndVerifiable) {
  KeyRing ring;
  ring.add(key_from(kA2Jwk), true);
  const User user = seed_user();
  const std::string payload = id_token_payload({"iss", "client-a", user, kNow, 300, "jti-1"});
  const auto parts = ring.verify(ring.sign(payload, JwsAlg::kRS256));
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->payload, payload);
}

}  // namespace
}  // namespace ciamd
