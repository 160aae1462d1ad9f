// flows/keys/signing_keys: which stored key signs and which are published at a given time (pure),
// the publish_until arithmetic, first-start creation of an RS256 and an ES256 key, rotation and
// reload against a real in-memory SQLite store, and signing with each application's algorithm.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "flows/keys/signing_keys.hpp"
#include "flows/session/session_issuer.hpp"
#include "flows_test_support.hpp"
#include "tokens/jws.hpp"

namespace ciamd {
namespace {

using testing::kStart;

// A record as the store returns it; key_statuses never looks at the key material.
SigningKeyRecord record(std::string kid, std::string alg, std::string state, UnixSeconds created_at,
                        UnixSeconds activates_at, UnixSeconds retired_at = 0,
                        UnixSeconds publish_until = 0) {
  SigningKeyRecord r;
  r.kid = std::move(kid);
  r.algorithm = std::move(alg);
  r.state = std::move(state);
  r.created_at = created_at;
  r.activates_at = activates_at;
  r.retired_at = retired_at;
  r.publish_until = publish_until;
  return r;
}

// "kid:state" for every record, published ones marked with '+', in record order.
std::vector<std::string> describe(const std::vector<SigningKeyRecord>& records, UnixSeconds now) {
  const std::vector<KeyStatus> statuses = key_statuses(records, now);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < records.size(); ++i) {
    out.push_back(records[i].kid + ":" + std::string(to_string(statuses[i].state)) +
                  (statuses[i].published ? "+" : ""));
  }
  return out;
}

using Lines = std::vector<std::string>;

// ---- key_statuses (pure) -----------------------------------------------------------------------

TEST(KeyStatuses, AKeyFromBeforeRotationSigns) {
  // activates_at 0: made before rotation existed.
  const std::vector<SigningKeyRecord> records = {record("r1", "RS256", "active", 100, 0)};
  EXPECT_EQ(describe(records, kStart), (Lines{"r1:signing+"}));
}

TEST(KeyStatuses, ARotationHandsOverAtActivationAndUnpublishesLater) {
  // `keys rotate` at kStart with a lead of 600: r1 retires as of r2's activation.
  const UnixSeconds t = kStart + 600;
  const UnixSeconds until = publish_until_for(t, 300, 30);
  const std::vector<SigningKeyRecord> records = {
      record("r1", "RS256", "retired", 100, 0, t, until),
      record("r2", "RS256", "active", kStart, t),
  };
  // Before: r1 keeps signing though retired, r2 is published in advance.
  EXPECT_EQ(describe(records, kStart), (Lines{"r1:signing+", "r2:pending+"}));
  EXPECT_EQ(describe(records, t - 1), (Lines{"r1:signing+", "r2:pending+"}));
  // From activation: r2 signs, r1 still verifies what it signed.
  EXPECT_EQ(describe(records, t), (Lines{"r1:published+", "r2:signing+"}));
  EXPECT_EQ(describe(records, until - 1), (Lines{"r1:published+", "r2:signing+"}));
  // Past publish_until r1 leaves the JWKS.
  EXPECT_EQ(describe(records, until), (Lines{"r1:expired", "r2:signing+"}));
}

TEST(KeyStatuses, AlgorithmsAreIndependent) {
  const UnixSeconds t = kStart + 600;
  const std::vector<SigningKeyRecord> records = {
      record("r1", "RS256", "retired", 100, 0, t, t + 450),
      record("e1", "ES256", "active", 100, 100),
      record("r2", "RS256", "active", kStart, t),
  };
  EXPECT_EQ(describe(records, kStart), (Lines{"r1:signing+", "e1:signing+", "r2:pending+"}));
  EXPECT_EQ(describe(records, t), (Lines{"r1:published+", "e1:signing+", "r2:signing+"}));
  EXPECT_EQ(describe(records, t + 450), (Lines{"r1:expired", "e1:signing+", "r2:signing+"}));
}

TEST(KeyStatuses, ASecondRotationWhileOneIsPending) {
  // e1 hands over to e2 at t1; before t1, another rotation hands e2 over to e3 at t2.
  const UnixSeconds t1 = kStart + 600;
  const UnixSeconds t2 = kStart + 1200;
  const std::vector<SigningKeyRecord> records = {
      record("e1", "ES256", "retired", 100, 0, t1, t1 + 450),
      record("e2", "ES256", "retired", kStart, t1, t2, t2 + 450),
      record("e3", "ES256", "active", kStart + 10, t2),
  };
  EXPECT_EQ(describe(records, kStart + 10), (Lines{"e1:signing+", "e2:pending+", "e3:pending+"}));
  EXPECT_EQ(describe(records, t1), (Lines{"e1:published+", "e2:signing+", "e3:pending+"}));
  EXPECT_EQ(describe(records, t2), (Lines{"e1:expired", "e2:published+", "e3:signing+"}));
}

TEST(KeyStatuses, AnImmediateRotationOvertakesAPendingOne) {
  // A compromised key: rotated with --activate-in 0 while e2 was still pending. e2 never signs
  // (its window [t1, kStart + 10) is empty); e3 signs at once.
  const UnixSeconds t1 = kStart + 600;
  const UnixSeconds now = kStart + 10;
  const std::vector<SigningKeyRecord> records = {
      record("e1", "ES256", "retired", 100, 0, t1, t1 + 450),
      record("e2", "ES256", "retired", kStart, t1, now, now + 450),
      record("e3", "ES256", "active", now, now),
  };
  EXPECT_EQ(describe(records, now), (Lines{"e1:published+", "e2:published+", "e3:signing+"}));
  EXPECT_EQ(describe(records, t1), (Lines{"e1:published+", "e2:expired", "e3:signing+"}));
}

TEST(KeyStatuses, OfTwoActivatedKeysTheNewestSignsAndTheOtherStaysPublished) {
  // Two nodes upgrading at once may each create a key.
  const std::vector<SigningKeyRecord> records = {
      record("e1", "ES256", "active", kStart, kStart),
      record("e2", "ES256", "active", kStart + 1, kStart),
      record("e0", "ES256", "active", kStart + 5, kStart - 10),
  };
  EXPECT_EQ(describe(records, kStart + 5),
            (Lines{"e1:published+", "e2:signing+", "e0:published+"}));
}

TEST(KeyStatuses, NoSignerWhenOnlyExpiredKeysRemain) {
  const std::vector<SigningKeyRecord> records = {
      record("r1", "RS256", "retired", 100, 0, 200, 500),
      record("x1", "HS256", "active", 100, 0),
  };
  EXPECT_EQ(describe(records, kStart), (Lines{"r1:expired", "x1:expired"}));
}

TEST(KeyStatuses, PublishUntilCoversEveryTokenTheOldKeyCouldSign) {
  // Retired at 1000: a node may sign with it until 1000 + 30 (its next reload); such a token is
  // valid until + 3600 and verifiers allow 120 s of skew past exp.
  EXPECT_EQ(publish_until_for(1000, 3600, 30), 1000 + 3600 + 30 + 120);
  EXPECT_EQ(publish_until_for(kStart, kDefaultIdTokenTtl, 1), kStart + 300 + 1 + 120);
}

// ---- against the store -------------------------------------------------------------------------

class SigningKeysStoreTest : public testing::FlowsTest {
 protected:
  std::vector<SigningKeyRecord> records() { return store_->list_signing_keys(); }

