// Store on SQLite, migration 004: an application's Weibo app key and MFA factors, and the devices
// commit_login remembers for MFA policy `new_device` (KnownDevice, is_known_device).
#include <string>

#include "store/migrations/migrations.hpp"
#include "unit/store_test_support.hpp"

namespace ciamd {
namespace {

using testing_support::RawDb;
using testing_support::StoreTest;

class StoreDevicesTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ASSERT_TRUE(store_->create_application(sample_app("client-a")));
    add_user(sample_user("1001"));
    add_user(sample_user("1002"));
  }

  // A successful login of `user_id` from `fingerprint` at `now`: a session and the device.
  static LoginCommit login(const std::string& user_id, const std::string& fingerprint,
                           UnixSeconds now) {
    LoginCommit commit;
    commit.session = sample_session("session-" + std::to_string(now), user_id, "client-a");
    commit.session->device_fingerprint = fingerprint;
    commit.remember_device = KnownDevice{user_id, fingerprint};
    commit.now = now;
    return commit;
  }

  std::string seen(const std::string& column, const std::string& user_id,
                   const std::string& fingerprint) {
    return RawDb(path_).scalar("SELECT " + column + " FROM user_devices WHERE user_id = '" +
                               user_id + "' AND device_fingerprint = '" + fingerprint + "'");
  }
};

// --- migration 004 -----------------------------------------------------------------------------

TEST_F(StoreTest, FreshDatabaseGetsTheDeviceTableAndColumnDefaults) {
  RawDb raw(path_);
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_migrations WHERE version = 4"), "mfa_weibo");
  EXPECT_EQ(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'user_devices'"), "1");
  EXPECT_EQ(raw.count("user_devices"), 0);
  // The defaults a row written without the new columns gets (what an upgraded row gets).
  raw.exec(
      "INSERT INTO applications (client_id, name, enabled, unbound_policy, bind_methods, "
      "access_policy, mfa_policy, wechat_appid, wechat_secret_sealed, wechat_session_ttl, "
      "weibo_session_ttl, id_token_ttl, created_at, updated_at) VALUES ('client-raw', 'Raw', 1, "
      "'register', 'VERIFY_PHONE', 'all', 'off', '', '', 1, 1, 1, 1, 1)");
  EXPECT_EQ(raw.scalar("SELECT weibo_app_key FROM applications"), "");
  EXPECT_EQ(raw.scalar("SELECT mfa_factors FROM applications"), "SMS,EMAIL");
}

TEST_F(StoreTest, UpgradesAVersionThreeDatabaseKeepingItsApplications) {
  // A database as a build that knew 001 to 003 left it, with an application and a user in it.
  const auto v3_path = dir_ / "v3.db";
  create_legacy_database(v3_path, 3);
  const Application before = sample_app("client-a");
  insert_legacy_application(v3_path, before);
  {
    auto old = open_store("sqlite://" + v3_path.string(), sealer_);
    ASSERT_EQ(old->schema_version(), 3);
    LoginCommit commit;
    commit.new_user = sample_user("1001");
    commit.now = 1700000000;
    ASSERT_EQ(old->commit_login(commit), CommitResult::kOk);
  }

  auto store = open_store("sqlite://" + v3_path.string(), sealer_);
  EXPECT_EQ(store->migrate(), embedded_migrations().back().version);
  EXPECT_EQ(RawDb(v3_path).scalar("SELECT name FROM schema_migrations WHERE version = 4"),
            "mfa_weibo");

  // The old row reads as it was, with no Weibo app and both factors.
  auto found = store->find_application("client-a");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, before.name);
  EXPECT_EQ(found->mfa, before.mfa);
  EXPECT_EQ(found->bind_methods, before.bind_methods);
  EXPECT_EQ(found->wechat.secret, before.wechat.secret);
  EXPECT_EQ(found->weibo_session_ttl, before.weibo_session_ttl);
  EXPECT_EQ(found->weibo_app_key, "");
  EXPECT_EQ(found->mfa_factors, (std::vector<MfaFactor>{MfaFactor::kSms, MfaFactor::kEmail}));
  ASSERT_EQ(store->list_applications().size(), 1U);

  // And takes the new settings.
  found->weibo_app_key = "2882303761";
  found->mfa_factors = {MfaFactor::kEmail};
  ASSERT_TRUE(store->update_application(*found));
  const auto updated = store->find_application("client-a");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->weibo_app_key, "2882303761");
  EXPECT_EQ(updated->mfa_factors, std::vector<MfaFactor>{MfaFactor::kEmail});

  // The user from before the upgrade can have devices.
  LoginCommit commit;
  commit.remember_device = KnownDevice{"1001", "device-1"};
  commit.now = 1700000500;
  ASSERT_EQ(store->commit_login(commit), CommitResult::kOk);
  EXPECT_TRUE(store->is_known_device("1001", "device-1"));
}

