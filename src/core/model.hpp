// core/model: the domain types every layer speaks. Plain values; no I/O.
//
// Times are Unix seconds (int64). Phone numbers are E.164 ("+8615907132852"); the API renders them
// as "+86-15907132852". Provider app secrets are held in memory in clear and stored encrypted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ciamd {

using UnixSeconds = std::int64_t;

// What a social login does with an identity that no user is linked to yet.
enum class UnboundPolicy { kRegister, kBind, kAutoCreate, kReject };
// Who may log in to an application.
enum class AccessPolicy { kAll, kAssigned };
// When an application asks for a second factor.
enum class MfaPolicy { kOff, kAlways, kNewDevice };
// A second factor an application accepts (docs/api.md "The second factor: MFA_AUTH").
enum class MfaFactor { kSms, kEmail };
// How a session's lifetime runs: `fixed` ends `expire` seconds after the login whatever happens;
// `sliding` restarts the lifetime at every refresh, up to the application's session_max_lifetime.
enum class SessionLifetime { kFixed, kSliding };

// The algorithm an application's id_tokens are signed with (docs/api.md "Tokens": RS256 by
// default).
enum class IdTokenAlg { kRS256, kES256 };

// How a pending social identity proves which user it belongs to.
enum class BindMethod { kVerifyPhone, kVerifyEmail };

std::string_view to_string(UnboundPolicy p);
std::string_view to_string(AccessPolicy p);
std::string_view to_string(MfaPolicy p);
std::string_view to_string(BindMethod m);       // "VERIFY_PHONE", "VERIFY_EMAIL"
std::string_view to_string(MfaFactor f);        // "SMS", "EMAIL"
std::string_view to_string(SessionLifetime l);  // "fixed", "sliding"
std::string_view to_string(IdTokenAlg a);       // "RS256", "ES256"
std::optional<UnboundPolicy> parse_unbound_policy(std::string_view s);      // "register", ...
std::optional<AccessPolicy> parse_access_policy(std::string_view s);        // "all", "assigned"
std::optional<MfaPolicy> parse_mfa_policy(std::string_view s);              // "off", "always", ...
std::optional<SessionLifetime> parse_session_lifetime(std::string_view s);  // "fixed", "sliding"
std::optional<IdTokenAlg> parse_id_token_alg(std::string_view s);           // "RS256", "ES256"
std::optional<BindMethod> parse_bind_method(std::string_view s);            // "VERIFY_PHONE", ...
// "VERIFY_PHONE,VERIFY_EMAIL" -> list; nullopt when any item is unknown or the list is empty.
std::optional<std::vector<BindMethod>> parse_bind_methods(std::string_view csv);
// "SMS,EMAIL" -> list (repeats dropped); nullopt when any item is unknown or the list is empty.
std::optional<std::vector<MfaFactor>> parse_mfa_factors(std::string_view csv);

struct WechatCredentials {
  std::string appid;
  std::string secret;
  bool configured() const { return !appid.empty() && !secret.empty(); }
};

// Defaults from docs/api.md ("Results of a login", "Tokens"): WeChat sessions live 5 days, Weibo
// 7, id_tokens 5 minutes.
inline constexpr std::int64_t kDefaultWechatSessionTtl = 432000;
inline constexpr std::int64_t kDefaultWeiboSessionTtl = 604800;
inline constexpr std::int64_t kDefaultIdTokenTtl = 300;
// A sliding session never outlives this many seconds after its login (30 days), however often
// it is refreshed.
inline constexpr std::int64_t kDefaultSessionMaxLifetime = 2592000;
// Codes (SMS and email) an application may send in any hour, across every node: a ceiling on what
// an SMS pumping attack can cost that no client can raise (docs/api.md "Verification codes").
inline constexpr std::int64_t kDefaultHourlySendBudget = 1000;

// An organisation whose applications an operator manages together. Every application belongs to
// one; databases from before tenants put them all in kDefaultTenant.
struct Tenant {
  std::string id;
  std::string name;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};
inline constexpr std::string_view kDefaultTenant = "default";

