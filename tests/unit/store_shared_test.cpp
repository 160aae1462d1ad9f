// Store on SQLite: the state the nodes of a deployment share (migration 008). Leases: one holder
// at a time, until expiry or release, settled by the database even under a race. Server tokens:
// sealed at rest, bound to their appid, resealed with the rest by a master-key rotation.
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "unit/store_test_support.hpp"

namespace ciamd {
namespace {

using testing_support::master_key;
using testing_support::RawDb;
using testing_support::StoreTest;

constexpr UnixSeconds kNow = 1'700'000'000;
constexpr const char* kToken = "83_server-access-token-value";

using StoreLeaseTest = StoreTest;
using StoreServerTokenTest = StoreTest;

SharedServerToken sample_token(const std::string& appid, const std::string& token = kToken) {
  return SharedServerToken{appid, token, kNow, kNow + 7200};
}

TEST_F(StoreLeaseTest, AFreeLeaseIsAcquiredAndAHeldOneIsNot) {
  EXPECT_TRUE(store_->acquire_lease("server-token/wx1", "node-a", kNow, kNow + 15));
  EXPECT_FALSE(store_->acquire_lease("server-token/wx1", "node-b", kNow + 1, kNow + 16));
  // Another name is another lease.
  EXPECT_TRUE(store_->acquire_lease("server-token/wx2", "node-b", kNow + 1, kNow + 16));
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("SELECT holder FROM leases WHERE name = 'server-token/wx1'"), "node-a");
}

TEST_F(StoreLeaseTest, AnExpiredLeaseIsTakenOver) {
  ASSERT_TRUE(store_->acquire_lease("send/+8613800000000", "node-a", kNow, kNow + 60));
  EXPECT_FALSE(store_->acquire_lease("send/+8613800000000", "node-b", kNow + 59, kNow + 119));
  // Held until `until`: at that second it is free.
  EXPECT_TRUE(store_->acquire_lease("send/+8613800000000", "node-b", kNow + 60, kNow + 120));
  EXPECT_FALSE(store_->acquire_lease("send/+8613800000000", "node-a", kNow + 61, kNow + 121));
}

TEST_F(StoreLeaseTest, TheHolderReacquiresAndExtendsItsLease) {
  ASSERT_TRUE(store_->acquire_lease("server-token/wx1", "node-a", kNow, kNow + 15));
  EXPECT_TRUE(store_->acquire_lease("server-token/wx1", "node-a", kNow + 10, kNow + 25));
  // Extended: still held past the first expiry.
  EXPECT_FALSE(store_->acquire_lease("server-token/wx1", "node-b", kNow + 20, kNow + 35));
  EXPECT_TRUE(store_->acquire_lease("server-token/wx1", "node-b", kNow + 25, kNow + 40));
}

TEST_F(StoreLeaseTest, OnlyTheHolderReleases) {
  ASSERT_TRUE(store_->acquire_lease("server-token/wx1", "node-a", kNow, kNow + 15));
  store_->release_lease("server-token/wx1", "node-b");
  EXPECT_FALSE(store_->acquire_lease("server-token/wx1", "node-b", kNow + 1, kNow + 16));
  store_->release_lease("server-token/wx1", "node-a");
  EXPECT_TRUE(store_->acquire_lease("server-token/wx1", "node-b", kNow + 1, kNow + 16));
  // Releasing a lease nobody holds is harmless.
  EXPECT_NO_THROW(store_->release_lease("server-token/none", "node-a"));
}

TEST_F(StoreLeaseTest, OfTwoThreadsRacingForOneLeaseExactlyOneWins) {
  constexpr int kRounds = 50;
  for (int round = 0; round < kRounds; ++round) {
    const std::string name = "race/" + std::to_string(round);
    std::atomic<int> winners{0};
    std::atomic<bool> go{false};
    std::vector<std::jthread> racers;
    for (const char* holder : {"node-a", "node-b"}) {
      racers.emplace_back([&, holder] {
        while (!go.load()) std::this_thread::yield();
        if (store_->acquire_lease(name, holder, kNow, kNow + 15)) ++winners;
      });
    }
    go = true;
    racers.clear();  // joins
    EXPECT_EQ(winners.load(), 1) << name;
  }
}

TEST_F(StoreServerTokenTest, RoundTripsAndReplacesTheRowOfItsAppid) {
  EXPECT_FALSE(store_->find_server_token("wx1").has_value());
  store_->save_server_token(sample_token("wx1"));
  store_->save_server_token(sample_token("wx2", "another-token"));
  std::optional<SharedServerToken> read = store_->find_server_token("wx1");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->appid, "wx1");
  EXPECT_EQ(read->token, kToken);
  EXPECT_EQ(read->fetched_at, kNow);
  EXPECT_EQ(read->expires_at, kNow + 7200);

