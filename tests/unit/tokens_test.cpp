// Unit tests for src/tokens primitives: base64 (RFC 4648 section 10 vectors), crypto (FIPS 180-2
// and RFC 4231 vectors), the sealer and asymmetric keys (RFC 7638 section 3.1 thumbprint).
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <stdexcept>

#include "tokens/base64.hpp"
#include "tokens/crypto.hpp"
#include "tokens/jws.hpp"
#include "tokens/keys.hpp"
#include "tokens/sealer.hpp"
#include "unit/tokens_test_support.hpp"

namespace ciamd {
namespace {

using namespace tokens_test;  // NOLINT(google-build-using-namespace): test vectors and helpers

// ---- base64 --------------------------------------------------------------------------------

TEST(Base64, Rfc4648Vectors) {
  const std::array<std::pair<std::string_view, std::string_view>, 7> vectors{{
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  }};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), std::string(plain));
    std::string unpadded(encoded.substr(0, encoded.find('=')));
    EXPECT_EQ(base64_decode(unpadded), std::string(plain)) << "padding is optional";
    EXPECT_EQ(base64url_encode(plain), unpadded);
    EXPECT_EQ(base64url_decode(unpadded), std::string(plain));
  }
}

TEST(Base64, UrlAlphabetAndAllBytesRoundTrip) {
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= all.size(); len += 37) {
    const std::string bytes = all.substr(0, len);
    EXPECT_EQ(base64url_decode(base64url_encode(bytes)), bytes);
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes);
  }
}

TEST(Base64, UrlRejectsPaddingInvalidCharsAndImpossibleLengths) {
  EXPECT_FALSE(base64url_decode("Zg=="));
  EXPECT_FALSE(base64url_decode("Zm8="));
  EXPECT_FALSE(base64url_decode("Zm+v"));
  EXPECT_FALSE(base64url_decode("Zm/v"));
  EXPECT_FALSE(base64url_decode("Zm9 v"));
  EXPECT_FALSE(base64url_decode("Z"));      // 1 mod 4 cannot come from any input
  EXPECT_FALSE(base64url_decode("Zm9vY"));  // idem
  EXPECT_FALSE(base64url_decode("Zh"));     // unused bits set: not the canonical encoding
  EXPECT_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
}

TEST(Base64, StandardRejectsMalformedPadding) {
  EXPECT_FALSE(base64_decode("Zg="));
  EXPECT_FALSE(base64_decode("Zg==="));
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("Zm9v=Zm9"));
  EXPECT_FALSE(base64_decode("Zm-_"));
}

// ---- crypto --------------------------------------------------------------------------------