struct Application {
  std::string client_id;
  std::string tenant_id{kDefaultTenant};
  std::string name;
  bool enabled = true;
  UnboundPolicy unbound = UnboundPolicy::kRegister;
  std::vector<BindMethod> bind_methods{BindMethod::kVerifyPhone, BindMethod::kVerifyEmail};
  AccessPolicy access = AccessPolicy::kAll;
  MfaPolicy mfa = MfaPolicy::kOff;
  std::vector<MfaFactor> mfa_factors{MfaFactor::kSms, MfaFactor::kEmail};
  WechatCredentials wechat;       // the WeChat Open Platform mobile app
  WechatCredentials miniprogram;  // the WeChat mini program (same Open Platform account or not)
  std::string weibo_app_key;      // Weibo tokens must have been issued to this app key
  std::int64_t wechat_session_ttl = kDefaultWechatSessionTtl;
  std::int64_t miniprogram_session_ttl = kDefaultWechatSessionTtl;
  std::int64_t weibo_session_ttl = kDefaultWeiboSessionTtl;
  std::int64_t id_token_ttl = kDefaultIdTokenTtl;
  IdTokenAlg id_token_alg = IdTokenAlg::kRS256;
  SessionLifetime session_lifetime = SessionLifetime::kFixed;
  std::int64_t session_max_lifetime = kDefaultSessionMaxLifetime;  // cap of a sliding session
  // A refresh hands out a new session token and retires the presented one; presenting a retired
  // token again revokes the session (a stolen token was used, by the thief or the owner).
  bool rotate_session_token = false;
  // The country calling codes ("86", "852", "1") whose numbers get SMS codes; any other number is
  // refused before anything is sent. Mainland China only unless the operator adds more.
  std::vector<std::string> allowed_country_codes{"86"};
  std::int64_t hourly_send_budget = kDefaultHourlySendBudget;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

enum class UserStatus { kActive, kDisabled };
std::string_view to_string(UserStatus s);  // "active", "disabled"

struct User {
  std::string id;
  std::string username;
  std::string name;
  std::string mobile;  // E.164 or empty
  std::string email;   // lower case or empty
  UserStatus status = UserStatus::kActive;
  UnixSeconds created_at = 0;
  UnixSeconds updated_at = 0;
};

// Provider names as stored on identities.
inline constexpr std::string_view kProviderWechat = "wechat";  // app and mini program share it
inline constexpr std::string_view kProviderWeibo = "weibo";
// How a session was started (sessions.provider, flow_states.provider, the audit trail): the
// provider's name, except the mini program, whose identities are WeChat's but whose sessions have
// a lifetime of their own.
inline constexpr std::string_view kLoginWechatMiniProgram = "wechat-miniprogram";

// A social identity. Keyed on (provider, provider_app_id, subject); WeChat's unionid is a second
// key, unique when present, so one person across an Open Platform account's apps is one user.
struct Identity {
  std::string provider;
  std::string provider_app_id;
  std::string subject;       // openid or Weibo uid
  std::string unionid;       // may be empty
  std::string user_id;       // empty while pending (not linked)
  std::string profile_json;  // the provider's profile, as a JSON object
  UnixSeconds created_at = 0;
};

// A login session. Only the SHA-256 of the token is ever stored.
struct Session {
  std::string id;
  std::string token_hash;
  std::string user_id;
  std::string client_id;
  std::string provider;
  std::string device_fingerprint;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
  UnixSeconds last_refreshed_at = 0;  // 0: never refreshed
  bool revoked = false;
};

// The server-side record behind a state token.
enum class FlowKind { kSocialRegister, kSocialBind, kMfa };
std::string_view to_string(FlowKind k);  // "social_register", "social_bind", "mfa"
std::optional<FlowKind> parse_flow_kind(std::string_view s);

struct FlowState {
  std::string id;  // the state token's jti
  FlowKind kind = FlowKind::kSocialRegister;
  std::string client_id;
  std::string provider;
  Identity pending_identity;  // for bind/register flows
  std::string user_id;        // for MFA flows
  std::string device_fingerprint;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
  bool consumed = false;
};

// One row of the audit trail: an SDK call (event "login", "sms_send", "session_refresh", ...) or
// an admin API call (event "admin": `actor` names the admin token, `target` the method and path,
// `outcome` the HTTP status).
struct AuditEvent {
  std::int64_t id = 0;  // assigned by the store; increasing, the cursor of audit queries
  UnixSeconds at = 0;
  std::string request_id;
  std::string event;  // "login", "admin", ...
  std::string client_id;
  std::string provider;
  std::string user_id;
  std::string outcome;  // "SUCCESS", "USER_REGISTER", ..., or an error code
  std::string device_fingerprint;
  std::string peer_address;
  std::string client_reported_ip;  // X-device-ip: recorded, never trusted
  std::string actor;               // the admin token's name for admin calls, else ""
  std::string target;              // "POST /admin/v1/applications" for admin calls, else ""
};

// An admin API credential. The token itself is shown once at creation; only its SHA-256 is kept.
struct AdminToken {
  std::string id;
  std::string name;
  std::string token_hash;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;  // 0: never
  UnixSeconds revoked_at = 0;  // 0: not revoked
};

}  // namespace ciamd
