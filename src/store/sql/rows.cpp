#include "store/sql/rows.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "tokens/sealer.hpp"

namespace ciamd::sql {
namespace {

// Enum columns hold names (readable in the database, stable across reorderings of the enums);
// a name this build does not know means a newer or damaged database, which must not pass as a
// default.
template <class T>
T known(std::optional<T> value, std::string_view column, const std::string& text) {
  if (!value) throw StoreError("store: unknown value '" + text + "' in " + std::string(column));
  return *value;
}

std::optional<UserStatus> parse_user_status(std::string_view s) {
  if (s == to_string(UserStatus::kActive)) return UserStatus::kActive;
  if (s == to_string(UserStatus::kDisabled)) return UserStatus::kDisabled;
  return std::nullopt;
}

// A list of enum values as the CSV of their names ("VERIFY_PHONE,VERIFY_EMAIL", "SMS,EMAIL").
template <class T>
std::string names_csv(const std::vector<T>& values) {
  std::string csv;
  for (T v : values) {
    if (!csv.empty()) csv += ',';
    csv += to_string(v);
  }
  return csv;
}

std::string join_csv(const std::vector<std::string>& values) {
  std::string csv;
  for (const std::string& v : values) {
    if (!csv.empty()) csv += ',';
    csv += v;
  }
  return csv;
}

// "" is the empty list (flows/admin/applications never stores one; the store keeps what it gets).
std::vector<std::string> split_csv(const std::string& csv) {
  std::vector<std::string> values;
  for (std::size_t from = 0; from < csv.size();) {
    const std::size_t comma = std::min(csv.find(',', from), csv.size());
    values.push_back(csv.substr(from, comma - from));
    from = comma + 1;
  }
  return values;
}

std::vector<BindMethod> read_bind_methods(const std::string& csv) {
  if (csv.empty()) return {};  // parse_bind_methods rejects an empty list; an app may have one
  return known(parse_bind_methods(csv), "applications.bind_methods", csv);
}

// flows/admin/applications never stores an empty list, but the store keeps what it is given: an
// empty list reads back empty, not as the defaults, so that a round trip is exact.
std::vector<MfaFactor> read_mfa_factors(const std::string& csv) {
  if (csv.empty()) return {};
  return known(parse_mfa_factors(csv), "applications.mfa_factors", csv);
}

// The pending identity of a flow, as JSON. profile_json travels as a string, not a nested object,
// so that it comes back byte for byte.
std::string identity_to_json(const Identity& identity) {
  boost::json::object o;
  o["provider"] = identity.provider;
  o["provider_app_id"] = identity.provider_app_id;
  o["subject"] = identity.subject;
  o["unionid"] = identity.unionid;
  o["user_id"] = identity.user_id;
  o["profile_json"] = identity.profile_json;
  o["created_at"] = identity.created_at;
  return boost::json::serialize(o);
}

std::string json_string(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    throw StoreError("store: flow_states.pending_identity_json: '" + std::string(key) +
                     "' is not a string");
  }
  return std::string(v->get_string());
}

Identity identity_from_json(const std::string& text) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_object()) {
    throw StoreError("store: flow_states.pending_identity_json is not a JSON object");
  }
  const auto& o = parsed.get_object();
  Identity identity;
  identity.provider = json_string(o, "provider");
  identity.provider_app_id = json_string(o, "provider_app_id");
  identity.subject = json_string(o, "subject");
  identity.unionid = json_string(o, "unionid");
  identity.user_id = json_string(o, "user_id");
  identity.profile_json = json_string(o, "profile_json");
  if (const boost::json::value* at = o.if_contains("created_at")) {
    if (!at->is_int64()) {
      throw StoreError("store: flow_states.pending_identity_json: 'created_at' is not an integer");
    }
    identity.created_at = at->get_int64();
  }
  return identity;
}

// The AAD of each sealed secret column. The two differ so that a sealed value moved from one
// column to the other does not open; "/" cannot occur in a client id (flows/admin/applications
// allows [A-Za-z0-9_-]), so no application's WeChat AAD equals another's mini program AAD.
std::string wechat_secret_aad(const std::string& client_id) {
  return client_id;
}
std::string miniprogram_secret_aad(const std::string& client_id) {
  return client_id + "/miniprogram";
}

std::string seal_secret(const Sealer& sealer, const std::string& secret, const std::string& aad) {
  return secret.empty() ? std::string() : sealer.seal(secret, aad);
}

std::string open_secret(const Sealer& sealer, const std::string& sealed, const std::string& aad,
                        std::string_view what, const std::string& client_id) {
  if (sealed.empty()) return {};
  auto secret = sealer.open(sealed, aad);
  if (!secret) {
    throw StoreError("store: the " + std::string(what) + " secret of application '" + client_id +
                     "' does not open (a different master key, or a damaged or copied value)");
  }
  return std::move(*secret);
}

}  // namespace