TEST(Crypto, Sha256AndHmacVectors) {
  EXPECT_EQ(crypto::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(crypto::sha256("abc").size(), 32u);
  // RFC 4231 test case 2.
  EXPECT_EQ(crypto::hex_encode(crypto::hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, RandomAlnumIsAlnumAndRoughlyUniform) {
  EXPECT_EQ(crypto::random_alnum(0), "");
  const std::string token = crypto::random_alnum(32);
  EXPECT_EQ(token.size(), 32u);
  EXPECT_NE(token, crypto::random_alnum(32));

  // 62 000 draws: each symbol expects 1000 (sd about 31); 800..1200 is over six sd wide.
  const std::string many = crypto::random_alnum(62000);
  std::map<char, int> counts;
  for (const char c : many) {
    ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
    ++counts[c];
  }
  EXPECT_EQ(counts.size(), 62u);
  for (const auto& [c, n] : counts) {
    EXPECT_GT(n, 800) << c;
    EXPECT_LT(n, 1200) << c;
  }
}

TEST(Crypto, RandomHexAndBytes) {
  const std::string hex = crypto::random_hex(16);
  EXPECT_EQ(hex.size(), 32u);
  EXPECT_EQ(hex.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(crypto::random_bytes(48).size(), 48u);
  EXPECT_NE(crypto::random_bytes(16), crypto::random_bytes(16));
}

TEST(Crypto, ConstantTimeEqual) {
  EXPECT_TRUE(crypto::constant_time_equal("", ""));
  EXPECT_TRUE(crypto::constant_time_equal("abc", "abc"));
  EXPECT_FALSE(crypto::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(crypto::constant_time_equal("abc", "abcd"));
}

// ---- sealer --------------------------------------------------------------------------------

TEST(Sealer, RoundTripWithFormat) {
  const Sealer sealer(std::string(32, 'k'));
  const std::string sealed = sealer.seal("wechat app secret", "client-1");
  EXPECT_TRUE(sealed.starts_with("v1."));
  // nonce 12 + plaintext 17 + tag 16
  EXPECT_EQ(base64url_decode(sealed.substr(3))->size(), 12u + 17u + 16u);
  EXPECT_EQ(sealer.open(sealed, "client-1"), "wechat app secret");
  EXPECT_NE(sealer.seal("wechat app secret", "client-1"), sealed) << "fresh nonce each time";
  EXPECT_EQ(sealer.open(sealer.seal("", ""), ""), "");
}

TEST(Sealer, RejectsTamperingWrongAadAndWrongKey) {
  const Sealer sealer(crypto::random_bytes(32));
  const std::string sealed = sealer.seal("secret", "kid-1");
  for (std::size_t i = 3; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] = bad[i] == 'A' ? 'Q' : 'A';  // changes high bits, so always a different byte string
    EXPECT_FALSE(sealer.open(bad, "kid-1")) << "position " << i;
  }
  EXPECT_FALSE(sealer.open(sealed, "kid-2"));
  EXPECT_FALSE(sealer.open(sealed, ""));
  EXPECT_FALSE(Sealer(crypto::random_bytes(32)).open(sealed, "kid-1"));
  EXPECT_FALSE(sealer.open("v2." + sealed.substr(3), "kid-1"));
  EXPECT_FALSE(sealer.open(sealed.substr(0, 20), "kid-1"));
  EXPECT_FALSE(sealer.open("v1.", "kid-1"));
  EXPECT_FALSE(sealer.open("v1.!!!", "kid-1"));
}

TEST(Sealer, KeyMustBe32BytesAndDerivesSubKeys) {
  EXPECT_THROW(Sealer(std::string(31, 'k')), std::invalid_argument);
  EXPECT_THROW(Sealer(std::string(33, 'k')), std::invalid_argument);
  const std::string master(32, 'm');
  const Sealer sealer(master);
  const std::string sub = sealer.derive_key("state-token");
  EXPECT_EQ(sub, crypto::hmac_sha256(master, "ciamd:state-token"));
  EXPECT_EQ(sub.size(), 32u);
  EXPECT_EQ(sub, Sealer(master).derive_key("state-token"));
  EXPECT_NE(sub, sealer.derive_key("session-token"));
}

// ---- keys ----------------------------------------------------------------------------------

TEST(Keys, Rfc7638Thumbprint) {
  json::object jwk{
      {"kty", "RSA"}, {"n", kRfc7638N}, {"e", "AQAB"}, {"alg", "RS256"}, {"kid", "2011-04-29"}};
  const auto key = AsymmetricKey::from_jwk(jwk);
  ASSERT_TRUE(key);
  EXPECT_FALSE(key->has_private());
  EXPECT_EQ(key->alg(), JwsAlg::kRS256);
  EXPECT_EQ(key->thumbprint(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  EXPECT_EQ(json::serialize(key->public_jwk()),
            R"({"e":"AQAB","kty":"RSA","n":")" + std::string(kRfc7638N) + R"("})");
}

TEST(Keys, EcPublicJwkHasFixedWidthCoordinatesInOrder) {
  const AsymmetricKey rfc = key_from(kA3Jwk);
  EXPECT_EQ(json::serialize(rfc.public_jwk()),
            R"({"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
            R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
  for (int i = 0; i < 64; ++i) {  // a leading zero byte turns up about once in 128 keys
    const json::object jwk = AsymmetricKey::generate_ec_p256().public_jwk();
    EXPECT_EQ(base64url_decode(jwk.at("x").as_string())->size(), 32u);
    EXPECT_EQ(base64url_decode(jwk.at("y").as_string())->size(), 32u);
  }
}

TEST(Keys, GenerateRefusesWeakRsa) {
  EXPECT_THROW(AsymmetricKey::generate_rsa(1024), std::invalid_argument);
  const AsymmetricKey ec = AsymmetricKey::generate_ec_p256();
  EXPECT_TRUE(ec.has_private());
  EXPECT_EQ(ec.alg(), JwsAlg::kES256);
  EXPECT_TRUE(rsa_key().has_private());
  EXPECT_EQ(rsa_key().alg(), JwsAlg::kRS256);
  EXPECT_EQ(to_string(JwsAlg::kHS256), "HS256");
  EXPECT_EQ(parse_jws_alg("ES256"), JwsAlg::kES256);
  EXPECT_FALSE(parse_jws_alg("none"));
}

TEST(Keys, PemRoundTrip) {
  const AsymmetricKey ec = AsymmetricKey::generate_ec_p256();
  for (const AsymmetricKey* key : {&rsa_key(), &ec}) {
    const std::string pem = key->private_pem();
    EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----")) << "PKCS#8";
    const auto back = AsymmetricKey::from_private_pem(pem);
    ASSERT_TRUE(back);
    EXPECT_TRUE(back->has_private());
    EXPECT_EQ(back->alg(), key->alg());
    EXPECT_EQ(back->thumbprint(), key->thumbprint());
    // What one signs, the other verifies.
    const std::string header = R"({"alg":")" + std::string(to_string(key->alg())) + R"("})";
    EXPECT_TRUE(jws_verify(jws_sign(header, "x", *back), *key));
  }
  EXPECT_FALSE(AsymmetricKey::from_private_pem("not a pem"));
  EXPECT_FALSE(AsymmetricKey::from_private_pem(""));
  EXPECT_THROW(public_key_from(kA2Jwk).private_pem(), std::logic_error);
}

TEST(Keys, FromJwkRejectsBadKeys) {
  json::object ec = parse_object(kA3Jwk);
  json::object bad = ec;
  bad["crv"] = "P-384";
  EXPECT_FALSE(AsymmetricKey::from_jwk(bad));
  bad = ec;
  bad["x"] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVE";  // 31 bytes
  EXPECT_FALSE(AsymmetricKey::from_jwk(bad));
  bad = ec;
  bad.erase("d");
  bad["y"] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a1";  // not on the curve
  EXPECT_FALSE(AsymmetricKey::from_jwk(bad));
  bad = ec;
  bad["d"] = base64url_encode(crypto::random_bytes(32));  // private half of another key
  EXPECT_FALSE(AsymmetricKey::from_jwk(bad));

  json::object rsa = parse_object(kA2Jwk);
  bad = rsa;
  bad.erase("qi");  // a partial CRT set
  EXPECT_FALSE(AsymmetricKey::from_jwk(bad));
  bad = rsa;
  bad["e"] = 65537;  // not a string
  EXPECT_FALSE(AsymmetricKey::from_jwk(bad));
  bad = rsa;
  bad["kty"] = "oct";
  EXPECT_FALSE(AsymmetricKey::from_jwk(bad));
  EXPECT_FALSE(AsymmetricKey::from_jwk(json::object{}));
}

TEST(Keys, RsaJwkWithPrivateExponentOnlySigns) {
  json::object jwk = parse_object(kA2Jwk);
  for (const char* name : {"p", "q", "dp", "dq", "qi"}) jwk.erase(name);
  const auto key = AsymmetricKey::from_jwk(jwk);
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->has_private());
  // PKCS#1 v1.5 is deterministic: without CRT parameters the signature is the same.
  EXPECT_EQ(jws_sign(R"({"alg":"RS256"})", kRfcPayload, *key), kA2Token);
}

}  // namespace
}  // namespace ciamd
