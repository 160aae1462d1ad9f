// Store on SQLite: URLs, migrations, applications (sealed secrets), users, identities,
// assignments, signing keys, audit. commit_login and concurrency: store_commit_test.cpp.
#include <fstream>
#include <iterator>
#include <thread>
#include <utility>
#include <vector>

#include "store/migrations/migrations.hpp"
#include "unit/store_test_support.hpp"

namespace ciamd {
namespace {

using testing_support::master_key;
using testing_support::RawDb;
using testing_support::StoreTest;

void expect_same(const Application& a, const Application& b) {
  EXPECT_EQ(a.client_id, b.client_id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.enabled, b.enabled);
  EXPECT_EQ(a.unbound, b.unbound);
  EXPECT_EQ(a.bind_methods, b.bind_methods);
  EXPECT_EQ(a.access, b.access);
  EXPECT_EQ(a.mfa, b.mfa);
  EXPECT_EQ(a.mfa_factors, b.mfa_factors);
  EXPECT_EQ(a.wechat.appid, b.wechat.appid);
  EXPECT_EQ(a.wechat.secret, b.wechat.secret);
  EXPECT_EQ(a.wechat_session_ttl, b.wechat_session_ttl);
  EXPECT_EQ(a.miniprogram.appid, b.miniprogram.appid);
  EXPECT_EQ(a.miniprogram.secret, b.miniprogram.secret);
  EXPECT_EQ(a.miniprogram_session_ttl, b.miniprogram_session_ttl);
  EXPECT_EQ(a.weibo_app_key, b.weibo_app_key);
  EXPECT_EQ(a.weibo_session_ttl, b.weibo_session_ttl);
  EXPECT_EQ(a.id_token_ttl, b.id_token_ttl);
  EXPECT_EQ(a.id_token_alg, b.id_token_alg);
  EXPECT_EQ(a.session_lifetime, b.session_lifetime);
  EXPECT_EQ(a.session_max_lifetime, b.session_max_lifetime);
  EXPECT_EQ(a.rotate_session_token, b.rotate_session_token);
  EXPECT_EQ(a.allowed_country_codes, b.allowed_country_codes);
  EXPECT_EQ(a.hourly_send_budget, b.hourly_send_budget);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

void expect_same(const User& a, const User& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.username, b.username);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.mobile, b.mobile);
  EXPECT_EQ(a.email, b.email);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// --- open_store --------------------------------------------------------------------------------

TEST(StoreOpen, RejectsUnsupportedUrlsWithoutEchoingThem) {
  const Sealer sealer(master_key('k'));
  for (const char* url : {"", "sqlite://", "sqlite:data.db", "mysql://db/ciamd", "/tmp/x.db"}) {
    EXPECT_THROW(open_store(url, sealer), StoreError) << url;
  }
  try {
    open_store("mysql://ciamd:hunter2@db.internal/ciamd", sealer);
    FAIL() << "mysql is not supported";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("'mysql'"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

TEST(StoreOpen, AnUnreachablePostgresqlIsRefusedWithoutItsPassword) {
  const Sealer sealer(master_key('k'));
  // Port 1 on loopback: nothing listens there, so libpq's connect fails at once.
  try {
    open_store("postgresql://ciamd:hunter2@127.0.0.1:1/ciamd", sealer);
    FAIL() << "nothing listens on port 1";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("postgres"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

TEST(StoreOpen, MemoryDatabaseServesManyThreads) {
  const Sealer sealer(master_key('k'));
  auto store = open_store("sqlite::memory:", sealer);
  EXPECT_EQ(store->migrate(), static_cast<int>(embedded_migrations().size()));
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 25; ++i) {
        AuditEvent event;
        event.at = i;
        event.request_id = std::to_string(t) + "-" + std::to_string(i);
        store->append_audit_event(event);
      }
    });
  }
  threads.clear();  // joins
  EXPECT_EQ(store->recent_audit_events(1000).size(), 100U);
}

TEST_F(StoreTest, RelativeUrlIsRelativeToTheWorkingDirectory) {
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  {
    auto store = open_store("sqlite://relative.db", sealer_);
    store->migrate();
  }
  std::filesystem::current_path(previous);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "relative.db"));
}

// --- migrations --------------------------------------------------------------------------------

TEST_F(StoreTest, MigrationsAreIdempotent) {
  const int latest = embedded_migrations().back().version;
  EXPECT_EQ(store_->schema_version(), latest);
  EXPECT_EQ(store_->migrate(), latest);
  EXPECT_EQ(store_->schema_version(), latest);

  // Another process (a second node, a restart) finds nothing to do.
  auto again = open_store("sqlite://" + path_.string(), sealer_);
  EXPECT_EQ(again->schema_version(), latest);
  EXPECT_EQ(again->migrate(), latest);

  RawDb raw(path_);
  EXPECT_EQ(raw.count("schema_migrations"),
            static_cast<std::int64_t>(embedded_migrations().size()));
  EXPECT_EQ(raw.scalar("SELECT name FROM schema_migrations WHERE version = 1"), "initial");
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
}

TEST_F(StoreTest, FreshDatabaseIsAtVersionZero) {
  auto fresh = open_store("sqlite://" + (dir_ / "fresh.db").string(), sealer_);
  EXPECT_EQ(fresh->schema_version(), 0);
}

TEST_F(StoreTest, UpgradesAVersionTwoDatabaseKeepingItsApplications) {
  // A database as a build that knew 001 and 002 left it, with an application in it.
  const auto v2_path = dir_ / "v2.db";
  create_legacy_database(v2_path, 2);
  const Application before = sample_app("client-a");
  insert_legacy_application(v2_path, before);

  auto store = open_store("sqlite://" + v2_path.string(), sealer_);
  ASSERT_EQ(store->schema_version(), 2);
  EXPECT_EQ(store->migrate(), embedded_migrations().back().version);
  EXPECT_EQ(RawDb(v2_path).scalar("SELECT name FROM schema_migrations WHERE version = 3"),
            "miniprogram");

  // The old row reads as it was, with the defaults for what it could not have.
  auto found = store->find_application("client-a");
  ASSERT_TRUE(found);
  Application expected = before;
  expected.miniprogram = {};
  expected.miniprogram_session_ttl = kDefaultWechatSessionTtl;
  expected.weibo_app_key.clear();                    // 004: no Weibo
  expected.mfa_factors = Application{}.mfa_factors;  // 004: both factors
  expected.id_token_alg = IdTokenAlg::kRS256;        // 005: as before
  expected.session_lifetime = SessionLifetime::kFixed;
  expected.session_max_lifetime = kDefaultSessionMaxLifetime;
  expected.rotate_session_token = false;
  expected.allowed_country_codes = {"86"};  // 009
  expected.hourly_send_budget = kDefaultHourlySendBudget;
  expect_same(*found, expected);
  ASSERT_EQ(store->list_applications().size(), 1U);

  // And takes the new settings.
  found->miniprogram = {"wx-mini", "mini-secret"};
  found->miniprogram_session_ttl = 3600;
  ASSERT_TRUE(store->update_application(*found));
  const auto updated = store->find_application("client-a");
  ASSERT_TRUE(updated);
  expect_same(*updated, *found);
}

TEST_F(StoreTest, MigrateRefusesASchemaNewerThanTheBuild) {
  RawDb(path_).exec("INSERT INTO schema_migrations VALUES (999, 'future', 0)");
  EXPECT_THROW(store_->migrate(), StoreError);
}

// --- applications ------------------------------------------------------------------------------

TEST_F(StoreTest, ApplicationRoundTrip) {
  const Application app = sample_app("client-a");
  ASSERT_TRUE(store_->create_application(app));
  EXPECT_FALSE(store_->create_application(app));  // the client id exists

  auto found = store_->find_application("client-a");
  ASSERT_TRUE(found);
  expect_same(*found, app);
  EXPECT_FALSE(store_->find_application("client-b"));

  Application changed = app;
  changed.name = "Renamed";
  changed.enabled = false;
  changed.unbound = UnboundPolicy::kAutoCreate;
  changed.bind_methods = {BindMethod::kVerifyPhone, BindMethod::kVerifyEmail};
  changed.access = AccessPolicy::kAll;
  changed.mfa = MfaPolicy::kAlways;
  changed.wechat = {"wx-other", "another-secret"};
  changed.miniprogram = {"wx-mini-other", "another-mini-secret"};
  changed.miniprogram_session_ttl = 7200;
  changed.weibo_app_key = "1234567890";
  changed.mfa_factors = {MfaFactor::kEmail, MfaFactor::kSms};
  changed.id_token_ttl = 120;
  changed.id_token_alg = IdTokenAlg::kRS256;
  changed.session_lifetime = SessionLifetime::kFixed;
  changed.session_max_lifetime = 3600;
  changed.rotate_session_token = false;
  changed.allowed_country_codes = {"1"};
  changed.hourly_send_budget = 5;
  changed.created_at = 1;  // not writable: the original creation time stays
  changed.updated_at = 1700009999;
  ASSERT_TRUE(store_->update_application(changed));
  found = store_->find_application("client-a");
  ASSERT_TRUE(found);
  changed.created_at = app.created_at;
  expect_same(*found, changed);

  Application unknown = sample_app("client-unknown");
  EXPECT_FALSE(store_->update_application(unknown));

  ASSERT_TRUE(store_->create_application(sample_app("client-0")));
  const auto all = store_->list_applications();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].client_id, "client-0");
  EXPECT_EQ(all[1].client_id, "client-a");
  EXPECT_EQ(all[1].wechat.secret, "another-secret");
  EXPECT_EQ(all[1].miniprogram.secret, "another-mini-secret");
}

