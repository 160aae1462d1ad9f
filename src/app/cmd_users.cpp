// `ciamd user ...`: find and help users.
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>

#include "app/cli_output.hpp"
#include "app/commands.hpp"
#include "app/context.hpp"
#include "core/clock.hpp"
#include "flows/admin/users.hpp"
#include "render/records.hpp"

namespace ciamd {
namespace {

void finish(CliState& state, const Result<User>& r, bool json) {
  ciamd::finish(state, r, json, user_json);
}

}  // namespace

void add_user_commands(CLI::App& cli, CliState& state) {
  auto* user = cli.add_subcommand("user", "Find and manage users");
  user->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  user->add_flag("--json", *json, "Print JSON");

  // Paged as the admin API pages (GET /admin/v1/users): by id, after a cursor.
  auto limit = std::make_shared<int>(100);
  auto after = std::make_shared<std::string>();
  auto query = std::make_shared<std::string>();
  auto* list = user->add_subcommand("list", "List users by id, a page at a time");
  list->add_option("--limit", *limit, "At most this many (1-1000)")->check(CLI::Range(1, 1000));
  list->add_option("--after", *after, "Start after this user id (the previous page's next)");
  list->add_option("--query", *query,
                   "Only users whose id, username, mobile (any written form) or email is this");
  list->callback([&state, json, limit, after, query] {
    AppContext ctx = open_context(state.config_path);
    const Page<User> page = admin_flows(ctx).users.search(*query, *after, *limit);
    boost::json::array all;
    for (const User& u : page.items) {
      if (*json) {
        all.push_back(user_json(u));
      } else {
        std::cout << u.id << "  " << u.username << "  " << to_string(u.status) << "\n";
      }
    }
    if (*json) std::cout << boost::json::serialize(all) << "\n";
    if (page.next) std::cerr << "more: --after " << *page.next << "\n";
  });

  auto user_id = std::make_shared<std::string>();
  auto* show = user->add_subcommand("show", "Show a user");
  show->add_option("user_id", *user_id)->required();
  show->callback([&state, json, user_id] {
    AppContext ctx = open_context(state.config_path);
    finish(state, admin_flows(ctx).users.get(*user_id), *json);
  });

  for (const bool enable : {false, true}) {
    auto* cmd = user->add_subcommand(enable ? "enable" : "disable",
                                     enable ? "Let a user log in again" : "Stop a user logging in");
    cmd->add_option("user_id", *user_id)->required();
    cmd->callback([&state, json, user_id, enable] {
      AppContext ctx = open_context(state.config_path);
      finish(state, admin_flows(ctx).users.set_enabled(*user_id, enable, system_now()), *json);
    });
  }
}

}  // namespace ciamd
