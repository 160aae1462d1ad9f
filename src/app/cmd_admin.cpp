// `ciamd admin token ...`: the credentials of the admin API. A token is printed once, at creation;
// the database keeps only its SHA-256, so a lost token is revoked and replaced, never recovered.
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>

#include "api/admin/records.hpp"
#include "app/cli_output.hpp"
#include "app/commands.hpp"
#include "app/context.hpp"
#include "core/clock.hpp"
#include "store/store.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

// 43 characters after the prefix: 256 bits from the CSPRNG. The prefix makes a leaked token easy
// to recognise (and to scan for in code and logs).
constexpr std::string_view kTokenPrefix = "ciamd_at_";
constexpr std::size_t kTokenRandomChars = 43;

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '@';
    if (!ok) return false;
  }
  return true;
}

void create_token(CliState& state, const std::string& name, std::int64_t expires_in, bool json) {
  if (!valid_name(name)) {
    report_failure(state, ApiError{ErrorCode::kAdminInvalidArgument,
                                   "name must be 1 to 64 characters of [A-Za-z0-9._@-]"});
    return;
  }
  AppContext ctx = open_context(state.config_path);
  for (const AdminToken& t : ctx.store->list_admin_tokens()) {
    if (t.name == name) {
      report_failure(state,
                     ApiError{ErrorCode::kAdminConflict, "a token named " + name + " exists"});
      return;
    }
  }
  const UnixSeconds now = system_now();
  const std::string token = std::string(kTokenPrefix) + crypto::random_alnum(kTokenRandomChars);
  AdminToken record;
  record.id = crypto::random_hex(8);
  record.name = name;
  record.token_hash = crypto::sha256_hex(token);
  record.created_at = now;
  record.expires_at = expires_in > 0 ? now + expires_in : 0;
  ctx.store->insert_admin_token(record);
  boost::json::object o = admin_token_json(record, now);
  o["token"] = token;
  print_record(o, json);
  if (!json) std::cerr << "the token is shown only now: keep it in a secret store\n";
}

void list_tokens(CliState& state, bool json) {
  AppContext ctx = open_context(state.config_path);
  const UnixSeconds now = system_now();
  boost::json::array all;
  for (const AdminToken& t : ctx.store->list_admin_tokens()) {
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
  for (const AdminToken& t : ctx.store->list_admin_tokens()) {
    if (t.id != id_or_name && t.name != id_or_name) continue;
    const UnixSeconds now = system_now();
    ctx.store->revoke_admin_token(t.id, now);
    AdminToken after = t;
    if (after.revoked_at == 0) after.revoked_at = now;
    print_record(admin_token_json(after, now), json);
    return;
  }
  report_failure(state, ApiError{ErrorCode::kAdminNotFound, "no admin token " + id_or_name});
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