TEST_F(StoreTest, ApplicationSecretsAreSealedAtRest) {
  const Application app = sample_app("client-a");
  ASSERT_TRUE(store_->create_application(app));

  RawDb raw(path_);
  for (const auto& [column, secret] :
       {std::pair{"wechat_secret_sealed", app.wechat.secret},
        std::pair{"miniprogram_secret_sealed", app.miniprogram.secret}}) {
    const std::string stored = raw.scalar(std::string("SELECT ") + column +
                                          " FROM applications WHERE client_id = 'client-a'");
    EXPECT_FALSE(stored.empty()) << column;
    EXPECT_EQ(stored.find(secret), std::string::npos) << column;
    // Nor anywhere else in the files (WAL mode: fresh writes sit in the -wal file).
    for (const char* suffix : {"", "-wal"}) {
      const std::string bytes = file_bytes(path_.string() + suffix);
      EXPECT_EQ(bytes.find(secret), std::string::npos) << column << " in ciamd.db" << suffix;
    }
  }
  EXPECT_NE(raw.scalar("SELECT wechat_secret_sealed FROM applications"),
            raw.scalar("SELECT miniprogram_secret_sealed FROM applications"));
}

TEST_F(StoreTest, ApplicationSecretMovedToTheOtherColumnDoesNotOpen) {
  // Each sealed value is bound to its column as well as its row: the mini program secret read as
  // the WeChat app's secret (or the reverse) is refused, not used.
  for (const auto& [to, from] : {std::pair{"wechat_secret_sealed", "miniprogram_secret_sealed"},
                                 std::pair{"miniprogram_secret_sealed", "wechat_secret_sealed"}}) {
    SCOPED_TRACE(to);
    ASSERT_TRUE(store_->create_application(sample_app(std::string("client-") + to)));
    RawDb(path_).exec(std::string("UPDATE applications SET ") + to + " = " + from +
                      " WHERE client_id = 'client-" + to + "'");
    try {
      store_->find_application(std::string("client-") + to);
      FAIL() << "a secret moved from " << from << " opened";
    } catch (const StoreError& e) {
      EXPECT_EQ(std::string(e.what()).find("s3cr3t"), std::string::npos) << e.what();
    }
  }
  // Both columns swapped at once fail as well.
  ASSERT_TRUE(store_->create_application(sample_app("client-swapped")));
  RawDb(path_).exec(
      "UPDATE applications SET wechat_secret_sealed = miniprogram_secret_sealed, "
      "miniprogram_secret_sealed = wechat_secret_sealed WHERE client_id = 'client-swapped'");
  EXPECT_THROW(store_->find_application("client-swapped"), StoreError);
}