  store_->save_server_token(SharedServerToken{"wx1", "renewed-token", kNow + 7000, kNow + 14200});
  read = store_->find_server_token("wx1");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->token, "renewed-token");
  EXPECT_EQ(read->fetched_at, kNow + 7000);
  EXPECT_EQ(read->expires_at, kNow + 14200);
  EXPECT_EQ(RawDb(path_).count("server_tokens"), 2);
  EXPECT_EQ(store_->find_server_token("wx2")->token, "another-token");
}

TEST_F(StoreServerTokenTest, IsSealedAtRestUnderItsAppid) {
  store_->save_server_token(sample_token("wx1"));
  RawDb raw(path_);
  const std::string cell = raw.scalar("SELECT token_sealed FROM server_tokens WHERE appid = 'wx1'");
  EXPECT_EQ(cell.find(kToken), std::string::npos);
  EXPECT_EQ(sealer_.open(cell, "server-token/wx1"), kToken);
  EXPECT_EQ(sealer_.open(cell, "wx1"), std::nullopt);

  // Copied to another appid's row, it does not open there.
  raw.exec("INSERT INTO server_tokens VALUES ('wx2', '" + cell + "', 1, 2)");
  EXPECT_THROW(store_->find_server_token("wx2"), StoreError);
}

TEST_F(StoreServerTokenTest, AnotherMasterKeyCannotReadIt) {
  store_->save_server_token(sample_token("wx1"));
  const Sealer other(master_key('o'));
  const auto reopened = open_store("sqlite://" + path_.string(), other);
  try {
    reopened->find_server_token("wx1");
    ADD_FAILURE() << "a token sealed under another master key opened";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()).find(kToken), std::string::npos) << e.what();
  }
}

TEST_F(StoreServerTokenTest, AMasterKeyRotationResealsIt) {
  store_->save_server_token(sample_token("wx1"));
  const Sealer next(master_key('n'));
  store_->reseal_secrets(sealer_, next);

  EXPECT_THROW(store_->find_server_token("wx1"), StoreError);
  const auto reopened = open_store("sqlite://" + path_.string(), next);
  const std::optional<SharedServerToken> read = reopened->find_server_token("wx1");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->token, kToken);
  EXPECT_EQ(read->fetched_at, kNow);
  EXPECT_EQ(read->expires_at, kNow + 7200);
}

TEST_F(StoreServerTokenTest, ATokenThatDoesNotOpenStopsTheRotationAndChangesNothing) {
  Application app = sample_app("client-1");
  ASSERT_TRUE(store_->create_application(app));
  store_->save_server_token(sample_token("wx1"));
  RawDb raw(path_);
  // Sealed for another appid: valid under the right key, but not for this row.
  raw.exec("UPDATE server_tokens SET token_sealed = '" + sealer_.seal(kToken, "server-token/wx9") +
           "' WHERE appid = 'wx1'");
  const std::string apps_before =
      raw.scalar("SELECT wechat_secret_sealed FROM applications WHERE client_id = 'client-1'");
  const std::string token_before = raw.scalar("SELECT token_sealed FROM server_tokens");

  const Sealer next(master_key('n'));
  try {
    store_->reseal_secrets(sealer_, next);
    ADD_FAILURE() << "reseal_secrets accepted a value that does not open";
  } catch (const StoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("wx1"), std::string::npos) << message;
    EXPECT_EQ(message.find(kToken), std::string::npos) << message;
  }
  EXPECT_EQ(raw.scalar("SELECT wechat_secret_sealed FROM applications WHERE client_id = "
                       "'client-1'"),
            apps_before);
  EXPECT_EQ(raw.scalar("SELECT token_sealed FROM server_tokens"), token_before);
}

}  // namespace
}  // namespace ciamd
