// `ciamd secrets rotate-master`: reseals every secret at rest (application provider secrets,
// signing keys) from the configured master key to a new one. Run with every node stopped: a
// running node keeps the old key, and can no longer open what was resealed.
//
// Messages name the files and the rows involved, never a key or a secret.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/context.hpp"
#include "store/store.hpp"
#include "tokens/crypto.hpp"
#include "tokens/sealer.hpp"

namespace ciamd {
namespace {

struct RotateMasterOptions {
  std::string new_key_file;
  bool dry_run = false;
};

// What the current key has to open, counted while checking that it does.
struct SealedCounts {
  int application_secrets = 0;
  int signing_keys = 0;
};

// Opens every sealed value with the current key, through the same reads the server does, so a
// dry run fails exactly where a rotation (or a server start) would. Throws StoreError naming the
// first value that does not open.
SealedCounts check_every_secret_opens(Store& store, const Sealer& current) {
  SealedCounts counts;
  // The store opens both application secrets on every read and throws on the first that fails.
  for (const Application& app : store.list_applications()) {
    counts.application_secrets += app.wechat.secret.empty() ? 0 : 1;
    counts.application_secrets += app.miniprogram.secret.empty() ? 0 : 1;
  }
  // Signing keys come back sealed; flows/keys/signing_keys opens them with the kid as AAD.
  for (const SigningKeyRecord& key : store.list_signing_keys()) {
    if (!current.open(key.sealed_private_key, key.kid)) {
      throw StoreError("the private key of signing key '" + key.kid +
                       "' does not open under the current master key");
    }
    ++counts.signing_keys;
  }
  return counts;
}

// The new key, read and validated exactly as the server will read it once [security]
// master_key_file names the file, so a file accepted here is one the server accepts.
std::string read_new_key(const std::string& path) {
  Config only_the_file;
  only_the_file.security.master_key_file = path;
  return master_key_bytes(only_the_file);
}

void print_next_steps(const std::string& new_key_file) {
  std::cout
      << "Next steps:\n"
      << "  1. On every node, point the configuration at the new key: [security] master_key_file"
      << " = \"" << new_key_file << "\" (or CIAMD_SECURITY_MASTER_KEY), and remove the old"
      << " [security] master_key.\n"
      << "  2. Restart every node (a node still on the old key cannot open the resealed secrets)."
      << " Sessions and issued id_tokens stay valid; registration and bind"
      << " flows in progress and verification codes already sent stop working, and users start"
      << " those again.\n"
      << "  3. Once every node runs with the new key, destroy the old one. Database backups taken"
      << " before the rotation need the old key to open their secrets.\n";
}

void rotate_master(CliState& state, const RotateMasterOptions& opts) {
  AppContext ctx = open_context(state.config_path);
  std::string new_key;
  if (!opts.new_key_file.empty()) {
    try {
      new_key = read_new_key(opts.new_key_file);
    } catch (const ConfigError& e) {
      std::cerr << "the new master key: " << e.what() << "\n";
      state.exit_code = 1;
      return;
    }
    const std::string current_key = master_key_bytes(ctx.config);
    if (crypto::constant_time_equal(new_key, current_key)) {
      std::cerr << "the new master key is the current one: make a new key with `ciamd master-key`"
                << "\n";
      state.exit_code = 1;
      return;
    }
  } else if (!opts.dry_run) {
    std::cerr << "--new-key-file is required (or --dry-run to only check the current key)\n";
    state.exit_code = 1;
    return;
  }

  SealedCounts counts;
  try {
    counts = check_every_secret_opens(*ctx.store, *ctx.sealer);
  } catch (const StoreError& e) {
    std::cerr << "cannot rotate: " << e.what() << "\n"
              << "Is the configured master key the one this database was sealed with? Nothing was "
                 "changed.\n";
    state.exit_code = 1;
    return;
  }
  const std::string what = std::to_string(counts.application_secrets) +
                           " application secret(s) and " + std::to_string(counts.signing_keys) +
                           " signing key(s)";
  if (opts.dry_run) {
    std::cout << "dry run: " << what << " open under the current master key; nothing changed\n";
    return;
  }

  const Sealer next(std::move(new_key));
  try {
    ctx.store->reseal_secrets(*ctx.sealer, next);
  } catch (const StoreError& e) {
    std::cerr << "cannot rotate: " << e.what() << "\n";
    state.exit_code = 1;
    return;
  }
  std::cout << "resealed " << what << " under the new master key\n";
  print_next_steps(opts.new_key_file);
}

}  // namespace

void add_secrets_commands(CLI::App& cli, CliState& state) {
  auto* secrets = cli.add_subcommand("secrets", "Manage the secrets sealed in the database");
  secrets->require_subcommand(1);

  auto opts = std::make_shared<RotateMasterOptions>();
  auto* rotate = secrets->add_subcommand(
      "rotate-master", "Reseal every stored secret under a new master key (stop every node first)");
  rotate->add_option("--new-key-file", opts->new_key_file,
                     "File holding the new master key (base64, as `ciamd master-key` prints)");
  rotate->add_flag("--dry-run", opts->dry_run,
                   "Only check that every secret opens under the current master key");
  rotate->callback([&state, opts] { rotate_master(state, *opts); });
}

}  // namespace ciamd
