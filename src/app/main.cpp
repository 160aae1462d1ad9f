// ciamd: the customer-identity server and its operator commands.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "store/store.hpp"
#include "version/version.hpp"

int main(int argc, char** argv) {
  // A peer that hangs up must cost a failed write, never the process.
  std::signal(SIGPIPE, SIG_IGN);
  ciamd::CliState state;
  CLI::App cli{"ciamd: customer identity server for WeChat and Weibo logins"};
  cli.add_option("--config", state.config_path, "TOML configuration file")->envname("CIAMD_CONFIG");
  // The same line as `ciamd version`; needs no configuration, so it works before any is written.
  cli.set_version_flag("--version", ciamd::version_line());
  cli.require_subcommand(1);
  ciamd::add_serve_command(cli, state);
  ciamd::add_app_commands(cli, state);
  ciamd::add_user_commands(cli, state);
  ciamd::add_session_commands(cli, state);
  ciamd::add_admin_commands(cli, state);
  ciamd::add_misc_commands(cli, state);
  ciamd::add_keys_commands(cli, state);
  ciamd::add_secrets_commands(cli, state);
  // `ciamd serve --config F` as well as `ciamd --config F serve`, at every depth
  // (`ciamd admin token create --json --config F`).
  const auto fall_through = [](CLI::App* app, const auto& self) -> void {
    for (CLI::App* sub : app->get_subcommands({})) {
      sub->fallthrough();
      self(sub, self);
    }
  };
  fall_through(&cli, fall_through);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // cli.exit prints the help or the usage error. CLI11's own codes (106, 109, ...) are its
    // internals, not a contract: a wrong command line is a usage error, exit 2 like a wrong
    // configuration. --help is a "ParseError" of code 0 and stays 0.
    return cli.exit(e) == 0 ? ciamd::kExitOk : ciamd::kExitUsage;
  } catch (const ciamd::ConfigError& e) {
    std::cerr << "configuration error: " << e.what() << "\n";
    return ciamd::kExitConfig;
  } catch (const ciamd::StoreError& e) {
    std::cerr << "database error: " << e.what() << "\n";
    return ciamd::kExitDatabase;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return ciamd::kExitFailed;
  }
  return state.exit_code;
}