  const SigningKeyRecord& find(const std::vector<SigningKeyRecord>& all, const std::string& kid) {
    for (const SigningKeyRecord& r : all) {
      if (r.kid == kid) return r;
    }
    throw std::runtime_error("no key " + kid);
  }

  // Stores an RS256 key the way the server did before ES256 and rotation existed.
  std::string store_legacy_rsa_key() {
    const AsymmetricKey key = testing::shared_test_key();
    SigningKeyRecord r = record(key.thumbprint(), "RS256", "active", kStart - 1000, 0);
    r.sealed_private_key = sealer_.seal(key.private_pem(), r.kid);
    store_->insert_signing_key(r);
    return r.kid;
  }

  static std::vector<std::string> jwks_kids(const KeyRing& ring) {
    std::vector<std::string> kids;
    const boost::json::value jwks = boost::json::parse(ring.jwks_json());
    for (const auto& k : jwks.at("keys").as_array()) kids.emplace_back(k.at("kid").as_string());
    return kids;
  }
  static std::set<std::string> kid_set(const KeyRing& ring) {
    const std::vector<std::string> kids = jwks_kids(ring);
    return {kids.begin(), kids.end()};
  }
};

TEST_F(SigningKeysStoreTest, LoadCreatesAnRs256AndAnEs256KeyOnce) {
  KeyRing ring;
  load_signing_keys(*store_, sealer_, ring, clock());
  const std::vector<SigningKeyRecord> first = records();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(find(first, ring.signer_kid(JwsAlg::kRS256)).algorithm, "RS256");
  EXPECT_EQ(find(first, ring.signer_kid(JwsAlg::kES256)).algorithm, "ES256");
  EXPECT_EQ(jwks_kids(ring).size(), 2u);

  now_ += 3600;
  KeyRing again;
  load_signing_keys(*store_, sealer_, again, clock());
  EXPECT_EQ(records().size(), 2u) << "a second start creates nothing";
  EXPECT_EQ(again.signer_kid(JwsAlg::kRS256), ring.signer_kid(JwsAlg::kRS256));
  EXPECT_EQ(again.signer_kid(JwsAlg::kES256), ring.signer_kid(JwsAlg::kES256));
  EXPECT_EQ(again.jwks_etag(), ring.jwks_etag());
}

TEST_F(SigningKeysStoreTest, AnUpgradedDatabaseGainsOnlyAnEs256Key) {
  const std::string legacy = store_legacy_rsa_key();
  KeyRing ring;
  load_signing_keys(*store_, sealer_, ring, clock());
  const std::vector<SigningKeyRecord> all = records();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), legacy);
  const SigningKeyRecord& ec = find(all, ring.signer_kid(JwsAlg::kES256));
  EXPECT_EQ(ec.created_at, kStart);
  EXPECT_EQ(ec.activates_at, kStart) << "the only ES256 key signs at once";
  EXPECT_EQ(jwks_kids(ring), (std::vector<std::string>{legacy, ec.kid}));
}