TEST_F(StoreTest, ApplicationSecretDoesNotOpenUnderAnotherMasterKey) {
  ASSERT_TRUE(store_->create_application(sample_app("client-a")));
  const Sealer other(master_key('x'));
  auto store = open_store("sqlite://" + path_.string(), other);
  try {
    store->find_application("client-a");
    FAIL() << "a secret sealed under another key opened";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()).find("s3cr3t"), std::string::npos) << e.what();
  }
  EXPECT_THROW(store->list_applications(), StoreError);
}

TEST_F(StoreTest, ApplicationSecretCopiedToAnotherRowDoesNotOpen) {
  ASSERT_TRUE(store_->create_application(sample_app("client-a")));
  ASSERT_TRUE(store_->create_application(sample_app("client-b")));
  RawDb(path_).exec(
      "UPDATE applications SET wechat_secret_sealed = (SELECT wechat_secret_sealed FROM "
      "applications WHERE client_id = 'client-a') WHERE client_id = 'client-b'");
  EXPECT_TRUE(store_->find_application("client-a"));
  EXPECT_THROW(store_->find_application("client-b"), StoreError);
}

TEST_F(StoreTest, EmptyApplicationSecretStaysEmpty) {
  Application app = sample_app("client-a");
  app.wechat = {};
  app.miniprogram = {};
  app.bind_methods = {};
  app.mfa_factors = {};
  app.weibo_app_key.clear();
  ASSERT_TRUE(store_->create_application(app));
  const auto found = store_->find_application("client-a");
  ASSERT_TRUE(found);
  expect_same(*found, app);
  EXPECT_EQ(RawDb(path_).scalar("SELECT wechat_secret_sealed FROM applications"), "");
  EXPECT_EQ(RawDb(path_).scalar("SELECT miniprogram_secret_sealed FROM applications"), "");
}

