// `ciamd admin token ...`: the credentials of the admin API. A token is printed once, at creation;
// the database keeps only its SHA-256, so a lost token is revoked and replaced, never recovered.
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>

#include "app/cli_output.hpp"
#include "app/commands.hpp"
#include "app/context.hpp"
#include "core/clock.hpp"
#include "render/records.hpp"

namespace ciamd {
namespace {

void create_token(CliState& state, const std::string& name, std::int64_t expires_in, bool json) {
  AppContext ctx = open_context(state.config_path);
  const UnixSeconds now = system_now();
  Result<IssuedAdminToken> issued = admin_flows(ctx).tokens.issue(name, expires_in, now);
  if (!issued) {
    report_failure(state, issued.error());
    return;
  }
  boost::json::object o = admin_token_json(issued.value().record, now);
  o["token"] = issued.value().token;
  print_record(o, json);
  if (!json) std::cerr << "the token is shown only now: keep it in a secret store\n";
}

void list_tokens(CliState& state, bool json) {
  AppContext ctx = open_context(state.config_path);
  const UnixSeconds now = system_now();
  boost::json::array all;
  for (const AdminToken& t : admin_flows(ctx).tokens.all()) {
    boost::json::object o = admin_token_json(t, now);
    if (json) {
      all.push_back(std::move(o));
    } else {
      std::cout << t.id << "  " << t.name << "  " << o.at("state").as_string() << "\n";
    }
  }
  if (json) std::cout << boost::json::serialize(all) << "\n";
}

void revoke_token(CliState& state, const std::string& id_or_name, bool json) {
  AppContext ctx = open_context(state.config_path);
  const UnixSeconds now = system_now();
  Result<AdminToken> revoked = admin_flows(ctx).tokens.revoke(id_or_name, now);
  if (!revoked) {
    report_failure(state, revoked.error());
    return;
  }
  print_record(admin_token_json(revoked.value(), now), json);
}

}  // namespace

void add_admin_commands(CLI::App& cli, CliState& state) {
  auto* admin = cli.add_subcommand("admin", "Admin API credentials");
  admin->require_subcommand(1);
  auto* token = admin->add_subcommand("token", "Create, list and revoke admin API tokens");
  token->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  token->add_flag("--json", *json, "Print JSON");

  auto name = std::make_shared<std::string>();
  auto expires_in = std::make_shared<std::int64_t>(0);
  auto* create = token->add_subcommand("create", "Create a token; it is printed once");
  create->add_option("--name", *name, "Who or what uses it, e.g. ops-console")->required();
  create->add_option("--expires-in", *expires_in, "Seconds until it stops working (default never)")
      ->check(CLI::NonNegativeNumber);
  create->callback(
      [&state, name, expires_in, json] { create_token(state, *name, *expires_in, *json); });

  auto* list = token->add_subcommand("list", "List tokens (never the tokens themselves)");
  list->callback([&state, json] { list_tokens(state, *json); });

  auto which = std::make_shared<std::string>();
  auto* revoke = token->add_subcommand("revoke", "Revoke a token at once, by id or name");
  revoke->add_option("token", *which, "Token id or name")->required();
  revoke->callback([&state, which, json] { revoke_token(state, *which, *json); });
}

}  // namespace ciamd
