// app/commands: the `ciamd` subcommands. Each add_* registers its commands on the CLI11 app; the
// callbacks read the shared options and run the same flows the HTTP handlers use.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace ciamd {

// The exit codes of every command, as docs/operations.md lists them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;    // the command ran and failed; the message says why
inline constexpr int kExitUsage = 2;     // a wrong command line (unknown option, missing argument)
inline constexpr int kExitConfig = 2;    // a configuration error; nothing was done
inline constexpr int kExitDatabase = 3;  // the database could not be opened or used

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
