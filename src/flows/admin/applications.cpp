#include "flows/admin/applications.hpp"

#include <algorithm>

#include "flows/ids.hpp"
#include "store/store.hpp"

namespace ciamd {
namespace {

// Ten years: longer sessions are a misconfiguration, not a policy.
constexpr std::int64_t kMaxSessionTtl = 10LL * 365 * 24 * 3600;
constexpr std::int64_t kMaxIdTokenTtl = 86400;

ApiError invalid(std::string what) {
  return ApiError{ErrorCode::kAdminInvalidArgument, std::move(what)};
}

// Characters, not bytes: a Chinese name of 128 characters is as valid as an English one.
std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool valid_id(const std::string& id, std::size_t min_size) {
  return id.size() >= min_size && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
         });
}

bool valid_client_id(const std::string& id) {
  return valid_id(id, 8);
}

std::optional<ApiError> check_name(const std::string& name) {
  if (utf8_length(name) < 1 || utf8_length(name) > 128) {
    return invalid("name must be 1 to 128 characters");
  }
  return std::nullopt;
}

// Weibo app keys are numeric; anything else is a typo (or another provider's id) that would only
// show up as every Weibo login failing.
bool valid_weibo_app_key(const std::string& key) {
  return std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<ApiError> check_ttl(const std::optional<std::int64_t>& v, std::int64_t max,
                                  const char* name) {
  if (v && (*v < 60 || *v > max)) {
    return invalid(std::string(name) + " must be between 60 and " + std::to_string(max) +
                   " seconds");
  }
  return std::nullopt;
}

// Applies a change of appid and/or secret. The check is on the result, not on the change: an
// update may set only the secret of an app that has an appid, but never leave one without the
// other (half a credential is a login that fails at the provider, not at configuration time).
std::optional<ApiError> apply_credentials(const std::optional<std::string>& appid,
                                          const std::optional<std::string>& secret,
                                          const char* name, WechatCredentials& credentials) {
  if (appid) credentials.appid = *appid;
  if (secret) credentials.secret = *secret;
  if (credentials.appid.empty() != credentials.secret.empty()) {
    return invalid(std::string(name) + " appid and secret must be given together");
  }
  return std::nullopt;
}

// Applies `c` onto `app`; an error names the first invalid field.
std::optional<ApiError> apply(const AppChanges& c, Application& app) {
  if (c.name) {
    if (auto e = check_name(*c.name)) return e;
    app.name = *c.name;
  }
  if (c.unbound) {
    auto p = parse_unbound_policy(*c.unbound);
    if (!p) return invalid("unbound must be register, bind, auto_create or reject");
    app.unbound = *p;
  }
  if (c.bind_methods) {
    auto m = parse_bind_methods(*c.bind_methods);
    if (!m) return invalid("bind methods must be a list of VERIFY_PHONE and VERIFY_EMAIL");
    app.bind_methods = *m;
  }
  if (c.access) {
    auto p = parse_access_policy(*c.access);
    if (!p) return invalid("access must be all or assigned");
    app.access = *p;
  }
  if (c.mfa) {
    auto p = parse_mfa_policy(*c.mfa);
    if (!p) return invalid("mfa must be off, always or new_device");
    app.mfa = *p;
  }
  if (c.mfa_factors) {
    auto f = parse_mfa_factors(*c.mfa_factors);
    if (!f) return invalid("mfa factors must be a list of SMS and EMAIL");
    app.mfa_factors = *f;
  }
  if (c.weibo_app_key) {
    if (!valid_weibo_app_key(*c.weibo_app_key)) return invalid("weibo app key must be digits");
    app.weibo_app_key = *c.weibo_app_key;
  }
  if (auto e = check_ttl(c.id_token_ttl, kMaxIdTokenTtl, "id token ttl")) return e;
  if (auto e = check_ttl(c.wechat_session_ttl, kMaxSessionTtl, "wechat session ttl")) return e;
  if (auto e = check_ttl(c.miniprogram_session_ttl, kMaxSessionTtl, "miniprogram session ttl")) {
    return e;
  }
  if (auto e = check_ttl(c.weibo_session_ttl, kMaxSessionTtl, "weibo session ttl")) return e;
  if (c.id_token_ttl) app.id_token_ttl = *c.id_token_ttl;
  if (c.wechat_session_ttl) app.wechat_session_ttl = *c.wechat_session_ttl;
  if (c.miniprogram_session_ttl) app.miniprogram_session_ttl = *c.miniprogram_session_ttl;
  if (c.weibo_session_ttl) app.weibo_session_ttl = *c.weibo_session_ttl;
  if (c.id_token_alg) {
    auto a = parse_id_token_alg(*c.id_token_alg);
    if (!a) return invalid("id token alg must be RS256 or ES256");
    app.id_token_alg = *a;
  }
  if (c.session_lifetime) {
    auto l = parse_session_lifetime(*c.session_lifetime);
    if (!l) return invalid("session lifetime must be fixed or sliding");
    app.session_lifetime = *l;
  }
  if (auto e = check_ttl(c.session_max_lifetime, kMaxSessionTtl, "session max lifetime")) return e;
  if (c.session_max_lifetime) app.session_max_lifetime = *c.session_max_lifetime;
  if (c.rotate_session_token) app.rotate_session_token = *c.rotate_session_token;
  if (auto e = apply_credentials(c.wechat_appid, c.wechat_secret, "wechat", app.wechat)) return e;
  if (auto e = apply_credentials(c.miniprogram_appid, c.miniprogram_secret, "miniprogram",
                                 app.miniprogram)) {
    return e;
  }
  if (c.enabled) app.enabled = *c.enabled;
  if (c.tenant_id) app.tenant_id = *c.tenant_id;
  return std::nullopt;
}

}  // namespace

