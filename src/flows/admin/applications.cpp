#include "flows/admin/applications.hpp"

#include <algorithm>

#include "core/phone.hpp"
#include "flows/admin/checks.hpp"
#include "flows/ids.hpp"
#include "store/application_store.hpp"
#include "store/tenant_store.hpp"

namespace ciamd {
namespace {

// Ten years: longer sessions are a misconfiguration, not a policy.
constexpr std::int64_t kMaxSessionTtl = 10LL * 365 * 24 * 3600;
constexpr std::int64_t kMaxIdTokenTtl = 86400;
// A thousand codes a second is far beyond any real application's needs and any SMS provider's
// rate: a larger budget is a typo.
constexpr std::int64_t kMaxHourlySendBudget = 1'000'000;

bool valid_client_id(const std::string& id) {
  return valid_record_id(id, 8);
}

// Weibo app keys are numeric; anything else is a typo (or another provider's id) that would only
// show up as every Weibo login failing.
bool valid_weibo_app_key(const std::string& key) {
  return std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<ApiError> check_ttl(const std::optional<std::int64_t>& v, std::int64_t max,
                                  const char* name) {
  if (v && (*v < 60 || *v > max)) {
    return invalid_argument(std::string(name) + " must be between 60 and " + std::to_string(max) +
                            " seconds");
  }
  return std::nullopt;
}

// "86, +852,1" -> {"86", "852", "1"}: trimmed, an optional "+" dropped, repeats dropped; nullopt
// when an item is no country calling code (core/phone) or the list is empty. An empty list would
// refuse every number, which turning VERIFY_PHONE off says more plainly.
std::optional<std::vector<std::string>> parse_country_codes(std::string_view csv) {
  std::vector<std::string> codes;
  std::size_t from = 0;
  while (from <= csv.size()) {
    const std::size_t comma = std::min(csv.find(',', from), csv.size());
    std::string_view item = csv.substr(from, comma - from);
    from = comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with('+')) item.remove_prefix(1);
    if (!is_country_calling_code(item)) return std::nullopt;
    if (std::find(codes.begin(), codes.end(), item) == codes.end()) codes.emplace_back(item);
  }
  if (codes.empty()) return std::nullopt;
  return codes;
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
    return invalid_argument(std::string(name) + " appid and secret must be given together");
  }
  return std::nullopt;
}

// Applies `c` onto `app`; an error names the first invalid field.
std::optional<ApiError> apply(const AppChanges& c, Application& app) {
  if (c.name) {
    if (auto e = check_display_name(*c.name)) return e;
    app.name = *c.name;
  }
  if (c.unbound) {
    auto p = parse_unbound_policy(*c.unbound);
    if (!p) return invalid_argument("unbound must be register, bind, auto_create or reject");
    app.unbound = *p;
  }
  if (c.bind_methods) {
    auto m = parse_bind_methods(*c.bind_methods);
    if (!m) return invalid_argument("bind methods must be a list of VERIFY_PHONE and VERIFY_EMAIL");
    app.bind_methods = *m;
  }
  if (c.access) {
    auto p = parse_access_policy(*c.access);
    if (!p) return invalid_argument("access must be all or assigned");
    app.access = *p;
  }
  if (c.mfa) {
    auto p = parse_mfa_policy(*c.mfa);
    if (!p) return invalid_argument("mfa must be off, always or new_device");
    app.mfa = *p;
  }
  if (c.mfa_factors) {
    auto f = parse_mfa_factors(*c.mfa_factors);
    if (!f) return invalid_argument("mfa factors must be a list of SMS and EMAIL");
    app.mfa_factors = *f;
  }
  if (c.weibo_app_key) {
    if (!valid_weibo_app_key(*c.weibo_app_key))
      return invalid_argument("weibo app key must be digits");
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
    if (!a) return invalid_argument("id token alg must be RS256 or ES256");
    app.id_token_alg = *a;
  }
  if (c.session_lifetime) {
    auto l = parse_session_lifetime(*c.session_lifetime);
    if (!l) return invalid_argument("session lifetime must be fixed or sliding");
    app.session_lifetime = *l;
  }
  if (auto e = check_ttl(c.session_max_lifetime, kMaxSessionTtl, "session max lifetime")) return e;
  if (c.session_max_lifetime) app.session_max_lifetime = *c.session_max_lifetime;
  if (c.rotate_session_token) app.rotate_session_token = *c.rotate_session_token;
  if (c.allowed_country_codes) {
    auto codes = parse_country_codes(*c.allowed_country_codes);
    if (!codes) {
      return invalid_argument(
          "allowed country codes must be a list of country calling codes, such as 86,852");
    }
    app.allowed_country_codes = std::move(*codes);
  }
  if (c.hourly_send_budget) {
    if (*c.hourly_send_budget < 1 || *c.hourly_send_budget > kMaxHourlySendBudget) {
      return invalid_argument("hourly send budget must be between 1 and " +
                              std::to_string(kMaxHourlySendBudget));
    }
    app.hourly_send_budget = *c.hourly_send_budget;
  }
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

ApplicationAdmin::ApplicationAdmin(ApplicationStore& apps, TenantStore& tenants)
    : apps_(apps), tenants_(tenants) {}

// An application's tenant must exist: the column has no foreign key (007_tenants.sql says why).
std::optional<ApiError> ApplicationAdmin::check_tenant(const AppChanges& c) const {
  if (c.tenant_id && !tenants_.find_tenant(*c.tenant_id)) {
    return ApiError{ErrorCode::kAdminNotFound, "no tenant " + *c.tenant_id};
  }
  return std::nullopt;
}

Result<Application> ApplicationAdmin::create(const AppChanges& changes, UnixSeconds now) const {
  Application app;
  app.client_id = changes.client_id.value_or(new_client_id());
  if (!valid_client_id(app.client_id)) {
    return invalid_argument("client id must be 8 to 64 characters of [A-Za-z0-9_-]");
  }
  app.name = app.client_id;
  if (auto e = apply(changes, app)) return *e;
  if (auto e = check_tenant(changes)) return *e;
  app.created_at = now;
  app.updated_at = now;
  if (!apps_.create_application(app)) {
    return ApiError{ErrorCode::kAdminConflict, "client id " + app.client_id + " exists"};
  }
  return app;
}

Result<Application> ApplicationAdmin::get(const std::string& client_id) const {
  std::optional<Application> app = apps_.find_application(client_id);
  if (!app) return ApiError{ErrorCode::kAdminNotFound, "no application " + client_id};
  return std::move(*app);
}

Result<Application> ApplicationAdmin::update(const std::string& client_id,
                                             const AppChanges& changes, UnixSeconds now) const {
  if (changes.client_id && *changes.client_id != client_id) {
    return invalid_argument("a client id cannot be changed");
  }
  Result<Application> app = get(client_id);
  if (!app) return app;
  if (auto e = apply(changes, app.value())) return *e;
  if (auto e = check_tenant(changes)) return *e;
  app.value().updated_at = now;
  if (!apps_.update_application(app.value())) {
    return ApiError{ErrorCode::kAdminNotFound, "no application " + client_id};
  }
  return app;
}

std::vector<Application> ApplicationAdmin::all() const {
  std::vector<Application> apps = apps_.list_applications();
  std::sort(apps.begin(), apps.end(),
            [](const Application& x, const Application& y) { return x.client_id < y.client_id; });
  return apps;
}

// Operators register applications by hand, so the store lists them all and the page is cut here.
Page<Application> ApplicationAdmin::page(std::string_view tenant, std::string_view after,
                                         int limit) const {
  Page<Application> out;
  for (Application& app : all()) {
    if (app.client_id <= after || (!tenant.empty() && app.tenant_id != tenant)) continue;
    if (static_cast<int>(out.items.size()) == limit) {
      out.next = out.items.back().client_id;
      break;
    }
    out.items.push_back(std::move(app));
  }
  return out;
}

Result<Done> ApplicationAdmin::assign(const std::string& client_id,
                                      const std::string& user_id) const {
  if (!apps_.assign_user(client_id, user_id)) {
    return ApiError{ErrorCode::kAdminNotFound,
                    "no application " + client_id + " or user " + user_id};
  }
  return Done{};
}

Result<Done> ApplicationAdmin::unassign(const std::string& client_id,
                                        const std::string& user_id) const {
  if (!apps_.unassign_user(client_id, user_id)) {
    return ApiError{ErrorCode::kAdminNotFound, user_id + " is not assigned to " + client_id};
  }
  return Done{};
}

Result<std::vector<std::string>> ApplicationAdmin::assigned_users(
    const std::string& client_id) const {
  if (Result<Application> app = get(client_id); !app) return app.error();
  return apps_.assigned_users(client_id);
}

}  // namespace ciamd