// --- known devices -----------------------------------------------------------------------------

TEST_F(StoreDevicesTest, FirstLoginInsertsLaterOnesUpdateLastSeen) {
  EXPECT_FALSE(store_->is_known_device("1001", "device-1"));
  ASSERT_EQ(store_->commit_login(login("1001", "device-1", 1700000100)), CommitResult::kOk);
  EXPECT_TRUE(store_->is_known_device("1001", "device-1"));
  EXPECT_EQ(seen("first_seen_at", "1001", "device-1"), "1700000100");
  EXPECT_EQ(seen("last_seen_at", "1001", "device-1"), "1700000100");

  ASSERT_EQ(store_->commit_login(login("1001", "device-1", 1700000900)), CommitResult::kOk);
  EXPECT_EQ(seen("first_seen_at", "1001", "device-1"), "1700000100");
  EXPECT_EQ(seen("last_seen_at", "1001", "device-1"), "1700000900");
  EXPECT_EQ(RawDb(path_).count("user_devices"), 1);
}

TEST_F(StoreDevicesTest, DevicesAreKnownPerUser) {
  ASSERT_EQ(store_->commit_login(login("1001", "device-1", 1700000100)), CommitResult::kOk);
  EXPECT_TRUE(store_->is_known_device("1001", "device-1"));
  EXPECT_FALSE(
      store_->is_known_device("1002", "device-1"));  // another user's device proves nothing
  EXPECT_FALSE(store_->is_known_device("1001", "device-2"));
  EXPECT_FALSE(store_->is_known_device("nobody", "device-1"));

  ASSERT_EQ(store_->commit_login(login("1002", "device-1", 1700000200)), CommitResult::kOk);
  EXPECT_TRUE(store_->is_known_device("1002", "device-1"));
  EXPECT_EQ(seen("last_seen_at", "1001", "device-1"), "1700000100");  // untouched
  EXPECT_EQ(RawDb(path_).count("user_devices"), 2);
}

TEST_F(StoreDevicesTest, EmptyFingerprintIsNeverRemembered) {
  ASSERT_EQ(store_->commit_login(login("1001", "", 1700000100)), CommitResult::kOk);
  EXPECT_EQ(RawDb(path_).count("user_devices"), 0);
  EXPECT_FALSE(store_->is_known_device("1001", ""));
  ASSERT_TRUE(store_->find_session_by_hash("hash-session-1700000100"));  // the login still counts
}

TEST_F(StoreDevicesTest, DeviceOfANewUserIsRememberedWithTheUser) {
  LoginCommit commit = login("2001", "device-9", 1700000100);
  commit.new_user = sample_user("2001");
  ASSERT_EQ(store_->commit_login(commit), CommitResult::kOk);
  EXPECT_TRUE(store_->is_known_device("2001", "device-9"));
}

TEST_F(StoreDevicesTest, CommitThatFailsLaterRemembersNothing) {
  add_flow(sample_flow("flow-1", "client-a"));
  ASSERT_EQ(store_->commit_login(login("1001", "device-0", 1700000050)), CommitResult::kOk);
  const auto before = row_counts();

  // The flow is unknown: kFlowNotUsable, and the device stays unknown.
  LoginCommit unknown_flow = login("1001", "device-1", 1700000100);
  unknown_flow.consume_flow_id = "flow-unknown";
  EXPECT_EQ(store_->commit_login(unknown_flow), CommitResult::kFlowNotUsable);
  EXPECT_EQ(row_counts(), before);
  EXPECT_FALSE(store_->is_known_device("1001", "device-1"));

  // A new user that clashes: neither the user nor its device.
  LoginCommit conflict = login("2001", "device-1", 1700000100);
  conflict.consume_flow_id = "flow-1";
  conflict.new_user = sample_user("2001");
  conflict.new_user->username = sample_user("1001").username;
  EXPECT_EQ(store_->commit_login(conflict), CommitResult::kUserConflict);
  EXPECT_EQ(row_counts(), before);

  // A device already known keeps its last login time.
  LoginCommit known = login("1001", "device-0", 1700000100);
  known.consume_flow_id = "flow-unknown";
  EXPECT_EQ(store_->commit_login(known), CommitResult::kFlowNotUsable);
  EXPECT_EQ(seen("last_seen_at", "1001", "device-0"), "1700000050");

  // A device of an unknown user is a caller bug: StoreError, and the session rolls back too.
  LoginCommit stray = login("1001", "device-1", 1700000100);
  stray.remember_device->user_id = "nobody";
  EXPECT_THROW(store_->commit_login(stray), StoreError);
  EXPECT_EQ(row_counts(), before);
}

}  // namespace
}  // namespace ciamd
