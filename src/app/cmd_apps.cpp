// `ciamd app ...`: register and manage applications (the same flows/admin/applications the admin
// API uses).
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <numeric>

#include "app/cli_output.hpp"
#include "app/commands.hpp"
#include "app/context.hpp"
#include "core/clock.hpp"
#include "render/records.hpp"

namespace ciamd {
namespace {

// The option values of one invocation; `changes()` keeps only the options that were given.
struct AppOptions {
  std::string client_id, tenant, name, unbound, bind_methods, access, mfa, mfa_factors,
      wechat_appid, wechat_secret, miniprogram_appid, miniprogram_secret, weibo_app_key,
      id_token_alg, session_lifetime, allowed_country_codes;
  std::int64_t id_token_ttl = 0, wechat_session_ttl = 0, miniprogram_session_ttl = 0,
               weibo_session_ttl = 0, session_max_lifetime = 0, hourly_send_budget = 0;
  bool rotate_session_token = false;
  bool creating = false;
  std::vector<std::pair<CLI::Option*, std::function<void(AppChanges&)>>> given;

  // `create_default` is what a new application gets without the option: `app create --help`
  // shows it, `app update --help` does not (an update changes only the options given, so a
  // default there would read as "omitting it resets the value").
  template <class T>
  void add(CLI::App* cmd, const std::string& flag, T& value, const std::string& help,
           std::optional<T> AppChanges::*field, const std::string& create_default) {
    const std::string text =
        creating && !create_default.empty() ? help + " (default: " + create_default + ")" : help;
    CLI::Option* opt = cmd->add_option(flag, value, text);
    given.emplace_back(opt, [&value, field](AppChanges& c) { c.*field = value; });
  }

  template <class List>
  static std::string joined(const List& values) {
    std::string out;
    for (const auto& v : values) out += (out.empty() ? "" : ",") + std::string(to_string(v));
    return out;
  }

  void add_all(CLI::App* cmd, bool create) {
    creating = create;
    const Application d;  // a new application's settings
    const auto n = [](std::int64_t v) { return std::to_string(v); };
    add(cmd, "--name", name, "Display name", &AppChanges::name, "the client id");
    add(cmd, "--tenant", tenant, "Tenant id", &AppChanges::tenant_id, d.tenant_id);
    add(cmd, "--unbound", unbound, "register | bind | auto_create | reject", &AppChanges::unbound,
        std::string(to_string(d.unbound)));
    add(cmd, "--bind-methods", bind_methods, "e.g. VERIFY_PHONE,VERIFY_EMAIL",
        &AppChanges::bind_methods, joined(d.bind_methods));
    add(cmd, "--access", access, "all | assigned", &AppChanges::access,
        std::string(to_string(d.access)));
    add(cmd, "--mfa", mfa, "off | always | new_device", &AppChanges::mfa,
        std::string(to_string(d.mfa)));
    add(cmd, "--mfa-factors", mfa_factors, "second factors offered, e.g. SMS,EMAIL",
        &AppChanges::mfa_factors, joined(d.mfa_factors));
    add(cmd, "--wechat-appid", wechat_appid, "WeChat Open Platform appid",
        &AppChanges::wechat_appid, "");
    add(cmd, "--wechat-secret", wechat_secret, "WeChat appsecret (stored encrypted)",
        &AppChanges::wechat_secret, "");
    add(cmd, "--miniprogram-appid", miniprogram_appid, "WeChat mini program appid",
        &AppChanges::miniprogram_appid, "");
    add(cmd, "--miniprogram-secret", miniprogram_secret,
        "WeChat mini program appsecret (stored encrypted)", &AppChanges::miniprogram_secret, "");
    add(cmd, "--weibo-app-key", weibo_app_key, "Weibo app key (digits; empty for none)",
        &AppChanges::weibo_app_key, "");
    add(cmd, "--id-token-ttl", id_token_ttl, "id_token lifetime, seconds",
        &AppChanges::id_token_ttl, n(d.id_token_ttl));
    add(cmd, "--wechat-session-ttl", wechat_session_ttl, "WeChat session lifetime, seconds",
        &AppChanges::wechat_session_ttl, n(d.wechat_session_ttl));
    add(cmd, "--miniprogram-session-ttl", miniprogram_session_ttl,
        "WeChat mini program session lifetime, seconds", &AppChanges::miniprogram_session_ttl,
        n(d.miniprogram_session_ttl));
    add(cmd, "--weibo-session-ttl", weibo_session_ttl, "Weibo session lifetime, seconds",
        &AppChanges::weibo_session_ttl, n(d.weibo_session_ttl));
    add(cmd, "--id-token-alg", id_token_alg, "RS256 | ES256", &AppChanges::id_token_alg,
        std::string(to_string(d.id_token_alg)));
    add(cmd, "--session-lifetime", session_lifetime,
        "fixed (ends `expire` after the login) | sliding (every refresh restarts it)",
        &AppChanges::session_lifetime, std::string(to_string(d.session_lifetime)));
    add(cmd, "--session-max-lifetime", session_max_lifetime,
        "a sliding session ends this many seconds after its login",
        &AppChanges::session_max_lifetime, n(d.session_max_lifetime));
    add(cmd, "--rotate-session-token", rotate_session_token,
        "true: each refresh hands out a new session token; reusing an old one revokes the session",
        &AppChanges::rotate_session_token, d.rotate_session_token ? "true" : "false");
    add(cmd, "--allowed-country-codes", allowed_country_codes,
        "country calling codes whose numbers get SMS codes, e.g. 86,852",
        &AppChanges::allowed_country_codes,
        std::accumulate(d.allowed_country_codes.begin(), d.allowed_country_codes.end(),
                        std::string(), [](std::string csv, const std::string& code) {
                          return csv.empty() ? code : csv + "," + code;
                        }));
    add(cmd, "--hourly-send-budget", hourly_send_budget,
        "verification codes the application may send per hour", &AppChanges::hourly_send_budget,
        n(d.hourly_send_budget));
  }

