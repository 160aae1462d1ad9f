// Shared fixture for the store tests: a fresh, migrated SQLite file in its own temporary
// directory, raw access to that file (to see what is really stored), and sample rows.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/model.hpp"
#include "store/migrations/migrations.hpp"
#include "store/store.hpp"
#include "tokens/sealer.hpp"

namespace ciamd::testing_support {

// A second, independent connection to the database file, as an operator's sqlite3 shell would be.
class RawDb {
 public:
  // `create`: make the file if it is missing (to build a database by hand, as an older ciamd
  // would have left it).
  explicit RawDb(const std::filesystem::path& path, bool create = false) {
    sqlite3* raw = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + path.string());
    sqlite3_busy_timeout(db_.get(), 5000);
  }

  // The first column of the first row of `sql`, as text ("" for NULL or no row).
  std::string scalar(const std::string& sql) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db_.get()));
    }
    const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, &sqlite3_finalize);
    const int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) return {};
    if (rc != SQLITE_ROW) throw std::runtime_error(sqlite3_errmsg(db_.get()));
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    return text == nullptr ? std::string() : std::string(text);
  }

  void exec(const std::string& sql) {
    if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db_.get()));
    }
  }

  std::int64_t count(std::string_view table) {
    return std::stoll(scalar("SELECT COUNT(*) FROM " + std::string(table)));
  }

 private:
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db_{nullptr, &sqlite3_close};
};