std::string select_sql(const Table& table, std::string_view rest) {
  std::string sql = "SELECT ";
  sql += table.columns;
  sql += " FROM ";
  sql += table.name;
  sql += ' ';
  sql += rest;
  return sql;
}

std::string insert_sql(const Table& table) {
  std::string sql = "INSERT INTO ";
  sql += table.name;
  sql += " (";
  sql += table.columns;
  sql += ") VALUES (";
  int count = 1;
  for (char c : table.columns) count += c == ',' ? 1 : 0;
  for (int i = 1; i <= count; ++i) {
    if (i > 1) sql += ", ";
    sql += '?';
    sql += std::to_string(i);
  }
  sql += ')';
  return sql;
}

void bind_application(Statement& stmt, const Application& app, const Sealer& sealer) {
  stmt.bind_all(app.client_id, app.name, app.enabled, to_string(app.unbound),
                names_csv(app.bind_methods), to_string(app.access), to_string(app.mfa),
                names_csv(app.mfa_factors), app.wechat.appid,
                seal_secret(sealer, app.wechat.secret, wechat_secret_aad(app.client_id)),
                app.wechat_session_ttl, app.miniprogram.appid,
                seal_secret(sealer, app.miniprogram.secret, miniprogram_secret_aad(app.client_id)),
                app.miniprogram_session_ttl, app.weibo_app_key, app.weibo_session_ttl,
                app.id_token_ttl, to_string(app.id_token_alg), to_string(app.session_lifetime),
                app.session_max_lifetime, app.rotate_session_token, app.created_at, app.updated_at,
                app.tenant_id, join_csv(app.allowed_country_codes), app.hourly_send_budget);
}

Application read_application(const Statement& row, const Sealer& sealer) {
  Application app;
  app.client_id = row.text(0);
  app.name = row.text(1);
  app.enabled = row.int64(2) != 0;
  app.unbound =
      known(parse_unbound_policy(row.text(3)), "applications.unbound_policy", row.text(3));
  app.bind_methods = read_bind_methods(row.text(4));
  app.access = known(parse_access_policy(row.text(5)), "applications.access_policy", row.text(5));
  app.mfa = known(parse_mfa_policy(row.text(6)), "applications.mfa_policy", row.text(6));
  app.mfa_factors = read_mfa_factors(row.text(7));
  app.wechat.appid = row.text(8);
  app.wechat.secret =
      open_secret(sealer, row.text(9), wechat_secret_aad(app.client_id), "WeChat", app.client_id);
  app.wechat_session_ttl = row.int64(10);
  app.miniprogram.appid = row.text(11);
  app.miniprogram.secret = open_secret(sealer, row.text(12), miniprogram_secret_aad(app.client_id),
                                       "mini program", app.client_id);
  app.miniprogram_session_ttl = row.int64(13);
  app.weibo_app_key = row.text(14);
  app.weibo_session_ttl = row.int64(15);
  app.id_token_ttl = row.int64(16);
  app.id_token_alg =
      known(parse_id_token_alg(row.text(17)), "applications.id_token_alg", row.text(17));
  app.session_lifetime =
      known(parse_session_lifetime(row.text(18)), "applications.session_lifetime", row.text(18));
  app.session_max_lifetime = row.int64(19);
  app.rotate_session_token = row.int64(20) != 0;
  app.created_at = row.int64(21);
  app.updated_at = row.int64(22);
  app.tenant_id = row.text(23);
  app.allowed_country_codes = split_csv(row.text(24));
  app.hourly_send_budget = row.int64(25);
  return app;
}

void bind_user(Statement& stmt, const User& user) {
  stmt.bind_all(user.id, user.username, user.name, NullIfEmpty{user.mobile},
                NullIfEmpty{user.email}, to_string(user.status), user.created_at, user.updated_at);
}

User read_user(const Statement& row) {
  User user;
  user.id = row.text(0);
  user.username = row.text(1);
  user.name = row.text(2);
  user.mobile = row.text(3);
  user.email = row.text(4);
  user.status = known(parse_user_status(row.text(5)), "users.status", row.text(5));
  user.created_at = row.int64(6);
  user.updated_at = row.int64(7);
  return user;
}

void bind_identity(Statement& stmt, const Identity& identity) {
  stmt.bind_all(identity.provider, identity.provider_app_id, identity.subject,
                NullIfEmpty{identity.unionid}, identity.user_id, identity.profile_json,
                identity.created_at);
}