  AppChanges changes() const {
    AppChanges c;
    for (const auto& [opt, apply] : given) {
      if (opt->count() > 0) apply(c);
    }
    return c;
  }
};

void finish(CliState& state, const Result<Application>& r, bool json) {
  ciamd::finish(state, r, json, application_json);
}

}  // namespace

namespace {

// `ciamd tenant create|list`: registered beside `app`, whose --tenant names one.
void add_tenant_commands(CLI::App& cli, CliState& state) {
  auto* tenant = cli.add_subcommand("tenant", "Manage tenants");
  tenant->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  tenant->add_flag("--json", *json, "Print JSON");
  auto id = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto* create = tenant->add_subcommand("create", "Create a tenant");
  create->add_option("--id", *id, "Tenant id, 2-64 of [A-Za-z0-9_-]")->required();
  create->add_option("--name", *name, "Display name (default: the id)");
  create->callback([&state, json, id, name] {
    AppContext ctx = open_context(state.config_path);
    ciamd::finish(state,
                  admin_flows(ctx).tenants.create(*id, name->empty() ? *id : *name, system_now()),
                  *json, tenant_json);
  });
  auto* list = tenant->add_subcommand("list", "List tenants");
  list->callback([&state, json] {
    AppContext ctx = open_context(state.config_path);
    boost::json::array all;
    for (const Tenant& t : admin_flows(ctx).tenants.all()) {
      if (*json) {
        all.push_back(tenant_json(t));
      } else {
        std::cout << t.id << "  " << t.name << "\n";
      }
    }
    if (*json) std::cout << boost::json::serialize(all) << "\n";
  });
}

}  // namespace

void add_app_commands(CLI::App& cli, CliState& state) {
  add_tenant_commands(cli, state);
  auto* app = cli.add_subcommand("app", "Manage applications");
  app->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  app->add_flag("--json", *json, "Print JSON");

  auto create_opts = std::make_shared<AppOptions>();
  auto* create = app->add_subcommand("create", "Register an application");
  create->add_option("--client-id", create_opts->client_id, "Client id (generated when absent)");
  create_opts->add_all(create, true);
  create->callback([&state, create_opts, json] {
    AppContext ctx = open_context(state.config_path);
    AppChanges c = create_opts->changes();
    if (!create_opts->client_id.empty()) c.client_id = create_opts->client_id;
    finish(state, admin_flows(ctx).applications.create(c, system_now()), *json);
  });

  auto update_opts = std::make_shared<AppOptions>();
  auto* update = app->add_subcommand(
      "update",
      "Change an application: only the options given change, the others keep their value");
  update->add_option("client_id", update_opts->client_id)->required();
  update_opts->add_all(update, false);
  update->callback([&state, update_opts, json] {
    AppContext ctx = open_context(state.config_path);
    finish(state,
           admin_flows(ctx).applications.update(update_opts->client_id, update_opts->changes(),
                                                system_now()),
           *json);
  });

  auto client_id = std::make_shared<std::string>();
  auto* show = app->add_subcommand("show", "Show an application");
  show->add_option("client_id", *client_id)->required();
  show->callback([&state, client_id, json] {
    AppContext ctx = open_context(state.config_path);
    finish(state, admin_flows(ctx).applications.get(*client_id), *json);
  });

  for (const bool enable : {false, true}) {
    auto* cmd = app->add_subcommand(enable ? "enable" : "disable",
                                    enable ? "Enable an application" : "Disable an application");
    cmd->add_option("client_id", *client_id)->required();
    cmd->callback([&state, client_id, json, enable] {
      AppContext ctx = open_context(state.config_path);
      AppChanges c;
      c.enabled = enable;
      finish(state, admin_flows(ctx).applications.update(*client_id, c, system_now()), *json);
    });
  }

  auto* list = app->add_subcommand("list", "List applications");
  list->callback([&state, json] {
    AppContext ctx = open_context(state.config_path);
    boost::json::array all;
    for (const Application& a : admin_flows(ctx).applications.all()) {
      if (*json) {
        all.push_back(application_json(a));
      } else {
        std::cout << a.client_id << "  " << a.name << (a.enabled ? "" : "  (disabled)") << "\n";
      }
    }
    if (*json) std::cout << boost::json::serialize(all) << "\n";
  });

  auto user_id = std::make_shared<std::string>();
  auto* assign = app->add_subcommand("assign", "Assign a user to an application");
  assign->add_option("client_id", *client_id)->required();
  assign->add_option("--user", *user_id, "User id")->required();
  assign->callback([&state, client_id, user_id] {
    AppContext ctx = open_context(state.config_path);
    Result<Done> r = admin_flows(ctx).applications.assign(*client_id, *user_id);
    if (!r) report_failure(state, r.error());
  });
}

}  // namespace ciamd
