#include "render/records.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <ctime>

#include "core/phone.hpp"
#include "core/utf8.hpp"
#include "flows/admin/sessions.hpp"

namespace ciamd {
namespace {

// Whatever the database holds, a record is valid JSON text, which is UTF-8: rows written before
// the edge refused other bytes, or by hand, or by another tool, may hold anything, and one stray
// byte makes strict readers reject a whole listing or export.
boost::json::object valid_utf8(boost::json::object o) {
  make_valid_utf8(o);
  return o;
}

}  // namespace

boost::json::object application_json(const Application& app) {
  boost::json::array methods;
  for (BindMethod m : app.bind_methods) methods.emplace_back(to_string(m));
  boost::json::array factors;
  for (MfaFactor f : app.mfa_factors) factors.emplace_back(to_string(f));
  boost::json::object o;
  o["client_id"] = app.client_id;
  o["tenant_id"] = app.tenant_id;
  o["name"] = app.name;
  o["enabled"] = app.enabled;
  o["unbound"] = to_string(app.unbound);
  o["bind_methods"] = std::move(methods);
  o["access"] = to_string(app.access);
  o["mfa"] = to_string(app.mfa);
  o["mfa_factors"] = std::move(factors);
  o["wechat_appid"] = app.wechat.appid;
  o["wechat_secret_set"] = !app.wechat.secret.empty();
  o["miniprogram_appid"] = app.miniprogram.appid;
  o["miniprogram_secret_set"] = !app.miniprogram.secret.empty();
  o["weibo_app_key"] = app.weibo_app_key;
  o["id_token_ttl"] = app.id_token_ttl;
  o["wechat_session_ttl"] = app.wechat_session_ttl;
  o["miniprogram_session_ttl"] = app.miniprogram_session_ttl;
  o["weibo_session_ttl"] = app.weibo_session_ttl;
  o["id_token_alg"] = to_string(app.id_token_alg);
  o["session_lifetime"] = to_string(app.session_lifetime);
  o["session_max_lifetime"] = app.session_max_lifetime;
  o["rotate_session_token"] = app.rotate_session_token;
  boost::json::array countries;
  for (const std::string& code : app.allowed_country_codes) countries.emplace_back(code);
  o["allowed_country_codes"] = std::move(countries);
  o["hourly_send_budget"] = app.hourly_send_budget;
  o["created_at"] = app.created_at;
  o["updated_at"] = app.updated_at;
  return valid_utf8(std::move(o));
}

boost::json::object tenant_json(const Tenant& tenant) {
  boost::json::object o;
  o["id"] = tenant.id;
  o["name"] = tenant.name;
  o["created_at"] = tenant.created_at;
  o["updated_at"] = tenant.updated_at;
  return valid_utf8(std::move(o));
}

boost::json::object user_json(const User& user) {
  boost::json::object o;
  o["id"] = user.id;
  o["username"] = user.username;
  o["name"] = user.name;
  o["mobile"] = render_mobile(user.mobile);
  o["email"] = user.email;
  o["status"] = to_string(user.status);
  o["created_at"] = user.created_at;
  o["updated_at"] = user.updated_at;
  return valid_utf8(std::move(o));
}

boost::json::object session_json(const Session& session, UnixSeconds now) {
  boost::json::object o;
  o["id"] = session.id;
  o["user_id"] = session.user_id;
  o["client_id"] = session.client_id;
  o["provider"] = session.provider;
  o["device_fingerprint"] = session.device_fingerprint;
  o["created_at"] = session.created_at;
  o["expires_at"] = session.expires_at;
  o["last_refreshed_at"] = session.last_refreshed_at;
  o["state"] = session_state(session, now);
  return valid_utf8(std::move(o));
}

std::string iso_time(UnixSeconds t) {
  if (t == 0) return "";
  const std::time_t secs = static_cast<std::time_t>(t);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buf, n);
}

namespace {

boost::json::value time_json(UnixSeconds t) {
  if (t == 0) return nullptr;
  return boost::json::value(iso_time(t));
}

}  // namespace

boost::json::object identity_json(const Identity& identity) {
  boost::json::object o;
  o["provider"] = identity.provider;
  o["provider_app_id"] = identity.provider_app_id;
  o["subject"] = identity.subject;
  o["unionid"] = identity.unionid;
  o["user_id"] = identity.user_id;
  boost::system::error_code ec;
  boost::json::value profile = boost::json::parse(identity.profile_json, ec);
  o["profile"] = ec || !profile.is_object() ? boost::json::value(boost::json::object{}) : profile;
  o["created_at"] = identity.created_at;
  return valid_utf8(std::move(o));
}

boost::json::object audit_json(const AuditEvent& e) {
  boost::json::object o;
  o["id"] = e.id;
  o["at"] = e.at;
  o["request_id"] = e.request_id;
  o["event"] = e.event;
  o["client_id"] = e.client_id;
  o["provider"] = e.provider;
  o["user_id"] = e.user_id;
  o["outcome"] = e.outcome;
  o["device_fingerprint"] = e.device_fingerprint;
  o["peer_address"] = e.peer_address;
  o["client_reported_ip"] = e.client_reported_ip;
  o["actor"] = e.actor;
  o["target"] = e.target;
  return valid_utf8(std::move(o));
}

boost::json::object key_json(const SigningKeyRecord& r, const KeyStatus& s) {
  boost::json::object o;
  o["kid"] = r.kid;
  o["alg"] = r.algorithm;
  o["state"] = to_string(s.state);
  o["published"] = s.published;
  o["created_at"] = time_json(r.created_at);
  // Keys made before rotation existed sign from their creation.
  o["activates_at"] = time_json(r.activates_at != 0 ? r.activates_at : r.created_at);
  o["retired_at"] = time_json(r.retired_at);
  o["publish_until"] = time_json(r.publish_until);
  return valid_utf8(std::move(o));
}

boost::json::object admin_token_json(const AdminToken& token, UnixSeconds now) {
  boost::json::object o;
  o["id"] = token.id;
  o["name"] = token.name;
  o["created_at"] = time_json(token.created_at);
  o["expires_at"] = time_json(token.expires_at);
  o["revoked_at"] = time_json(token.revoked_at);
  const bool expired = token.expires_at != 0 && token.expires_at <= now;
  o["state"] = token.revoked_at != 0 ? "revoked" : expired ? "expired" : "active";
  return valid_utf8(std::move(o));
}

boost::json::object rotated_key_json(const RotatedKey& rotated) {
  boost::json::array replaces;
  for (const std::string& kid : rotated.replaces) replaces.emplace_back(kid);
  boost::json::object o;
  o["replaces"] = std::move(replaces);
  o["alg"] = rotated.algorithm;
  o["kid"] = rotated.kid;
  o["signs_from"] = iso_time(rotated.signs_from);
  o["replaced_in_jwks_until"] = iso_time(rotated.replaced_in_jwks_until);
  return o;
}

}  // namespace ciamd