// --- users ------------------------------------------------------------------------------------

TEST_F(StoreTest, UsersByIdMobileAndEmail) {
  const User alice = sample_user("1001", 1700000300);
  User bob = sample_user("1002", 1700000200);
  bob.mobile.clear();
  bob.email.clear();
  User carol = sample_user("1003", 1700000200);
  carol.mobile.clear();  // a second user without a mobile: NULLs do not collide
  carol.email.clear();
  add_user(alice);
  add_user(bob);
  add_user(carol);

  auto found = store_->find_user("1001");
  ASSERT_TRUE(found);
  expect_same(*found, alice);
  found = store_->find_user_by_mobile(alice.mobile);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "1001");
  found = store_->find_user_by_email("1001@example.com");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, "1001");
  found = store_->find_user("1002");
  ASSERT_TRUE(found);
  expect_same(*found, bob);  // empty mobile and email come back empty

  EXPECT_FALSE(store_->find_user("nobody"));
  EXPECT_FALSE(store_->find_user_by_mobile(""));
  EXPECT_FALSE(store_->find_user_by_email(""));
  EXPECT_FALSE(store_->find_user_by_email("1001@EXAMPLE.com"));  // stored as given (lower case)
}

TEST_F(StoreTest, UserStatusAndListing) {
  add_user(sample_user("b", 200));
  add_user(sample_user("a", 200));
  add_user(sample_user("c", 100));

  EXPECT_TRUE(store_->set_user_status("a", UserStatus::kDisabled, 300));
  EXPECT_FALSE(store_->set_user_status("nobody", UserStatus::kDisabled, 300));
  const auto a = store_->find_user("a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->status, UserStatus::kDisabled);
  EXPECT_EQ(a->updated_at, 300);

  auto ids = [](const std::vector<User>& users) {
    std::vector<std::string> out;
    for (const auto& u : users) out.push_back(u.id);
    return out;
  };
  // Every user, by id, a page at a time after a cursor.
  EXPECT_EQ(ids(store_->find_users("", "", 10)), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ids(store_->find_users("", "", 2)), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ids(store_->find_users("", "b", 2)), (std::vector<std::string>{"c"}));
  EXPECT_TRUE(store_->find_users("", "", 0).empty());
}

// --- assignments -------------------------------------------------------------------------------

TEST_F(StoreTest, Assignments) {
  ASSERT_TRUE(store_->create_application(sample_app("client-a")));
  add_user(sample_user("1001"));

  EXPECT_FALSE(store_->is_assigned("client-a", "1001"));
  EXPECT_TRUE(store_->assign_user("client-a", "1001"));
  EXPECT_TRUE(store_->assign_user("client-a", "1001"));  // idempotent
  EXPECT_TRUE(store_->is_assigned("client-a", "1001"));
  EXPECT_FALSE(store_->assign_user("client-a", "nobody"));
  EXPECT_FALSE(store_->assign_user("client-nope", "1001"));
  EXPECT_FALSE(store_->is_assigned("client-nope", "1001"));
  EXPECT_EQ(RawDb(path_).count("app_assignments"), 1);
}

// --- signing keys and audit --------------------------------------------------------------------

TEST_F(StoreTest, TheFirstSigningKeyOfAnAlgorithmIsInsertedOnce) {
  const SigningKeyRecord first{"kid-a", "ES256", "v1.a", "active", 100, 100, 0, 0};
  const SigningKeyRecord second{"kid-b", "ES256", "v1.b", "active", 101, 101, 0, 0};
  const SigningKeyRecord rsa{"kid-c", "RS256", "v1.c", "active", 102, 102, 0, 0};
  EXPECT_TRUE(store_->insert_first_signing_key(first));
  EXPECT_FALSE(store_->insert_first_signing_key(second));  // ES256 has its active key
  EXPECT_TRUE(store_->insert_first_signing_key(rsa));      // another algorithm
  EXPECT_EQ(RawDb(path_).count("signing_keys"), 2);
  EXPECT_EQ(RawDb(path_).scalar("SELECT kid FROM signing_keys WHERE algorithm = 'ES256'"), "kid-a");
  const SigningKeyRecord retired{"kid-d", "RS256", "v1.d", "retired", 103, 103, 104, 200};
  EXPECT_THROW(store_->insert_first_signing_key(retired), StoreError);
}

TEST_F(StoreTest, SigningKeys) {
  SigningKeyRecord old_key{"kid-1", "RS256", "v1.sealed-1", "retired", 100, 110, 200, 500};
  SigningKeyRecord new_key{"kid-2", "ES256", "v1.sealed-2", "active", 150, 0, 0, 0};
  store_->insert_signing_key(new_key);
  store_->insert_signing_key(old_key);
  EXPECT_THROW(store_->insert_signing_key(old_key), StoreError);

  const auto keys = store_->list_signing_keys();
  ASSERT_EQ(keys.size(), 2U);
  EXPECT_EQ(keys[0].kid, "kid-1");  // oldest first
  EXPECT_EQ(keys[0].algorithm, "RS256");
  EXPECT_EQ(keys[0].sealed_private_key, "v1.sealed-1");
  EXPECT_EQ(keys[0].state, "retired");
  EXPECT_EQ(keys[0].created_at, 100);
  EXPECT_EQ(keys[0].activates_at, 110);
  EXPECT_EQ(keys[0].retired_at, 200);
  EXPECT_EQ(keys[0].publish_until, 500);
  EXPECT_EQ(keys[1].kid, "kid-2");
  EXPECT_EQ(keys[1].activates_at, 0);
  EXPECT_EQ(keys[1].retired_at, 0);
  EXPECT_EQ(keys[1].publish_until, 0);
  // An active key's retired_at is NULL in the table, as 001_initial.sql has it.
  EXPECT_EQ(RawDb(path_).scalar("SELECT retired_at IS NULL FROM signing_keys WHERE kid = 'kid-2'"),
            "1");
}

TEST_F(StoreTest, AuditAppendAndRecent) {
  for (int i = 1; i <= 5; ++i) {
    AuditEvent event;
    event.at = i;
    event.request_id = "req-" + std::to_string(i);
    event.event = "login";
    event.client_id = "client-a";
    event.provider = "wechat";
    event.user_id = "1001";
    event.outcome = "SUCCESS";
    event.device_fingerprint = "device-1";
    event.peer_address = "127.0.0.1";
    event.client_reported_ip = "10.0.0.1";
    store_->append_audit_event(event);
  }
  const auto recent = store_->recent_audit_events(3);
  ASSERT_EQ(recent.size(), 3U);
  EXPECT_EQ(recent[0].request_id, "req-5");  // newest first
  EXPECT_EQ(recent[2].request_id, "req-3");
  EXPECT_EQ(recent[0].at, 5);
  EXPECT_EQ(recent[0].event, "login");
  EXPECT_EQ(recent[0].client_id, "client-a");
  EXPECT_EQ(recent[0].provider, "wechat");
  EXPECT_EQ(recent[0].user_id, "1001");
  EXPECT_EQ(recent[0].outcome, "SUCCESS");
  EXPECT_EQ(recent[0].device_fingerprint, "device-1");
  EXPECT_EQ(recent[0].peer_address, "127.0.0.1");
  EXPECT_EQ(recent[0].client_reported_ip, "10.0.0.1");
  EXPECT_EQ(store_->recent_audit_events(100).size(), 5U);
  EXPECT_TRUE(store_->recent_audit_events(0).empty());
}

}  // namespace
}  // namespace ciamd
