// `ciamd keys list` and `ciamd keys rotate`: the id_token signing keys (flows/signing_keys). A
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
#include "flows/signing_keys.hpp"

namespace ciamd {
namespace {

// ISO 8601 in UTC, or "" for an unset time (0).
std::string iso_time(UnixSeconds t) {
  if (t == 0) return "";
  const std::time_t secs = static_cast<std::time_t>(t);
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buf, n);
}

boost::json::value time_json(UnixSeconds t) {
  if (t == 0) return nullptr;
  return boost::json::value(iso_time(t));
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
  return o;
}

void list_keys(CliState& state, bool json) {
  AppContext ctx = open_context(state.config_path);
  const std::vector<SigningKeyRecord> records = ctx.store->list_signing_keys();
  const std::vector<KeyStatus> statuses = key_statuses(records, system_now());
  boost::json::array all;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const SigningKeyRecord& r = records[i];
    if (json) {
      all.push_back(key_json(r, statuses[i]));
      continue;
    }
    std::cout << r.kid << "  " << r.algorithm << "  " << to_string(statuses[i].state)
              << "  created " << iso_time(r.created_at) << "  activates "
              << iso_time(r.activates_at != 0 ? r.activates_at : r.created_at);
    if (r.retired_at != 0) std::cout << "  retired " << iso_time(r.retired_at);
    if (r.publish_until != 0) std::cout << "  in JWKS until " << iso_time(r.publish_until);
    std::cout << "\n";
  }
  if (json) {
    std::cout << boost::json::serialize(all) << "\n";
  } else if (records.empty()) {
    std::cout << "no signing keys yet: the first `ciamd serve` creates them\n";
  }
}

struct RotateOptions {
  std::string alg = "all";
  std::int64_t activate_in = -1;  // -1: [tokens] key_publish_lead
};

void rotate_keys(CliState& state, const RotateOptions& opts, bool json) {
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
  const std::int64_t ttl = max_id_token_ttl(*ctx.store);
  const UnixSeconds now = system_now();

  std::vector<JwsAlg> algs;
  if (opts.alg == "all" || opts.alg == "RS256") algs.push_back(JwsAlg::kRS256);
  if (opts.alg == "all" || opts.alg == "ES256") algs.push_back(JwsAlg::kES256);
  for (const JwsAlg alg : algs) {
    // The keys this rotation retires: every active key of the algorithm.
    boost::json::array replaced;
    for (const SigningKeyRecord& r : ctx.store->list_signing_keys()) {
      if (r.state == "active" && r.algorithm == to_string(alg)) replaced.emplace_back(r.kid);
    }
    // Without a current key the new one, not signing before its activation, would leave the
    // algorithm without a signer until then (and the server unable to start); the first start
    // creates keys that sign at once.
    if (replaced.empty()) {
      std::cerr << "no active " << to_string(alg)
                << " key to rotate: start the server once to create the first keys\n";
      state.exit_code = 1;
      return;
    }
    const SigningKeyRecord next =
        rotate_signing_key(*ctx.store, *ctx.sealer, alg, now, lead, ttl, cfg.key_reload_interval);
    boost::json::object o;
    o["alg"] = next.algorithm;
    o["kid"] = next.kid;
    o["signs_from"] = iso_time(next.activates_at);
    o["replaces"] = std::move(replaced);
    o["replaced_in_jwks_until"] =
        iso_time(publish_until_for(next.activates_at, ttl, cfg.key_reload_interval));
    print_record(o, json);
  }
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
  rotate->callback([&state, opts, json] { rotate_keys(state, *opts, *json); });
}

}  // namespace ciamd
