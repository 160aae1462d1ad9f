// store/sqlite/sqlite_store: the Store on SQLite (WAL mode), the embedded default.
//
// A pool of connections, each caching its prepared statements, makes every method safe to call
// from many threads: readers run side by side, writers take turns (BEGIN IMMEDIATE, waiting up to
// busy_timeout = 5 s). Prefer open_store() to constructing this directly.
#pragma once

#include <string>

#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace ciamd {

class SqliteStore final : public Store {
 public:
  static constexpr int kDefaultPoolSize = 8;

  // `path` is a file path or ":memory:" (which always gets a single connection: each in-memory
  // connection would be a database of its own). `sealer` must outlive the store.
  SqliteStore(const std::string& path, const Sealer& sealer, int pool_size = kDefaultPoolSize);

  int migrate() override;
  int schema_version() override;

  bool create_application(const Application& app) override;
  std::optional<Application> find_application(std::string_view client_id) override;
  std::vector<Application> list_applications() override;
  bool update_application(const Application& app) override;

  std::optional<User> find_user(std::string_view user_id) override;
  std::optional<User> find_user_by_mobile(std::string_view e164) override;
  std::optional<User> find_user_by_email(std::string_view lower_email) override;
  std::vector<User> list_users(int limit, int offset) override;
  bool set_user_status(std::string_view user_id, UserStatus status, UnixSeconds now) override;

  std::optional<Identity> find_identity(std::string_view provider, std::string_view provider_app_id,
                                        std::string_view subject) override;
  std::optional<Identity> find_identity_by_unionid(std::string_view provider,
                                                   std::string_view unionid) override;
  std::vector<Identity> list_identities(std::string_view user_id) override;

  bool is_known_device(std::string_view user_id, std::string_view fingerprint) override;

  bool assign_user(std::string_view client_id, std::string_view user_id) override;
  bool is_assigned(std::string_view client_id, std::string_view user_id) override;

  std::optional<Session> find_session_by_hash(std::string_view token_hash) override;
  std::optional<Session> find_session_by_retired_hash(std::string_view token_hash) override;
  bool refresh_session(const SessionRefresh& refresh) override;
  bool revoke_session(std::string_view session_id, UnixSeconds now) override;
  int revoke_user_sessions(std::string_view user_id, UnixSeconds now) override;
  std::optional<Session> find_session(std::string_view session_id) override;
  std::vector<Session> list_sessions(std::string_view user_id) override;
  PurgeCounts purge_expired(const PurgeRequest& request) override;

  std::optional<FlowState> find_flow_state(std::string_view flow_id) override;
  CommitResult commit_login(const LoginCommit& commit) override;

  void insert_verification_code(const VerificationCode& code) override;
  std::optional<VerificationCode> find_live_code(std::string_view flow_id, std::string_view purpose,
                                                 std::string_view target, UnixSeconds now) override;
  int record_failed_attempt(std::string_view code_id, int max_attempts) override;

  void record_send(std::string_view key, UnixSeconds at) override;
  int count_sends(std::string_view key, UnixSeconds since) override;

  std::vector<SigningKeyRecord> list_signing_keys() override;
  void insert_signing_key(const SigningKeyRecord& key) override;
  void rotate_signing_key(const SigningKeyRecord& next, UnixSeconds publish_until) override;
  void reseal_secrets(const Sealer& from, const Sealer& to) override;  // sqlite_reseal.cpp

  void append_audit_event(const AuditEvent& event) override;
  // Newest first.
  std::vector<AuditEvent> recent_audit_events(int limit) override;

  // The admin API's methods, in sqlite_admin.cpp.
  std::vector<AuditEvent> query_audit_events(const AuditQuery& query) override;
  void insert_admin_token(const AdminToken& token) override;
  std::optional<AdminToken> find_admin_token_by_hash(std::string_view token_hash) override;
  std::vector<AdminToken> list_admin_tokens() override;
  bool revoke_admin_token(std::string_view id, UnixSeconds now) override;
  std::vector<User> find_users(std::string_view term, std::string_view after_id,
                               int limit) override;
  CommitResult update_user(const User& user) override;
  bool delete_user(std::string_view user_id) override;
  bool unlink_identity(std::string_view provider, std::string_view provider_app_id,
                       std::string_view subject) override;
  bool unassign_user(std::string_view client_id, std::string_view user_id) override;
  std::vector<std::string> assigned_users(std::string_view client_id) override;

  // Tenants, in sqlite_tenants.cpp.
  bool create_tenant(const Tenant& tenant) override;
  std::optional<Tenant> find_tenant(std::string_view id) override;
  std::vector<Tenant> list_tenants() override;
  bool update_tenant(const Tenant& tenant) override;

 private:
  sqlite::ConnectionPool pool_;
  const Sealer& sealer_;
};

}  // namespace ciamd
