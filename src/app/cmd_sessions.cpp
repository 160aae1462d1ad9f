// `ciamd session ...` and `ciamd purge`: operators' view of sessions, and the purge the server
// also runs in the background ([maintenance] in docs/configuration.md).
#include <CLI/CLI.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <iostream>

#include "app/cli_output.hpp"
#include "app/commands.hpp"
#include "app/context.hpp"
#include "core/clock.hpp"
#include "flows/maintenance/purge.hpp"
#include "render/records.hpp"

namespace ciamd {

void add_session_commands(CLI::App& cli, CliState& state) {
  auto* session = cli.add_subcommand("session", "List and revoke sessions");
  session->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  session->add_flag("--json", *json, "Print JSON");

  auto user_id = std::make_shared<std::string>();
  auto* list = session->add_subcommand("list", "A user's sessions, newest first");
  list->add_option("--user", *user_id, "User id")->required();
  list->callback([&state, json, user_id] {
    AppContext ctx = open_context(state.config_path);
    const UnixSeconds now = system_now();
    Result<std::vector<Session>> all = admin_flows(ctx).sessions.list(*user_id);
    if (!all) {
      report_failure(state, all.error());
      return;
    }
    boost::json::array out;
    for (const Session& s : all.value()) {
      if (*json) {
        out.push_back(session_json(s, now));
      } else {
        std::cout << s.id << "  " << s.client_id << "  " << s.provider << "  "
                  << session_state(s, now) << "  expires " << s.expires_at << "\n";
      }
    }
    if (*json) std::cout << boost::json::serialize(out) << "\n";
  });

  auto session_id = std::make_shared<std::string>();
  auto* revoke = session->add_subcommand(
      "revoke", "Revoke one session, or with --user every live session of a user");
  auto* id_opt = revoke->add_option("session_id", *session_id, "Session id");
  auto* user_opt = revoke->add_option("--user", *user_id, "User id: revoke all their sessions");
  id_opt->excludes(user_opt);
  revoke->callback([&state, json, session_id, user_id, id_opt] {
    AppContext ctx = open_context(state.config_path);
    if (id_opt->count() > 0) {
      finish(state, admin_flows(ctx).sessions.revoke(*session_id, system_now()), *json,
             [](const Session& s) { return session_json(s, system_now()); });
      return;
    }
    if (user_id->empty()) {
      report_failure(state, ApiError{ErrorCode::kAdminInvalidArgument,
                                     "name a session id, or a user with --user"});
      return;
    }
    finish(state, admin_flows(ctx).sessions.revoke_all(*user_id, system_now()), *json,
           [&user_id](int revoked) {
             boost::json::object o;
             o["user_id"] = *user_id;
             o["revoked"] = revoked;
             return o;
           });
  });

  auto* purge = cli.add_subcommand("purge", "Delete expired sessions, flows and send records now");
  purge->callback([&state] {
    AppContext ctx = open_context(state.config_path);
    const PurgeTotals t = purge_expired_rows(*ctx.store, system_now(),
                                             static_cast<int>(ctx.config.maintenance.purge_batch));
    boost::json::object o;
    o["sessions"] = t.sessions;
    o["flows"] = t.flows;
    o["send_events"] = t.send_events;
    std::cout << boost::json::serialize(o) << "\n";
  });
}

}  // namespace ciamd
