// Unit tests for tokens/key_ring with one signer per algorithm: replace() (validation, swapping a
// whole set at once), signing and verifying across RS256 and ES256, and the JWKS ETag.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tokens/base64.hpp"
#include "tokens/crypto.hpp"
#include "tokens/jws.hpp"
#include "tokens/key_ring.hpp"
#include "unit/tokens_test_support.hpp"

namespace ciamd {
namespace {

using namespace tokens_test;  // NOLINT(google-build-using-namespace): test vectors and helpers

AsymmetricKey rsa_copy() {
  return *AsymmetricKey::from_private_pem(rsa_key().private_pem());
}

std::vector<RingKey> keys_of(std::vector<std::pair<std::string_view, bool>> jwks) {
  std::vector<RingKey> out;
  for (const auto& [jwk, signing] : jwks) out.push_back({key_from(jwk), signing});
  return out;
}

std::vector<std::string> jwks_kids(const KeyRing& ring) {
  std::vector<std::string> kids;
  const json::object jwks = parse_object(ring.jwks_json());
  for (const auto& k : jwks.at("keys").as_array()) {
    kids.emplace_back(k.at("kid").as_string());
  }
  return kids;
}

const std::string& rsa_kid() {
  static const std::string kid = public_key_from(kA2Jwk).thumbprint();
  return kid;
}
const std::string& ec_kid() {
  static const std::string kid = public_key_from(kA3Jwk).thumbprint();
  return kid;
}

TEST(KeyRingAlgs, OneSignerPerAlgorithm) {
  KeyRing ring;
  ring.replace(keys_of({{kA2Jwk, true}, {kA3Jwk, true}}));
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), rsa_kid());
  EXPECT_EQ(ring.signer_kid(JwsAlg::kES256), ec_kid());
  EXPECT_FALSE(ring.has_signer(JwsAlg::kHS256));

  const std::string rs = ring.sign(R"({"sub":"u1"})", JwsAlg::kRS256);
  const std::string es = ring.sign(R"({"sub":"u1"})", JwsAlg::kES256);
  EXPECT_EQ(*base64url_decode(split(rs).header),
            R"({"alg":"RS256","kid":")" + rsa_kid() + R"(","typ":"JWT"})");
  EXPECT_EQ(*base64url_decode(split(es).header),
            R"({"alg":"ES256","kid":")" + ec_kid() + R"(","typ":"JWT"})");
  EXPECT_EQ(ring.verify(rs)->payload, R"({"sub":"u1"})");
  EXPECT_EQ(ring.verify(es)->payload, R"({"sub":"u1"})");
  // What a relying party holding only the JWKS does.
  EXPECT_TRUE(jws_verify(rs, public_key_from(kA2Jwk)));
  EXPECT_TRUE(jws_verify(es, public_key_from(kA3Jwk)));
  EXPECT_FALSE(jws_verify(es, public_key_from(kA2Jwk)));
}

TEST(KeyRingAlgs, Es256SignatureIsRawRAndS) {
  KeyRing ring;
  ring.add(key_from(kA3Jwk), true);
  const std::string token = ring.sign("{}", JwsAlg::kES256);
  // RFC 7518 section 3.4: R||S, 32 bytes each, not DER.
  EXPECT_EQ(base64url_decode(split(token).signature)->size(), 64u);
  EXPECT_TRUE(ring.verify(token));
  EXPECT_FALSE(ring.verify(flip_char(token, token.size() - 5)));
  EXPECT_THROW(ring.sign("{}", JwsAlg::kRS256), std::logic_error);
}

TEST(KeyRingAlgs, AddMakesTheSignerOfItsOwnAlgorithmOnly) {
  KeyRing ring;
  ring.add(key_from(kA2Jwk), true);
  ring.add(key_from(kA3Jwk), true);
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), rsa_kid());
  ring.add(rsa_copy(), true);
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), rsa_key().thumbprint());
  EXPECT_EQ(ring.signer_kid(JwsAlg::kES256), ec_kid());
  ring.add(key_from(kA2Jwk), false);  // published again, not signing
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), rsa_key().thumbprint());
}

TEST(KeyRingAlgs, VerifiesByKidAcrossAlgorithms) {
  KeyRing ring;
  ring.replace(keys_of({{kA2Jwk, true}, {kA3Jwk, false}}));
  // An ES256 signature under the RSA key's kid, and an RS256 one under the EC key's kid: the kid
  // picks the key and the key fixes the algorithm.
  const AsymmetricKey ec = key_from(kA3Jwk);
  const AsymmetricKey rsa = key_from(kA2Jwk);
  EXPECT_FALSE(ring.verify(jws_sign(R"({"alg":"ES256","kid":")" + rsa_kid() + R"("})", "{}", ec)));
  EXPECT_FALSE(ring.verify(jws_sign(R"({"alg":"RS256","kid":")" + ec_kid() + R"("})", "{}", rsa)));
  EXPECT_TRUE(ring.verify(jws_sign(R"({"alg":"ES256","kid":")" + ec_kid() + R"("})", "{}", ec)));
  EXPECT_TRUE(ring.verify(jws_sign(R"({"alg":"RS256","kid":")" + rsa_kid() + R"("})", "{}", rsa)));
  // A published key that does not sign still verifies what it signed before.
  EXPECT_FALSE(ring.has_signer(JwsAlg::kES256));
}