// An application's tenant must exist: the column has no foreign key (007_tenants.sql says why).
std::optional<ApiError> check_tenant(Store& store, const AppChanges& c) {
  if (c.tenant_id && !store.find_tenant(*c.tenant_id)) {
    return ApiError{ErrorCode::kAdminNotFound, "no tenant " + *c.tenant_id};
  }
  return std::nullopt;
}

Result<Application> create_application(Store& store, const AppChanges& changes, UnixSeconds now) {
  Application app;
  app.client_id = changes.client_id.value_or(new_client_id());
  if (!valid_client_id(app.client_id)) {
    return invalid("client id must be 8 to 64 characters of [A-Za-z0-9_-]");
  }
  app.name = app.client_id;
  if (auto e = apply(changes, app)) return *e;
  if (auto e = check_tenant(store, changes)) return *e;
  app.created_at = now;
  app.updated_at = now;
  if (!store.create_application(app)) {
    return ApiError{ErrorCode::kAdminConflict, "client id " + app.client_id + " exists"};
  }
  return app;
}

Result<Application> get_application(Store& store, const std::string& client_id) {
  std::optional<Application> app = store.find_application(client_id);
  if (!app) return ApiError{ErrorCode::kAdminNotFound, "no application " + client_id};
  return std::move(*app);
}

Result<Application> update_application(Store& store, const std::string& client_id,
                                       const AppChanges& changes, UnixSeconds now) {
  if (changes.client_id && *changes.client_id != client_id) {
    return invalid("a client id cannot be changed");
  }
  Result<Application> app = get_application(store, client_id);
  if (!app) return app;
  if (auto e = apply(changes, app.value())) return *e;
  if (auto e = check_tenant(store, changes)) return *e;
  app.value().updated_at = now;
  if (!store.update_application(app.value())) {
    return ApiError{ErrorCode::kAdminNotFound, "no application " + client_id};
  }
  return app;
}

Result<Tenant> create_tenant(Store& store, const std::string& id, const std::string& name,
                             UnixSeconds now) {
  if (!valid_id(id, 2)) return invalid("tenant id must be 2 to 64 characters of [A-Za-z0-9_-]");
  if (auto e = check_name(name)) return *e;
  const Tenant tenant{id, name, now, now};
  if (!store.create_tenant(tenant)) {
    return ApiError{ErrorCode::kAdminConflict, "tenant " + id + " exists"};
  }
  return tenant;
}

Result<Tenant> get_tenant(Store& store, const std::string& id) {
  std::optional<Tenant> tenant = store.find_tenant(id);
  if (!tenant) return ApiError{ErrorCode::kAdminNotFound, "no tenant " + id};
  return std::move(*tenant);
}

Result<Tenant> rename_tenant(Store& store, const std::string& id, const std::string& name,
                             UnixSeconds now) {
  if (auto e = check_name(name)) return *e;
  Result<Tenant> tenant = get_tenant(store, id);
  if (!tenant) return tenant;
  tenant.value().name = name;
  tenant.value().updated_at = now;
  if (!store.update_tenant(tenant.value())) {
    return ApiError{ErrorCode::kAdminNotFound, "no tenant " + id};
  }
  return tenant;
}

Result<Done> assign_user_to_application(Store& store, const std::string& client_id,
                                        const std::string& user_id) {
  if (!store.assign_user(client_id, user_id)) {
    return ApiError{ErrorCode::kAdminNotFound,
                    "no application " + client_id + " or user " + user_id};
  }
  return Done{};
}

Result<User> get_user(Store& store, const std::string& user_id) {
  std::optional<User> user = store.find_user(user_id);
  if (!user) return ApiError{ErrorCode::kAdminNotFound, "no user " + user_id};
  return std::move(*user);
}

Result<User> set_user_enabled(Store& store, const std::string& user_id, bool enabled,
                              UnixSeconds now) {
  const UserStatus status = enabled ? UserStatus::kActive : UserStatus::kDisabled;
  if (!store.set_user_status(user_id, status, now)) {
    return ApiError{ErrorCode::kAdminNotFound, "no user " + user_id};
  }
  return get_user(store, user_id);
}

}  // namespace ciamd
