// Store on SQLite: reseal_secrets, the database side of a master-key rotation. Every sealed value
// moves from one key to the other with its AAD, in one transaction; a value that does not open
// stops the whole rotation with every row as it was.
#include <optional>
#include <string>
#include <vector>

#include "unit/store_test_support.hpp"

namespace ciamd {
namespace {

using testing_support::master_key;
using testing_support::RawDb;
using testing_support::StoreTest;

constexpr const char* kRsaPem = "-----BEGIN PRIVATE KEY-----\nrsa-key-material\n";
constexpr const char* kEcPem = "-----BEGIN PRIVATE KEY-----\nec-key-material\n";

// Every row of the tables holding sealed values, every column, as text: equal snapshots mean the
// rotation wrote nothing.
std::string sealed_tables_snapshot(RawDb& raw) {
  return raw.scalar(
             "SELECT group_concat(row, '|') FROM (SELECT client_id || ',' || name || ',' || "
             "wechat_secret_sealed || ',' || miniprogram_secret_sealed || ',' || updated_at AS row "
             "FROM applications ORDER BY client_id)") +
         "#" +
         raw.scalar(
             "SELECT group_concat(row, '|') FROM (SELECT kid || ',' || sealed_private_key || ',' "
             "|| state AS row FROM signing_keys ORDER BY kid)");
}

class StoreResealTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    both_ = sample_app("client-both");
    wechat_only_ = sample_app("client-wechat");
    wechat_only_.miniprogram = {};
    none_ = sample_app("client-none");
    none_.wechat = {};
    none_.miniprogram = {};
    for (const Application* app : {&both_, &wechat_only_, &none_}) {
      ASSERT_TRUE(store_->create_application(*app));
    }
    // As flows/keys/signing_keys seals them: the PEM under the kid.
    store_->insert_signing_key(
        {"kid-rsa", "RS256", sealer_.seal(kRsaPem, "kid-rsa"), "active", 100, 0, 0, 0});
    store_->insert_signing_key(
        {"kid-ec", "ES256", sealer_.seal(kEcPem, "kid-ec"), "active", 110, 0, 0, 0});
  }

  static void expect_same_secrets(const std::optional<Application>& read, const Application& app) {
    ASSERT_TRUE(read.has_value()) << app.client_id;
    EXPECT_EQ(read->wechat.appid, app.wechat.appid);
    EXPECT_EQ(read->wechat.secret, app.wechat.secret);
    EXPECT_EQ(read->miniprogram.appid, app.miniprogram.appid);
    EXPECT_EQ(read->miniprogram.secret, app.miniprogram.secret);
    EXPECT_EQ(read->updated_at, app.updated_at) << "a reseal is not a settings change";
  }

  Sealer next_{master_key('n')};
  Application both_;
  Application wechat_only_;
  Application none_;
};

TEST_F(StoreResealTest, ANewStoreWithTheNewKeyReadsEverySecretTheOldKeyNoLongerOpens) {
  store_->reseal_secrets(sealer_, next_);

  const auto reopened = open_store("sqlite://" + path_.string(), next_);
  expect_same_secrets(reopened->find_application("client-both"), both_);
  expect_same_secrets(reopened->find_application("client-wechat"), wechat_only_);
  expect_same_secrets(reopened->find_application("client-none"), none_);
  EXPECT_EQ(reopened->list_applications().size(), 3U);

  const std::vector<SigningKeyRecord> keys = reopened->list_signing_keys();
  ASSERT_EQ(keys.size(), 2U);
  for (const SigningKeyRecord& key : keys) {
    const std::string pem = key.kid == "kid-rsa" ? kRsaPem : kEcPem;
    EXPECT_EQ(next_.open(key.sealed_private_key, key.kid), pem) << key.kid;
    EXPECT_EQ(sealer_.open(key.sealed_private_key, key.kid), std::nullopt) << key.kid;
    EXPECT_EQ(key.state, "active");
  }

  // The store still holding the old key: the secrets are not readable with it any more.
  EXPECT_THROW(store_->find_application("client-both"), StoreError);
  EXPECT_THROW(store_->find_application("client-wechat"), StoreError);
  // An application without secrets has nothing sealed: unset stays unset.
  expect_same_secrets(store_->find_application("client-none"), none_);
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("SELECT miniprogram_secret_sealed FROM applications "
                       "WHERE client_id = 'client-wechat'"),
            "");
}

TEST_F(StoreResealTest, EachValueKeepsItsAssociatedData) {
  store_->reseal_secrets(sealer_, next_);
  RawDb raw(path_);
  const std::string wechat =
      raw.scalar("SELECT wechat_secret_sealed FROM applications WHERE client_id = 'client-both'");
  const std::string mini = raw.scalar(
      "SELECT miniprogram_secret_sealed FROM applications WHERE client_id = 'client-both'");
  EXPECT_EQ(next_.open(wechat, "client-both"), both_.wechat.secret);
  EXPECT_EQ(next_.open(mini, "client-both/miniprogram"), both_.miniprogram.secret);
  EXPECT_EQ(next_.open(mini, "client-both"), std::nullopt);
  // No plaintext in the table after the rewrite either.
  EXPECT_EQ(wechat.find(both_.wechat.secret), std::string::npos);
}

TEST_F(StoreResealTest, ResealingBackRestoresTheOriginalStore) {
  store_->reseal_secrets(sealer_, next_);
  store_->reseal_secrets(next_, sealer_);
  expect_same_secrets(store_->find_application("client-both"), both_);
  for (const SigningKeyRecord& key : store_->list_signing_keys()) {
    EXPECT_TRUE(sealer_.open(key.sealed_private_key, key.kid).has_value()) << key.kid;
  }
}