inline std::string master_key(char fill) {
  return std::string(32, fill);
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "ciamd_store_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ / "ciamd.db";
    store_ = open_store("sqlite://" + path_.string(), sealer_);
    store_->migrate();
  }

  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Row counts of every table a login writes, to show that a failed commit left nothing behind.
  std::map<std::string, std::int64_t> row_counts() {
    RawDb raw(path_);
    std::map<std::string, std::int64_t> counts;
    for (const char* table :
         {"users", "identities", "unionid_owners", "sessions", "flow_states", "user_devices"}) {
      counts[table] = raw.count(table);
    }
    counts["consumed flows"] =
        std::stoll(raw.scalar("SELECT COUNT(*) FROM flow_states WHERE consumed = 1"));
    counts["verification_codes"] = raw.count("verification_codes");
    counts["used codes"] =
        std::stoll(raw.scalar("SELECT COUNT(*) FROM verification_codes WHERE used = 1"));
    return counts;
  }

  static Application sample_app(const std::string& client_id) {
    Application app;
    app.client_id = client_id;
    app.name = "App " + client_id;
    app.enabled = true;
    app.unbound = UnboundPolicy::kBind;
    app.bind_methods = {BindMethod::kVerifyEmail};
    app.access = AccessPolicy::kAssigned;
    app.mfa = MfaPolicy::kNewDevice;
    app.mfa_factors = {MfaFactor::kEmail};
    app.wechat = {"wx1234567890", "s3cr3t-wechat-app-secret"};
    app.miniprogram = {"wxmini0987654321", "s3cr3t-mini-program-secret"};
    app.weibo_app_key = "2882303761";
    app.wechat_session_ttl = 1000;
    app.miniprogram_session_ttl = 1500;
    app.weibo_session_ttl = 2000;
    app.id_token_ttl = 60;
    // None of the defaults, so that a round trip shows each column is written and read.
    app.id_token_alg = IdTokenAlg::kES256;
    app.session_lifetime = SessionLifetime::kSliding;
    app.session_max_lifetime = 86400;
    app.rotate_session_token = true;
    app.allowed_country_codes = {"86", "852", "1"};
    app.hourly_send_budget = 20;
    app.created_at = 1700000000;
    app.updated_at = 1700000001;
    return app;
  }

  static User sample_user(const std::string& id, UnixSeconds created_at = 1700000000) {
    User user;
    user.id = id;
    user.username = "user-" + id;
    user.name = "Name " + id;
    user.mobile = "+86159" + id;
    user.email = id + "@example.com";
    user.created_at = created_at;
    user.updated_at = created_at;
    return user;
  }

  static Identity sample_identity(const std::string& subject, const std::string& user_id,
                                  const std::string& app_id = "wx-app",
                                  const std::string& unionid = "") {
    Identity identity;
    identity.provider = std::string(kProviderWechat);
    identity.provider_app_id = app_id;
    identity.subject = subject;
    identity.unionid = unionid;
    identity.user_id = user_id;
    identity.profile_json = R"({"nickname":"测试 user","headimgurl":"https://x/y.png"})";
    identity.created_at = 1700000100;
    return identity;
  }

  static Session sample_session(const std::string& id, const std::string& user_id,
                                const std::string& client_id) {
    Session session;
    session.id = id;
    session.token_hash = "hash-" + id;
    session.user_id = user_id;
    session.client_id = client_id;
    session.provider = std::string(kProviderWechat);
    session.device_fingerprint = "device-1";
    session.created_at = 1700000200;
    session.expires_at = 1700432200;
    return session;
  }

  static FlowState sample_flow(const std::string& id, const std::string& client_id,
                               UnixSeconds expires_at = 1700000600) {
    FlowState flow;
    flow.id = id;
    flow.kind = FlowKind::kSocialRegister;
    flow.client_id = client_id;
    flow.provider = std::string(kProviderWechat);
    flow.pending_identity = sample_identity("pending-openid", "", "wx-app", "pending-union");
    flow.device_fingerprint = "device-1";
    flow.created_at = 1700000000;
    flow.expires_at = expires_at;
    return flow;
  }

  // A REGISTER_SMS code of `flow_id`, valid five minutes from `created_at`.
  static VerificationCode sample_code(const std::string& id, const std::string& flow_id,
                                      UnixSeconds created_at = 1700000100) {
    VerificationCode code;
    code.id = id;
    code.flow_id = flow_id;
    code.purpose = "REGISTER_SMS";
    code.target = "+8615907132852";
    code.code_hash = "hmac-of-" + id;
    code.created_at = created_at;
    code.expires_at = created_at + 300;
    return code;
  }

  // Writes `app` into the database file at `db` as a build before 003_miniprogram did: the
  // columns of 001_initial.sql, the WeChat secret sealed under the client id. The store itself
  // cannot write to an older schema (it names the newer columns).
  void insert_legacy_application(const std::filesystem::path& db, const Application& app) {
    const auto quoted = [](std::string_view text) {
      std::string out = "'";
      for (char c : text) {
        out += c;
        if (c == '\'') out += c;  // SQL doubles a quote inside a literal
      }
      return out + "'";
    };
    std::string methods;
    for (BindMethod m : app.bind_methods) {
      if (!methods.empty()) methods += ',';
      methods += to_string(m);
    }
    const std::string sealed =
        app.wechat.secret.empty() ? std::string() : sealer_.seal(app.wechat.secret, app.client_id);
    RawDb(db).exec(
        "INSERT INTO applications (client_id, name, enabled, unbound_policy, bind_methods, "
        "access_policy, mfa_policy, wechat_appid, wechat_secret_sealed, wechat_session_ttl, "
        "weibo_session_ttl, id_token_ttl, created_at, updated_at) VALUES (" +
        quoted(app.client_id) + ", " + quoted(app.name) + ", " + (app.enabled ? "1" : "0") + ", " +
        quoted(to_string(app.unbound)) + ", " + quoted(methods) + ", " +
        quoted(to_string(app.access)) + ", " + quoted(to_string(app.mfa)) + ", " +
        quoted(app.wechat.appid) + ", " + quoted(sealed) + ", " +
        std::to_string(app.wechat_session_ttl) + ", " + std::to_string(app.weibo_session_ttl) +
        ", " + std::to_string(app.id_token_ttl) + ", " + std::to_string(app.created_at) + ", " +
        std::to_string(app.updated_at) + ")");
  }

  // A database file at `db` as a build that knew migrations 1..`version` left it.
  static void create_legacy_database(const std::filesystem::path& db, int version) {
    RawDb raw(db, /*create=*/true);
    raw.exec(
        "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
        "name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
    for (const Migration& m : embedded_migrations()) {
      if (m.version > version) break;
      raw.exec(std::string(m.sql));
      raw.exec("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", '" +
               std::string(m.name) + "', 1700000000)");
    }
  }

  // Inserts a user (and optionally its identity) through the only door the Store has for users.
  void add_user(const User& user, std::optional<Identity> identity = std::nullopt) {
    LoginCommit commit;
    commit.new_user = user;
    commit.new_identity = std::move(identity);
    commit.now = 1700000000;
    ASSERT_EQ(store_->commit_login(commit), CommitResult::kOk);
  }

  // Inserts a flow state (commit_login is also the only door for those).
  void add_flow(const FlowState& flow) {
    LoginCommit commit;
    commit.new_flow = flow;
    commit.now = flow.created_at;
    ASSERT_EQ(store_->commit_login(commit), CommitResult::kOk);
  }

  Sealer sealer_{master_key('k')};
  std::filesystem::path dir_;
  std::filesystem::path path_;
  std::unique_ptr<Store> store_;
};

}  // namespace ciamd::testing_support
