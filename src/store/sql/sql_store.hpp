// store/sql/sql_store: the Store (every role) on a SQL database, written once for both backends
// (SQLite, the embedded default, and PostgreSQL, for several nodes): store/sql/connection.hpp is
// the surface it uses and says which SQL both read.
//
// A pool of connections, each caching its prepared statements, makes every method safe to call
// from many threads. Prefer open_store() to constructing this directly.
//
// Concurrency, on both backends: a write that must happen once (consuming a code or a state
// token, refreshing a session) is a conditional UPDATE whose WHERE clause is the whole check, and
// "exists already" is a UNIQUE key, so the database settles races, not a read before the write.
// Where a transaction reads and then writes (a new verification code replacing the live one, a
// key rotation, a purge batch), it first takes Connection::lock_key on what it touches.
#pragma once

#include <memory>
#include <string>

#include "store/sql/connection.hpp"
#include "store/store.hpp"

namespace ciamd {

class SqlStore final : public Store {
 public:
  // `sealer` must outlive the store.
  SqlStore(std::unique_ptr<sql::ConnectionPool> pool, const Sealer& sealer);

  int migrate() override;
  int schema_version() override;

  bool create_application(const Application& app) override;
  std::optional<Application> find_application(std::string_view client_id) override;
  std::vector<Application> list_applications() override;
  bool update_application(const Application& app) override;

  std::optional<User> find_user(std::string_view user_id) override;
  std::optional<User> find_user_by_mobile(std::string_view e164) override;
  std::optional<User> find_user_by_email(std::string_view lower_email) override;
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

  void record_send(std::string_view key, std::string_view target, UnixSeconds at) override;
  int count_sends(std::string_view key, UnixSeconds since) override;
  int count_other_targets(std::string_view key, std::string_view target,
                          UnixSeconds since) override;

  // Leases and shared server tokens, in sql_shared.cpp.
  bool acquire_lease(std::string_view name, std::string_view holder, UnixSeconds now,
                     UnixSeconds until) override;
  void release_lease(std::string_view name, std::string_view holder) override;
  std::optional<SharedServerToken> find_server_token(std::string_view appid) override;
  void save_server_token(const SharedServerToken& token) override;

  std::vector<SigningKeyRecord> list_signing_keys() override;
  void insert_signing_key(const SigningKeyRecord& key) override;
  bool insert_first_signing_key(const SigningKeyRecord& key) override;
  void rotate_signing_key(const SigningKeyRecord& next, UnixSeconds publish_until) override;
  void reseal_secrets(const Sealer& from, const Sealer& to) override;  // sql_reseal.cpp

  void append_audit_event(const AuditEvent& event) override;
  // Newest first.
  std::vector<AuditEvent> recent_audit_events(int limit) override;

  // The admin API's methods, in sql_admin.cpp.
  std::vector<AuditEvent> query_audit_events(const AuditQuery& query) override;
  void insert_admin_token(const AdminToken& token) override;
  std::optional<AdminToken> find_admin_token_by_hash(std::string_view token_hash) override;
  std::vector<AdminToken> list_admin_tokens() override;
  bool revoke_admin_token(std::string_view id, UnixSeconds now) override;
  std::vector<User> find_users(std::string_view term, std::string_view after_id,
                               int limit) override;
  UserUpdate update_user(const User& user) override;
  bool delete_user(std::string_view user_id) override;
  bool unlink_identity(std::string_view provider, std::string_view provider_app_id,
                       std::string_view subject) override;
  bool unassign_user(std::string_view client_id, std::string_view user_id) override;
  std::vector<std::string> assigned_users(std::string_view client_id) override;

  // Tenants, in sql_tenants.cpp.
  bool create_tenant(const Tenant& tenant) override;
  std::optional<Tenant> find_tenant(std::string_view id) override;
  std::vector<Tenant> list_tenants() override;
  bool update_tenant(const Tenant& tenant) override;

 private:
  std::unique_ptr<sql::ConnectionPool> pool_;
  const Sealer& sealer_;
};

}  // namespace ciamd