TEST_F(SigningKeysStoreTest, MaxIdTokenTtlIsTheLargestOverApplicationsAndAtLeastTheDefault) {
  EXPECT_EQ(max_id_token_ttl(*store_), kDefaultIdTokenTtl);
  Application short_lived = app_with("short", UnboundPolicy::kRegister);
  short_lived.id_token_ttl = 60;
  add_app(short_lived);
  EXPECT_EQ(max_id_token_ttl(*store_), kDefaultIdTokenTtl);
  Application long_lived = app_with("long", UnboundPolicy::kRegister);
  long_lived.id_token_ttl = 3600;
  add_app(long_lived);
  EXPECT_EQ(max_id_token_ttl(*store_), 3600);
}

TEST_F(SigningKeysStoreTest, RotateRetiresTheOldKeyAsOfTheNewOnesActivation) {
  KeyRing ring;
  load_signing_keys(*store_, sealer_, ring, clock());
  const std::string old_rsa = ring.signer_kid(JwsAlg::kRS256);
  const std::string old_ec = ring.signer_kid(JwsAlg::kES256);

  const SigningKeyRecord next =
      rotate_signing_key(*store_, sealer_, JwsAlg::kES256, kStart, 600, 3600, 30);
  EXPECT_EQ(next.algorithm, "ES256");
  EXPECT_EQ(next.state, "active");
  EXPECT_EQ(next.created_at, kStart);
  EXPECT_EQ(next.activates_at, kStart + 600);
  EXPECT_TRUE(sealer_.open(next.sealed_private_key, next.kid));

  const std::vector<SigningKeyRecord> all = records();
  ASSERT_EQ(all.size(), 3u);
  const SigningKeyRecord& retired = find(all, old_ec);
  EXPECT_EQ(retired.state, "retired");
  EXPECT_EQ(retired.retired_at, kStart + 600);
  EXPECT_EQ(retired.publish_until, kStart + 600 + 3600 + 30 + 120);
  EXPECT_EQ(find(all, old_rsa).state, "active") << "the other algorithm is untouched";
  EXPECT_EQ(find(all, next.kid).activates_at, kStart + 600);

  // Reloaded before the activation: the old key signs, the new one is already published.
  reload_signing_keys(*store_, sealer_, ring, clock());
  EXPECT_EQ(ring.signer_kid(JwsAlg::kES256), old_ec);
  // Keys created in the same second are listed by kid: compare as sets.
  EXPECT_EQ(kid_set(ring), (std::set<std::string>{old_rsa, old_ec, next.kid}));
  const std::string before = ring.sign(R"({"sub":"u"})", JwsAlg::kES256);

  // After it: the new key signs, the old one still verifies.
  now_ = kStart + 600;
  reload_signing_keys(*store_, sealer_, ring, clock());
  EXPECT_EQ(ring.signer_kid(JwsAlg::kES256), next.kid);
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), old_rsa);
  EXPECT_TRUE(ring.verify(before));
  const auto parts = ring.verify(ring.sign(R"({"sub":"u"})", JwsAlg::kES256));
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->header.at("kid").as_string(), next.kid);

  // Once publish_until has passed the old key leaves the JWKS (and the ETag changes).
  const std::string etag = ring.jwks_etag();
  now_ = retired.publish_until - 1;
  reload_signing_keys(*store_, sealer_, ring, clock());
  EXPECT_EQ(ring.jwks_etag(), etag);
  now_ = retired.publish_until;
  reload_signing_keys(*store_, sealer_, ring, clock());
  EXPECT_EQ(kid_set(ring), (std::set<std::string>{old_rsa, next.kid}));
  EXPECT_NE(ring.jwks_etag(), etag);
  EXPECT_FALSE(ring.verify(before));
}

