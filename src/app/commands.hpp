// app/commands: the `ciamd` subcommands. Each add_* registers its commands on the CLI11 app; the
// callbacks read the shared options and run the same flows the HTTP handlers use.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace ciamd {

struct CliState {
  std::string config_path;  // --config FILE (or CIAMD_CONFIG)
  int exit_code = 0;
};

void add_serve_command(CLI::App& cli, CliState& state);
void add_app_commands(CLI::App& cli, CliState& state);
void add_user_commands(CLI::App& cli, CliState& state);
void add_admin_commands(CLI::App& cli, CliState& state);    // admin token create|list|revoke
void add_session_commands(CLI::App& cli, CliState& state);  // session list|revoke, purge
void add_misc_commands(CLI::App& cli, CliState& state);     // migrate, master-key, token, version
void add_keys_commands(CLI::App& cli, CliState& state);     // keys list, keys rotate
void add_secrets_commands(CLI::App& cli, CliState& state);  // secrets rotate-master

}  // namespace ciamd
