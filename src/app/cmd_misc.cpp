// `ciamd migrate`, `ciamd master-key`, `ciamd token decode`, `ciamd version`.
#include <CLI/CLI.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/context.hpp"
#include "flows/keys/signing_keys.hpp"
#include "tokens/base64.hpp"
#include "tokens/crypto.hpp"
#include "tokens/jws.hpp"
#include "tokens/key_ring.hpp"
#include "version/version.hpp"

namespace ciamd {
namespace {

// Prints a JWT's header and claims (then the `api` claim's JSON decoded) and whether one of this
// server's keys signed it. For people reading tokens by hand; relying parties verify against the
// JWKS.
void decode_token(CliState& state, const std::string& token) {
  std::optional<JwsParts> parts = jws_decode_unverified(token);
  if (!parts) {
    std::cerr << "not a compact JWS\n";
    state.exit_code = 1;
    return;
  }
  boost::system::error_code ec;
  boost::json::value claims = boost::json::parse(parts->payload, ec);
  if (ec || !claims.is_object()) {
    std::cerr << "the payload is not a JSON object\n";
    state.exit_code = 1;
    return;
  }
  std::cout << "header: " << boost::json::serialize(parts->header) << "\n";
  // The claims as the token carries them: `api` is a JSON string there, and a relying party
  // parses it a second time. Its content follows on a line of its own, never in place of it,
  // so that what is printed is what a verifier receives.
  std::cout << "claims: " << boost::json::serialize(claims) << "\n";
  if (auto* api = claims.as_object().if_contains("api"); api && api->is_string()) {
    boost::json::value unpacked = boost::json::parse(api->as_string(), ec);
    if (!ec) std::cout << "api (decoded): " << boost::json::serialize(unpacked) << "\n";
  }
  AppContext ctx = open_context(state.config_path);
  // Every stored key, not just the published ones: an old token signed by a key that has since
  // left the JWKS is still recognized as ours, and the key's state says why it may be refused.
  const std::vector<SigningKeyRecord> records = ctx.store->list_signing_keys();
  KeyRing ring;
  add_every_signing_key(records, *ctx.sealer, ring);
  std::optional<JwsParts> verified = ring.verify(token);
  if (!verified) {
    std::cout << "signature: NOT valid\n";
    state.exit_code = 1;
    return;
  }
  const std::string kid(verified->header.at("kid").as_string());
  const std::vector<KeyStatus> statuses = key_statuses(records, system_now());
  std::string key_state = "unknown";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].kid == kid) key_state = std::string(to_string(statuses[i].state));
  }
  std::cout << "signature: valid (signed by this server)\n";
  std::cout << "key: " << kid << " (" << key_state << ")\n";
}

}  // namespace

void add_misc_commands(CLI::App& cli, CliState& state) {
  auto* migrate = cli.add_subcommand("migrate", "Apply pending database migrations");
  migrate->callback([&state] {
    AppContext ctx = open_context(state.config_path);
    std::cout << "schema version " << ctx.store->schema_version() << "\n";
  });

  auto* master_key = cli.add_subcommand("master-key", "Print a new random master key (base64)");
  master_key->callback([] { std::cout << base64_encode(crypto::random_bytes(32)) << "\n"; });

  auto* version = cli.add_subcommand("version", "Print the version, git commit and build type");
  version->callback([] { std::cout << version_line() << "\n"; });

  auto* token = cli.add_subcommand("token", "Inspect tokens");
  token->require_subcommand(1);
  auto jwt = std::make_shared<std::string>();
  auto* decode = token->add_subcommand("decode", "Show a JWT's claims and check its signature");
  decode->add_option("jwt", *jwt, "The id_token")->required();
  decode->callback([&state, jwt] { decode_token(state, *jwt); });
}

}  // namespace ciamd