TEST_F(SigningKeysStoreTest, RotateAtOnceSignsAtTheNextReload) {
  KeyRing ring;
  load_signing_keys(*store_, sealer_, ring, clock());
  const std::string old_ec = ring.signer_kid(JwsAlg::kES256);
  const SigningKeyRecord next =
      rotate_signing_key(*store_, sealer_, JwsAlg::kES256, kStart, 0, 300, 30);
  EXPECT_EQ(next.activates_at, kStart);
  EXPECT_EQ(ring.signer_kid(JwsAlg::kES256), old_ec) << "nothing changes before a reload";
  reload_signing_keys(*store_, sealer_, ring, clock());
  EXPECT_EQ(ring.signer_kid(JwsAlg::kES256), next.kid);
  EXPECT_EQ(find(records(), old_ec).publish_until, kStart + 300 + 30 + 120);
  EXPECT_THROW(rotate_signing_key(*store_, sealer_, JwsAlg::kHS256, kStart, 0, 300, 30),
               std::invalid_argument);
  EXPECT_THROW(rotate_signing_key(*store_, sealer_, JwsAlg::kES256, kStart, -1, 300, 30),
               std::invalid_argument);
}

TEST_F(SigningKeysStoreTest, ReloadNeverCreatesAndKeepsTheRingOnFailure) {
  KeyRing ring;
  EXPECT_THROW(reload_signing_keys(*store_, sealer_, ring, clock()), std::runtime_error);
  EXPECT_TRUE(records().empty()) << "only a start creates keys";

  load_signing_keys(*store_, sealer_, ring, clock());
  const std::string jwks = ring.jwks_json();
  const std::string rsa = ring.signer_kid(JwsAlg::kRS256);
  // Under another master key nothing opens: the ring keeps what it had.
  const Sealer wrong(testing::master_key('w'));
  EXPECT_THROW(reload_signing_keys(*store_, wrong, ring, clock()), std::runtime_error);
  EXPECT_EQ(ring.jwks_json(), jwks);
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), rsa);
}

TEST_F(SigningKeysStoreTest, AWrongMasterKeyStopsTheStartBeforeCreatingAnything) {
  store_legacy_rsa_key();
  const Sealer wrong(testing::master_key('w'));
  KeyRing ring;
  EXPECT_THROW(load_signing_keys(*store_, wrong, ring, clock()), std::runtime_error);
  EXPECT_EQ(records().size(), 1u) << "no ES256 key sealed under the wrong master key";
}

// ---- signing with the application's algorithm -------------------------------------------------

TEST_F(SigningKeysStoreTest, IdTokensUseTheApplicationsAlgorithm) {
  keys_.add(AsymmetricKey::generate_ec_p256(), true);  // the fixture's ring has the RSA signer
  const User user = add_user("u-alg");
  Application rs = app_with("client-rs", UnboundPolicy::kRegister);
  Application es = app_with("client-es", UnboundPolicy::kRegister);
  es.id_token_alg = IdTokenAlg::kES256;

  const auto header_of = [&](const std::string& token) {
    const auto parts = keys_.verify(token);
    EXPECT_TRUE(parts);
    return parts ? parts->header : boost::json::object{};
  };
  const boost::json::object rs_header = header_of(sign_id_token(services_, rs, user));
  EXPECT_EQ(rs_header.at("alg").as_string(), "RS256");
  EXPECT_EQ(rs_header.at("kid").as_string(), keys_.signer_kid(JwsAlg::kRS256));
  const boost::json::object es_header = header_of(sign_id_token(services_, es, user));
  EXPECT_EQ(es_header.at("alg").as_string(), "ES256");
  EXPECT_EQ(es_header.at("kid").as_string(), keys_.signer_kid(JwsAlg::kES256));
}

TEST_F(SigningKeysStoreTest, AnAlgorithmWithoutASignerFailsLoudly) {
  Application es = app_with("client-es", UnboundPolicy::kRegister);
  es.id_token_alg = IdTokenAlg::kES256;
  EXPECT_THROW(sign_id_token(services_, es, add_user("u-none")), std::logic_error);
}

}  // namespace
}  // namespace ciamd
