#include "app/json_out.hpp"

#include <boost/json/array.hpp>

#include "core/phone.hpp"
#include "flows/admin_sessions.hpp"

namespace ciamd {

boost::json::object application_json(const Application& app) {
  boost::json::array methods;
  for (BindMethod m : app.bind_methods) methods.emplace_back(to_string(m));
  boost::json::array factors;
  for (MfaFactor f : app.mfa_factors) factors.emplace_back(to_string(f));
  boost::json::object o;
  o["client_id"] = app.client_id;
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
  o["created_at"] = app.created_at;
  o["updated_at"] = app.updated_at;
  return o;
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
  return o;
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
  return o;
}

}  // namespace ciamd
