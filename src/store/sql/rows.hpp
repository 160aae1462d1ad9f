// store/sql/rows: how each domain type maps to its table's columns, in one place.
//
// Each table's column list is written once, here; the SQL text for selects and inserts is built
// from it (select_sql, insert_sql), and bind_x binds ?1, ?2, ... in that same order while read_x
// reads a row selected with it. Adding a column means touching this file and a migration.
#pragma once

#include <string>
#include <string_view>

#include "core/model.hpp"
#include "store/sql/connection.hpp"
#include "store/store.hpp"

namespace ciamd {
class Sealer;
}

namespace ciamd::sql {

struct Table {
  std::string_view name;
  std::string_view columns;  // comma-separated, in bind/read order
};

inline constexpr Table kApplications{
    "applications",
    "client_id, name, enabled, unbound_policy, bind_methods, access_policy, mfa_policy, "
    "mfa_factors, wechat_appid, wechat_secret_sealed, wechat_session_ttl, miniprogram_appid, "
    "miniprogram_secret_sealed, miniprogram_session_ttl, weibo_app_key, weibo_session_ttl, "
    "id_token_ttl, id_token_alg, session_lifetime, session_max_lifetime, rotate_session_token, "
    "created_at, updated_at, tenant_id, allowed_country_codes, hourly_send_budget"};
inline constexpr Table kUsers{"users",
                              "id, username, name, mobile, email, status, created_at, updated_at"};
inline constexpr Table kIdentities{
    "identities", "provider, provider_app_id, subject, unionid, user_id, profile_json, created_at"};
inline constexpr Table kSessions{
    "sessions",
    "id, token_hash, user_id, client_id, provider, "
    "device_fingerprint, created_at, expires_at, last_refreshed_at, revoked"};
inline constexpr Table kFlowStates{"flow_states",
                                   "id, kind, client_id, provider, pending_identity_json, "
                                   "user_id, device_fingerprint, created_at, expires_at, consumed"};
inline constexpr Table kVerificationCodes{"verification_codes",
                                          "id, flow_id, purpose, target, code_hash, attempts, "
                                          "created_at, expires_at, used, revoked"};
inline constexpr Table kSigningKeys{"signing_keys",
                                    "kid, algorithm, sealed_private_key, state, created_at, "
                                    "activates_at, retired_at, publish_until"};
inline constexpr Table kUserDevices{"user_devices",
                                    "user_id, device_fingerprint, first_seen_at, last_seen_at"};
// Without id: the database assigns it (PostgreSQL's GENERATED ALWAYS would reject one), so inserts
// leave it out and selects read it after these columns (audit_select_sql).
inline constexpr Table kAuditEvents{
    "audit_events",
    "at, request_id, event, client_id, provider, user_id, "
    "outcome, device_fingerprint, peer_address, client_reported_ip, actor, target"};

// "SELECT <columns> FROM <table> <rest>"
std::string select_sql(const Table& table, std::string_view rest);
// "INSERT INTO <table> (<columns>) VALUES (?1, ?2, ...)"
std::string insert_sql(const Table& table);

// The WeChat and mini program secrets are sealed on the way in and opened on the way out (AAD: the
// client id, and the client id + "/miniprogram"); a secret that does not open (another master key,
// a copied row or column) throws StoreError.
void bind_application(Statement& stmt, const Application& app, const Sealer& sealer);
Application read_application(const Statement& row, const Sealer& sealer);

void bind_user(Statement& stmt, const User& user);
User read_user(const Statement& row);

void bind_identity(Statement& stmt, const Identity& identity);
Identity read_identity(const Statement& row);

void bind_session(Statement& stmt, const Session& session);
Session read_session(const Statement& row);

void bind_flow_state(Statement& stmt, const FlowState& flow);
FlowState read_flow_state(const Statement& row);

void bind_verification_code(Statement& stmt, const VerificationCode& code);
VerificationCode read_verification_code(const Statement& row);

void bind_signing_key(Statement& stmt, const SigningKeyRecord& key);
SigningKeyRecord read_signing_key(const Statement& row);

// "SELECT <kAuditEvents columns>, id FROM audit_events <rest>": the rows read_audit_event reads.
std::string audit_select_sql(std::string_view rest);
void bind_audit_event(Statement& stmt, const AuditEvent& event);  // ignores event.id
AuditEvent read_audit_event(const Statement& row);

}  // namespace ciamd::sql