Identity read_identity(const Statement& row) {
  Identity identity;
  identity.provider = row.text(0);
  identity.provider_app_id = row.text(1);
  identity.subject = row.text(2);
  identity.unionid = row.text(3);
  identity.user_id = row.text(4);
  identity.profile_json = row.text(5);
  identity.created_at = row.int64(6);
  return identity;
}

void bind_session(Statement& stmt, const Session& session) {
  stmt.bind_all(session.id, session.token_hash, session.user_id, session.client_id,
                session.provider, session.device_fingerprint, session.created_at,
                session.expires_at, session.last_refreshed_at, session.revoked);
}

Session read_session(const Statement& row) {
  Session session;
  session.id = row.text(0);
  session.token_hash = row.text(1);
  session.user_id = row.text(2);
  session.client_id = row.text(3);
  session.provider = row.text(4);
  session.device_fingerprint = row.text(5);
  session.created_at = row.int64(6);
  session.expires_at = row.int64(7);
  session.last_refreshed_at = row.int64(8);
  session.revoked = row.int64(9) != 0;
  return session;
}

void bind_flow_state(Statement& stmt, const FlowState& flow) {
  stmt.bind_all(flow.id, to_string(flow.kind), flow.client_id, flow.provider,
                identity_to_json(flow.pending_identity), NullIfEmpty{flow.user_id},
                flow.device_fingerprint, flow.created_at, flow.expires_at, flow.consumed);
}

FlowState read_flow_state(const Statement& row) {
  FlowState flow;
  flow.id = row.text(0);
  flow.kind = known(parse_flow_kind(row.text(1)), "flow_states.kind", row.text(1));
  flow.client_id = row.text(2);
  flow.provider = row.text(3);
  flow.pending_identity = identity_from_json(row.text(4));
  flow.user_id = row.text(5);
  flow.device_fingerprint = row.text(6);
  flow.created_at = row.int64(7);
  flow.expires_at = row.int64(8);
  flow.consumed = row.int64(9) != 0;
  return flow;
}

void bind_verification_code(Statement& stmt, const VerificationCode& code) {
  stmt.bind_all(code.id, code.flow_id, code.purpose, code.target, code.code_hash, code.attempts,
                code.created_at, code.expires_at, code.used, code.revoked);
}

VerificationCode read_verification_code(const Statement& row) {
  VerificationCode code;
  code.id = row.text(0);
  code.flow_id = row.text(1);
  code.purpose = row.text(2);
  code.target = row.text(3);
  code.code_hash = row.text(4);
  code.attempts = static_cast<int>(row.int64(5));
  code.created_at = row.int64(6);
  code.expires_at = row.int64(7);
  code.used = row.int64(8) != 0;
  code.revoked = row.int64(9) != 0;
  return code;
}

void bind_signing_key(Statement& stmt, const SigningKeyRecord& key) {
  stmt.bind_all(key.kid, key.algorithm, key.sealed_private_key, key.state, key.created_at,
                key.activates_at);
  // retired_at: 0 in the record means "not retired", which the table says with NULL (001 made the
  // column nullable; publish_until, added by 005, says it with 0).
  if (key.retired_at == 0) {
    stmt.bind(7, nullptr);
  } else {
    stmt.bind(7, key.retired_at);
  }
  stmt.bind(8, key.publish_until);
}

SigningKeyRecord read_signing_key(const Statement& row) {
  SigningKeyRecord key;
  key.kid = row.text(0);
  key.algorithm = row.text(1);
  key.sealed_private_key = row.text(2);
  key.state = row.text(3);
  key.created_at = row.int64(4);
  key.activates_at = row.int64(5);
  key.retired_at = row.int64(6);
  key.publish_until = row.int64(7);
  return key;
}

std::string audit_select_sql(std::string_view rest) {
  std::string sql = "SELECT ";
  sql += kAuditEvents.columns;
  sql += ", id FROM ";
  sql += kAuditEvents.name;
  sql += ' ';
  sql += rest;
  return sql;
}

void bind_audit_event(Statement& stmt, const AuditEvent& event) {
  stmt.bind_all(event.at, event.request_id, event.event, event.client_id, event.provider,
                event.user_id, event.outcome, event.device_fingerprint, event.peer_address,
                event.client_reported_ip, event.actor, event.target);
}

AuditEvent read_audit_event(const Statement& row) {
  AuditEvent event;
  event.at = row.int64(0);
  event.request_id = row.text(1);
  event.event = row.text(2);
  event.client_id = row.text(3);
  event.provider = row.text(4);
  event.user_id = row.text(5);
  event.outcome = row.text(6);
  event.device_fingerprint = row.text(7);
  event.peer_address = row.text(8);
  event.client_reported_ip = row.text(9);
  event.actor = row.text(10);
  event.target = row.text(11);
  event.id = row.int64(12);
  return event;
}

}  // namespace ciamd::sql