TEST_F(StoreResealTest, AWrongFromKeyThrowsAndChangesNothing) {
  RawDb raw(path_);
  const std::string before = sealed_tables_snapshot(raw);
  const Sealer wrong(master_key('w'));
  EXPECT_THROW(store_->reseal_secrets(wrong, next_), StoreError);
  EXPECT_EQ(sealed_tables_snapshot(raw), before);
  expect_same_secrets(store_->find_application("client-both"), both_);
}

// The damaged value is the last one a reseal reaches (signing keys come after the applications,
// by kid), so everything before it has been resealed in the transaction when it fails.
TEST_F(StoreResealTest, ACorruptedSigningKeyThrowsAndLeavesEveryRowUnchanged) {
  RawDb raw(path_);
  // Sealed for another row: a valid value under the right key that must still not open here.
  raw.exec("UPDATE signing_keys SET sealed_private_key = '" + sealer_.seal(kRsaPem, "kid-other") +
           "' WHERE kid = 'kid-rsa'");
  const std::string before = sealed_tables_snapshot(raw);

  try {
    store_->reseal_secrets(sealer_, next_);
    ADD_FAILURE() << "reseal_secrets accepted a value that does not open";
  } catch (const StoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("kid-rsa"), std::string::npos) << message;
    EXPECT_EQ(message.find("key-material"), std::string::npos) << message;
  }
  EXPECT_EQ(sealed_tables_snapshot(raw), before);
  expect_same_secrets(store_->find_application("client-both"), both_);
  expect_same_secrets(store_->find_application("client-wechat"), wechat_only_);
  EXPECT_EQ(sealer_.open(raw.scalar("SELECT sealed_private_key FROM signing_keys "
                                    "WHERE kid = 'kid-ec'"),
                         "kid-ec"),
            kEcPem);
}

TEST_F(StoreResealTest, ACorruptedApplicationSecretThrowsAndLeavesEveryRowUnchanged) {
  RawDb raw(path_);
  // One character of the ciphertext flipped: the GCM tag no longer matches.
  std::string sealed = raw.scalar(
      "SELECT miniprogram_secret_sealed FROM applications WHERE client_id = 'client-both'");
  ASSERT_GT(sealed.size(), 10U);
  sealed[sealed.size() - 5] = sealed[sealed.size() - 5] == 'A' ? 'B' : 'A';
  raw.exec("UPDATE applications SET miniprogram_secret_sealed = '" + sealed +
           "' WHERE client_id = 'client-both'");
  const std::string before = sealed_tables_snapshot(raw);

  try {
    store_->reseal_secrets(sealer_, next_);
    ADD_FAILURE() << "reseal_secrets accepted a value that does not open";
  } catch (const StoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("client-both"), std::string::npos) << message;
    EXPECT_NE(message.find("mini program"), std::string::npos) << message;
    EXPECT_EQ(message.find(both_.wechat.secret), std::string::npos) << message;
    EXPECT_EQ(message.find(both_.miniprogram.secret), std::string::npos) << message;
  }
  EXPECT_EQ(sealed_tables_snapshot(raw), before);
  expect_same_secrets(store_->find_application("client-wechat"), wechat_only_);
  for (const SigningKeyRecord& key : store_->list_signing_keys()) {
    EXPECT_TRUE(sealer_.open(key.sealed_private_key, key.kid).has_value()) << key.kid;
  }
}

// The in-memory database a single store owns: the store's own sealer (the old key) plays no part
// in the rotation, and the round trip back to it shows every value came through intact.
TEST(StoreResealMemory, ResealsWithTheSealersItIsGivenNotItsOwn) {
  const Sealer old_key(master_key('o'));
  const Sealer new_key(master_key('n'));
  const auto store = open_store("sqlite::memory:", old_key);
  store->migrate();
  Application app;
  app.client_id = "client-mem";
  app.name = "Memory";
  app.wechat = {"wx-mem", "wechat-secret-in-memory"};
  app.miniprogram = {"wx-mini-mem", "mini-secret-in-memory"};
  ASSERT_TRUE(store->create_application(app));
  store->insert_signing_key(
      {"kid-mem", "RS256", old_key.seal(kRsaPem, "kid-mem"), "active", 100, 0, 0, 0});

  store->reseal_secrets(old_key, new_key);
  EXPECT_THROW(store->find_application("client-mem"), StoreError);
  const std::vector<SigningKeyRecord> keys = store->list_signing_keys();
  ASSERT_EQ(keys.size(), 1U);
  EXPECT_EQ(new_key.open(keys[0].sealed_private_key, "kid-mem"), kRsaPem);
  EXPECT_EQ(old_key.open(keys[0].sealed_private_key, "kid-mem"), std::nullopt);

  // A second rotation from the old key finds nothing that opens under it.
  EXPECT_THROW(store->reseal_secrets(old_key, new_key), StoreError);

  store->reseal_secrets(new_key, old_key);
  const std::optional<Application> back = store->find_application("client-mem");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->wechat.secret, app.wechat.secret);
  EXPECT_EQ(back->miniprogram.secret, app.miniprogram.secret);
}

TEST(StoreResealMemory, AnEmptyStoreHasNothingToReseal) {
  const Sealer old_key(master_key('o'));
  const Sealer new_key(master_key('n'));
  const auto store = open_store("sqlite::memory:", old_key);
  store->migrate();
  EXPECT_NO_THROW(store->reseal_secrets(old_key, new_key));
}

}  // namespace
}  // namespace ciamd