TEST(KeyRingAlgs, ReplaceSwapsTheWholeSetInTheGivenOrder) {
  KeyRing ring;
  ring.replace(keys_of({{kA2Jwk, true}, {kA3Jwk, true}}));
  const std::string old_es = ring.sign("{}", JwsAlg::kES256);
  std::vector<RingKey> next;
  next.push_back({key_from(kA3Jwk), false});
  next.push_back({rsa_copy(), true});
  next.push_back({public_key_from(kA2Jwk), false});
  ring.replace(std::move(next));
  EXPECT_EQ(jwks_kids(ring),
            (std::vector<std::string>{ec_kid(), rsa_key().thumbprint(), rsa_kid()}));
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), rsa_key().thumbprint());
  EXPECT_FALSE(ring.has_signer(JwsAlg::kES256));
  EXPECT_TRUE(ring.verify(old_es));

  // A key that is no longer in the set is gone: replace() is not a merge.
  ring.replace(keys_of({{kA2Jwk, true}}));
  EXPECT_EQ(jwks_kids(ring), std::vector<std::string>{rsa_kid()});
  EXPECT_FALSE(ring.verify(old_es));
  ring.replace({});
  EXPECT_EQ(ring.jwks_json(), R"({"keys":[]})");
  EXPECT_FALSE(ring.has_signer(JwsAlg::kRS256));
}

TEST(KeyRingAlgs, ReplaceRejectsABadSetAndKeepsTheOldOne) {
  KeyRing ring;
  ring.replace(keys_of({{kA2Jwk, true}, {kA3Jwk, true}}));
  const std::string jwks = ring.jwks_json();
  const std::string etag = ring.jwks_etag();

  std::vector<RingKey> two_rsa_signers;
  two_rsa_signers.push_back({key_from(kA2Jwk), true});
  two_rsa_signers.push_back({rsa_copy(), true});
  EXPECT_THROW(ring.replace(std::move(two_rsa_signers)), std::invalid_argument);

  std::vector<RingKey> public_signer;
  public_signer.push_back({public_key_from(kA3Jwk), true});
  EXPECT_THROW(ring.replace(std::move(public_signer)), std::invalid_argument);

  EXPECT_EQ(ring.jwks_json(), jwks);
  EXPECT_EQ(ring.jwks_etag(), etag);
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), rsa_kid());
  EXPECT_EQ(ring.signer_kid(JwsAlg::kES256), ec_kid());

  // One key listed twice is one key (and one signer), keeping its first place.
  std::vector<RingKey> twice;
  twice.push_back({public_key_from(kA2Jwk), false});
  twice.push_back({key_from(kA3Jwk), true});
  twice.push_back({key_from(kA2Jwk), true});
  ring.replace(std::move(twice));
  EXPECT_EQ(jwks_kids(ring), (std::vector<std::string>{rsa_kid(), ec_kid()}));
  EXPECT_TRUE(ring.verify(ring.sign("{}", JwsAlg::kRS256)));
}

TEST(KeyRingAlgs, EtagIsTheHashOfTheJwksAndChangesOnlyWithIt) {
  KeyRing ring;
  const auto expected = [&] {
    return "\"" + base64url_encode(crypto::sha256(ring.jwks_json())) + "\"";
  };
  EXPECT_EQ(ring.jwks_etag(), expected());
  const std::string empty = ring.jwks_etag();

  ring.replace(keys_of({{kA2Jwk, true}, {kA3Jwk, false}}));
  EXPECT_EQ(ring.jwks_etag(), expected());
  const std::string two = ring.jwks_etag();
  EXPECT_NE(two, empty);
  EXPECT_EQ(two.front(), '"');
  EXPECT_EQ(two.back(), '"');

  // Which key signs is not part of the JWKS, so a reload that only moves the signer keeps the
  // ETag and clients keep their cache.
  ring.replace(keys_of({{kA2Jwk, false}, {kA3Jwk, true}}));
  EXPECT_EQ(ring.jwks_etag(), two);
  ring.replace(keys_of({{kA2Jwk, true}, {kA3Jwk, false}}));
  EXPECT_EQ(ring.jwks_etag(), two);

  // The order is part of the document.
  ring.replace(keys_of({{kA3Jwk, false}, {kA2Jwk, true}}));
  EXPECT_NE(ring.jwks_etag(), two);
  EXPECT_EQ(ring.jwks_etag(), expected());

  ring.add(rsa_copy(), true);
  EXPECT_EQ(ring.jwks_etag(), expected());
  EXPECT_NE(ring.jwks_etag(), two);
}

TEST(KeyRingAlgs, ReadersNeverSeeAHalfReplacedSet) {
  KeyRing ring;
  ring.replace(keys_of({{kA2Jwk, true}, {kA3Jwk, true}}));
  const AsymmetricKey rsa_public = public_key_from(kA2Jwk);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    while (!done) {
      try {
        // Every set swapped in has both signers; an empty or partial set in between would throw.
        const std::string rs = ring.sign("{}", JwsAlg::kRS256);
        const std::string es = ring.sign("{}", JwsAlg::kES256);
        if (!jws_verify(rs, rsa_public) && !jws_verify(rs, rsa_key())) ++failures;
        if (!jws_verify(es, public_key_from(kA3Jwk))) ++failures;
      } catch (const std::exception&) {
        ++failures;
      }
    }
  });
  for (int i = 0; i < 50; ++i) {
    std::vector<RingKey> next;
    next.push_back({key_from(kA3Jwk), true});
    next.push_back({i % 2 == 0 ? rsa_copy() : key_from(kA2Jwk), true});
    ring.replace(std::move(next));
  }
  done = true;
  reader.join();
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace ciamd
