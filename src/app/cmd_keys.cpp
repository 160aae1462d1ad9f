// `ciamd keys list` and `ciamd keys rotate`: the id_token signing keys (flows/keys/signing_keys). A
// rotation only writes the database; running servers pick it up at their next key reload.
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/cli_output.hpp"
#include "app/commands.hpp"
#include "app/context.hpp"
#include "core/clock.hpp"
#include "flows/keys/signing_keys.hpp"
#include "render/records.hpp"

namespace ciamd {
namespace {

void list_keys(CliState& state, bool json) {
  AppContext ctx = open_context(state.config_path);
  const std::vector<KeyWithStatus> keys = admin_flows(ctx).keys.list(system_now());
  boost::json::array all;
  for (const auto& [r, status] : keys) {
    if (json) {
      all.push_back(key_json(r, status));
      continue;
    }
    std::cout << r.kid << "  " << r.algorithm << "  " << to_string(status.state) << "  created "
              << iso_time(r.created_at) << "  activates "
              << iso_time(r.activates_at != 0 ? r.activates_at : r.created_at);
    if (r.retired_at != 0) std::cout << "  retired " << iso_time(r.retired_at);
    if (r.publish_until != 0) std::cout << "  in JWKS until " << iso_time(r.publish_until);
    std::cout << "\n";
  }
  if (json) {
    std::cout << boost::json::serialize(all) << "\n";
  } else if (keys.empty()) {
    std::cout << "no signing keys yet: the first `ciamd serve` creates them\n";
  }
}

struct RotateOptions {
  std::string alg = "all";
  std::int64_t activate_in = -1;  // -1: [tokens] key_publish_lead
};

void rotate_command(CliState& state, const RotateOptions& opts, bool json) {
  AppContext ctx = open_context(state.config_path);
  const Config::Tokens& cfg = ctx.config.tokens;
  const std::int64_t lead = opts.activate_in >= 0 ? opts.activate_in : cfg.key_publish_lead;
  // A client that fetched the JWKS just before the new key appeared keeps that copy for
  // jwks_max_age, and servers see the new key only at their next reload: a shorter lead lets
  // some clients meet a kid they do not know yet. Deliberate for a compromised key (0).
  if (lead < cfg.jwks_max_age + cfg.key_reload_interval) {
    std::cerr << "warning: the new key signs in " << lead << " s, before every client can have "
              << "fetched it (jwks_max_age " << cfg.jwks_max_age << " s + key_reload_interval "
              << cfg.key_reload_interval << " s)\n";
  }
  Result<std::vector<RotatedKey>> done =
      admin_flows(ctx).keys.rotate(opts.alg, lead, cfg.key_reload_interval, system_now());
  if (!done) {
    report_failure(state, done.error());
    return;
  }
  for (const RotatedKey& rotated : done.value()) print_record(rotated_key_json(rotated), json);
  if (!json) {
    std::cout << "running servers pick the new keys up within " << cfg.key_reload_interval
              << " s\n";
  }
}

}  // namespace

void add_keys_commands(CLI::App& cli, CliState& state) {
  auto* keys = cli.add_subcommand("keys", "Manage the id_token signing keys");
  keys->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  keys->add_flag("--json", *json, "Print JSON");

  auto* list = keys->add_subcommand("list", "List the signing keys and their state now");
  list->callback([&state, json] { list_keys(state, *json); });

  auto opts = std::make_shared<RotateOptions>();
  auto* rotate = keys->add_subcommand(
      "rotate", "Add new signing keys; they sign after the publish lead, the old ones retire then");
  rotate->add_option("--alg", opts->alg, "RS256 | ES256 | all")
      ->check(CLI::IsMember({"RS256", "ES256", "all"}))
      ->capture_default_str();
  rotate
      ->add_option("--activate-in", opts->activate_in,
                   "Seconds until the new keys sign (default [tokens] key_publish_lead; 0 at once, "
                   "for a compromised key)")
      ->check(CLI::NonNegativeNumber);
  rotate->callback([&state, opts, json] { rotate_command(state, *opts, *json); });
}

}  // namespace ciamd
