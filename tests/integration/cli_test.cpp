// The admin CLI against the same database the running server uses: app create/list/show/update/
// disable/assign, user list/show/disable/enable, migrate, version, and refusals that change
// nothing.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"

namespace it {
namespace {

class Cli : public EnvSuite {
 protected:
  // Runs the CLI and parses its stdout as JSON, failing the test on a non-zero exit.
  json::value cli_json(const std::vector<std::string>& args) {
    const RunResult r = env().cli(args);
    EXPECT_EQ(r.exit_code, 0) << describe(args) << "\n" << r.err;
    try {
      return parse_json(r.out, describe(args) + " output");
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what();
      return nullptr;
    }
  }

  // The command must fail with a message and leave every table as it was.
  void expect_refused(const std::vector<std::string>& args) {
    SCOPED_TRACE(describe(args));
    const RowCounts before = env().row_counts();
    const RunResult r = env().cli(args);
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_FALSE(r.err.empty()) << "a refusal must say why on stderr";
    EXPECT_TRUE(counts_changed_by(before, env().row_counts(), {}, true));
  }

  // Logs a new WeChat user in through an auto_create app and returns the new user's id.
  std::string new_user() {
    const std::string client = env().create_app({.unbound = "auto_create"});
    const HttpResult r = env().login_wechat(client, env().fresh_code());
    EXPECT_TRUE(is_success(r));
    return string_at(decode_jws_part(id_token_of(r), 1), "sub");
  }

  static const json::object* find_by(const json::value& list, std::string_view key,
                                     std::string_view value) {
    if (!list.is_array()) return nullptr;
    for (const auto& item : list.as_array()) {
      if (item.is_object() && string_at(item.as_object(), key) == value) return &item.as_object();
    }
    return nullptr;
  }
};

TEST_F(Cli, AppCreateWithJsonShowsTheAppButNeverTheSecret) {
  const std::string id = unique_name("client");
  const std::string name = unique_name("Shop App");
  const std::string mini_secret = unique_name("mini-secret");
  const RunResult r =
      env().cli({"app", "create", "--name", name, "--client-id", id, "--unbound", "bind",
                 "--wechat-appid", env().wechat_appid(), "--wechat-secret", env().wechat_secret(),
                 "--miniprogram-appid", "wxmini-cli", "--miniprogram-secret", mini_secret,
                 "--miniprogram-session-ttl", "7200", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::value v = parse_json(r.out);
  ASSERT_TRUE(v.is_object()) << r.out;
  EXPECT_EQ(string_at(v.as_object(), "client_id"), id);
  EXPECT_EQ(string_at(v.as_object(), "name"), name);
  EXPECT_EQ(string_at(v.as_object(), "miniprogram_appid"), "wxmini-cli");
  const auto* mini_set = v.as_object().if_contains("miniprogram_secret_set");
  const auto* mini_ttl = v.as_object().if_contains("miniprogram_session_ttl");
  EXPECT_TRUE(mini_set != nullptr && mini_set->is_bool() && mini_set->as_bool()) << r.out;
  EXPECT_TRUE(mini_ttl != nullptr && mini_ttl->is_int64() && mini_ttl->as_int64() == 7200) << r.out;
  for (const std::string& secret : {env().wechat_secret(), mini_secret}) {
    EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  }
  // The server sees the new app at once, with its policy.
  EXPECT_TRUE(is_flow(env().login_wechat(id, env().fresh_code()), "SOCIAL_BIND",
                      {"VERIFY_PHONE", "VERIFY_EMAIL"}));
}

TEST_F(Cli, AppCreateWithJsonShowsTheWeiboAppKeyAndMfaFactors) {
  // The "mfa_factors" member, or null when the output has none.
  const auto factors_of = [](const json::value& app) -> json::value {
    const json::value* factors =
        app.is_object() ? app.as_object().if_contains("mfa_factors") : nullptr;
    return factors != nullptr ? *factors : json::value(nullptr);
  };
  const std::string id = unique_name("client");
  const json::value created =
      cli_json({"app", "create", "--client-id", id, "--weibo-app-key", "2882303761", "--mfa",
                "new_device", "--mfa-factors", "EMAIL,SMS", "--json"});
  ASSERT_TRUE(created.is_object()) << dump(created);
  EXPECT_EQ(string_at(created.as_object(), "weibo_app_key"), "2882303761");
  EXPECT_EQ(string_at(created.as_object(), "mfa"), "new_device");
  EXPECT_EQ(factors_of(created), (json::array{"EMAIL", "SMS"})) << dump(created);

  // Defaults: no Weibo app, both factors.
  const json::value plain = cli_json({"app", "create", "--json"});
  ASSERT_TRUE(plain.is_object()) << dump(plain);
  EXPECT_EQ(string_at(plain.as_object(), "weibo_app_key"), "");
  EXPECT_EQ(factors_of(plain), (json::array{"SMS", "EMAIL"})) << dump(plain);

  // An update changes them ("" removes the Weibo app) and `show` reads them back.
  const RunResult r =
      env().cli({"app", "update", id, "--weibo-app-key", "", "--mfa-factors", "SMS"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json::value shown = cli_json({"app", "show", id, "--json"});
  ASSERT_TRUE(shown.is_object()) << dump(shown);
  EXPECT_EQ(string_at(shown.as_object(), "weibo_app_key"), "");
  EXPECT_EQ(factors_of(shown), (json::array{"SMS"})) << dump(shown);
}

TEST_F(Cli, AppCreateGeneratesAClientId) {
  const json::object app = env().create_app_json();
  EXPECT_GE(string_at(app, "client_id").size(), 16U) << dump(app);
}

TEST_F(Cli, AppListAndShowFindTheApp) {
  const std::string id = env().create_app();
  const json::value list = cli_json({"app", "list", "--json"});
  EXPECT_NE(find_by(list, "client_id", id), nullptr) << dump(list);
  const json::value shown = cli_json({"app", "show", id, "--json"});
  ASSERT_TRUE(shown.is_object()) << dump(shown);
  EXPECT_EQ(string_at(shown.as_object(), "client_id"), id);
  EXPECT_EQ(dump(shown).find(env().wechat_secret()), std::string::npos);
}

TEST_F(Cli, AppUpdateChangesWhatTheServerDoes) {
  const std::string id = env().create_app();
  EXPECT_TRUE(is_flow(env().login_wechat(id, env().fresh_code()), "USER_REGISTER",
                      {"VERIFY_PHONE", "VERIFY_EMAIL"}));
  const json::value updated = cli_json(
      {"app", "update", id, "--unbound", "bind", "--bind-methods", "VERIFY_EMAIL", "--json"});
  ASSERT_TRUE(updated.is_object()) << dump(updated);
  EXPECT_EQ(string_at(updated.as_object(), "client_id"), id);
  // The running server had the app cached; the change is promised within the cache bound.
  HttpResult last;
  EXPECT_TRUE(eventually(
      [&] {
        last = env().login_wechat(id, env().fresh_code());
        return is_flow(last, "SOCIAL_BIND", {"VERIFY_EMAIL"});
      },
      std::chrono::milliseconds(kAppCacheTtlMs + 2000)))
      << "last answer: " << last.describe();
}

TEST_F(Cli, AppDisableIsShownAndRefusedByTheServer) {
  const std::string id = env().create_app();
  const json::value disabled = cli_json({"app", "disable", id, "--json"});
  EXPECT_TRUE(disabled.is_object() && string_at(disabled.as_object(), "client_id") == id)
      << dump(disabled);
  const json::value shown = cli_json({"app", "show", id, "--json"});
  ASSERT_TRUE(shown.is_object()) << dump(shown);
  const auto* enabled = shown.as_object().if_contains("enabled");
  ASSERT_TRUE(enabled != nullptr && enabled->is_bool()) << dump(shown);
  EXPECT_FALSE(enabled->as_bool());
  EXPECT_TRUE(
      is_error(env().login_wechat(id, env().fresh_code()), "IDAAS.SDK.PARAM.0003", Lang::kEn));
}

TEST_F(Cli, InvalidAppOptionsAreRefusedAndChangeNothing) {
  const std::vector<std::string> base{"app", "create", "--name", unique_name("bad"), "--json"};
  const auto plus = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  expect_refused(plus({"--unbound", "sometimes"}));
  expect_refused(plus({"--access", "everyone"}));
  expect_refused(plus({"--bind-methods", "VERIFY_PHONE,CARRIER_PIGEON"}));
  expect_refused(plus({"--bind-methods", ""}));
  expect_refused(plus({"--weibo-app-key", "wb-not-digits"}));
  expect_refused(plus({"--mfa-factors", "SMS,TOTP"}));
  expect_refused(plus({"--mfa-factors", ""}));
  expect_refused({"app", "update", env().create_app(), "--unbound", "sometimes"});
}

TEST_F(Cli, DuplicateClientIdIsRefused) {
  const std::string id = env().create_app();
  expect_refused({"app", "create", "--name", unique_name("dup"), "--client-id", id, "--json"});
}

TEST_F(Cli, UnknownIdsAreRefused) {
  const std::string user = new_user();
  const std::string client = env().create_app();
  expect_refused({"app", "show", unique_name("no-such-app"), "--json"});
  expect_refused({"app", "disable", unique_name("no-such-app")});
  expect_refused({"app", "assign", client, "--user", unique_name("no-such-user")});
  expect_refused({"app", "assign", unique_name("no-such-app"), "--user", user});
  expect_refused({"user", "show", unique_name("no-such-user"), "--json"});
  expect_refused({"user", "disable", unique_name("no-such-user")});
}

TEST_F(Cli, UserListShowDisableEnable) {
  const std::string user = new_user();
  ASSERT_FALSE(user.empty());
  const json::value list = cli_json({"user", "list", "--json"});
  EXPECT_NE(find_by(list, "id", user), nullptr) << dump(list);

  const auto status = [&] {
    const json::value v = cli_json({"user", "show", user, "--json"});
    EXPECT_TRUE(v.is_object() && string_at(v.as_object(), "id") == user) << dump(v);
    return v.is_object() ? string_at(v.as_object(), "status") : std::string();
  };
  EXPECT_EQ(status(), "active");
  ASSERT_EQ(env().cli({"user", "disable", user}).exit_code, 0);
  EXPECT_EQ(status(), "disabled");
  ASSERT_EQ(env().cli({"user", "enable", user}).exit_code, 0);
  EXPECT_EQ(status(), "active");
}

TEST_F(Cli, MigrateIsIdempotent) {
  const RowCounts before = env().row_counts();
  const RunResult r = env().cli({"migrate"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(counts_changed_by(before, env().row_counts(), {}, true));
}

TEST_F(Cli, VersionNamesTheReleaseTheCommitAndTheBuildType) {
  std::ifstream version_file(std::string(CIAMD_SOURCE_DIR) + "/VERSION");
  std::string version;
  std::getline(version_file, version);
  ASSERT_FALSE(version.empty());
  // No configuration: a freshly installed package has none that works yet.
  const RunResult flag = run_to_completion({CIAMD_BIN, "--version"}, env().dir());
  ASSERT_EQ(flag.exit_code, 0) << flag.err;
  const std::regex line(R"(ciamd (\S+) \(commit ([0-9a-f]{7,40}(-dirty)?|unknown), (\w+)\)\n)");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(flag.out, m, line)) << flag.out;
  EXPECT_EQ(m[1].str(), version);
  EXPECT_EQ(m[4].str(), CIAMD_EXPECTED_BUILD_TYPE);
  const RunResult command = run_to_completion({CIAMD_BIN, "version"}, env().dir());
  EXPECT_EQ(command.exit_code, 0) << command.err;
  EXPECT_EQ(command.out, flag.out);
  // The running server says the same on its liveness probe.
  const HttpResult live = request(env().admin_port(), "GET", "/health/live");
  ASSERT_EQ(live.status, 200) << live.body;
  EXPECT_EQ(string_at(parse_json(live.body).as_object(), "version"), version) << live.body;
}

TEST_F(Cli, ConfigMayComeBeforeTheSubcommand) {
  const std::string id = env().create_app();
  const RunResult r = run_to_completion(
      {CIAMD_BIN, "--config", env().config_path().string(), "app", "show", id, "--json"},
      env().dir());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(string_at(parse_json(r.out).as_object(), "client_id"), id);
}

TEST_F(Cli, EnvironmentOverridesTheConfigFile) {
  // CIAMD_DATABASE_URL points the same config at another, empty database of the same backend.
  const TestDatabase other(env().dir(), "other.db");
  const EnvVars vars{{"CIAMD_DATABASE_URL", other.location().url()}};
  const std::string cfg = env().config_path().string();
  ASSERT_EQ(run_to_completion({CIAMD_BIN, "migrate", "--config", cfg}, env().dir(),
                              std::chrono::seconds(60), vars)
                .exit_code,
            0);
  const RunResult r = run_to_completion({CIAMD_BIN, "app", "list", "--json", "--config", cfg},
                                        env().dir(), std::chrono::seconds(60), vars);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_json(r.out), json::array{}) << r.out;
  // The migration landed in the other database.
  EXPECT_TRUE(count_rows(other.location()).contains("applications")) << other.location().url();
}

TEST_F(Cli, MissingConfigFileIsAnError) {
  const RunResult r = run_to_completion(
      {CIAMD_BIN, "app", "list", "--config", (env().dir() / "nope.toml").string()}, env().dir());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.err.empty());
}

// --- operator messages: each misconfigures, runs the binary and reads what it says --------------

// A configuration of its own, beside the suite's: SQLite in `dir`, the master key in a file.
struct OwnConfig {
  std::filesystem::path dir;
  std::filesystem::path config;
  std::filesystem::path key_file;
};

OwnConfig own_config(const std::filesystem::path& base, const std::string& extra_toml = "") {
  OwnConfig c;
  c.dir = base / unique_name("own");
  std::filesystem::create_directories(c.dir);
  c.key_file = c.dir / "master.key";
  // A valid key: base64 of 32 bytes of 'k'.
  write_file(c.key_file, "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=\n");
  ::chmod(c.key_file.c_str(), 0600);
  c.config = c.dir / "ciamd.toml";
  write_file(c.config, "[database]\nurl = \"sqlite://" + (c.dir / "ciamd.db").string() +
                           "\"\n[security]\nmaster_key_file = \"" + c.key_file.string() + "\"\n" +
                           extra_toml);
  return c;
}

RunResult run_ciamd(const OwnConfig& c, std::vector<std::string> args, const EnvVars& vars = {}) {
  args.insert(args.begin(), CIAMD_BIN);
  args.push_back("--config");
  args.push_back(c.config.string());
  return run_to_completion(args, c.dir, std::chrono::seconds(60), vars);
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST_F(Cli, UsageErrorsExitTwoAndHelpExitsZero) {
  const OwnConfig c = own_config(env().dir());
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"app", "create", "--no-such-option"},
                                             {"app", "show"},
                                             {"no-such-command"},
                                             {"app", "update", "x", "--id-token-ttl", "soon"}}) {
    const RunResult r = run_ciamd(c, args);
    EXPECT_EQ(r.exit_code, 2) << describe(args) << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << describe(args);
  }
  const RunResult help = run_ciamd(c, {"app", "update", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  // An update changes only the options given: no default may suggest otherwise.
  EXPECT_FALSE(has(help.out, "default")) << help.out;
  EXPECT_TRUE(has(help.out, "only the options given change")) << help.out;
  const RunResult create_help = run_ciamd(c, {"app", "create", "--help"});
  EXPECT_EQ(create_help.exit_code, 0);
  EXPECT_TRUE(has(create_help.out, "(default: register)")) << create_help.out;
  EXPECT_TRUE(has(create_help.out, "(default: 300)")) << create_help.out;
}

TEST_F(Cli, SqliteFileInAMissingDirectoryIsNamed) {
  const OwnConfig c = own_config(env().dir());
  const std::string path = (c.dir / "no-such-dir" / "ciamd.db").string();
  const RunResult r = run_ciamd(c, {"migrate"}, {{"CIAMD_DATABASE_URL", "sqlite://" + path}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(has(r.err, "database error: sqlite: cannot open the database file " + path)) << r.err;
  EXPECT_TRUE(has(r.err, "the directory " + (c.dir / "no-such-dir").string() + " does not exist"))
      << r.err;
}

TEST_F(Cli, PostgresqlFailuresNeverShowThePassword) {
  const OwnConfig c = own_config(env().dir());
  // Port 1: nothing listens, the connection is refused at once.
  const RunResult r = run_ciamd(
      c, {"migrate"}, {{"CIAMD_DATABASE_URL", "postgresql://ciamd:pw-s3cret@127.0.0.1:1/ciamd"}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(has(r.err, "postgres: cannot connect")) << r.err;
  EXPECT_FALSE(has(r.err, "pw-s3cret")) << r.err;
}

TEST_F(Cli, MasterKeyFileProblemsSayWhyAndWhereTheFileIsNamed) {
  const OwnConfig c = own_config(env().dir());
  const std::string missing = (c.dir / "missing.key").string();
  RunResult r = run_ciamd(c, {"migrate"}, {{"CIAMD_SECURITY_MASTER_KEY_FILE", missing}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "configuration error: the master key file " + missing +
                             ", named by [security] master_key_file (set by "
                             "CIAMD_SECURITY_MASTER_KEY_FILE), does not exist"))
      << r.err;
  write_file(c.key_file, "c2hvcnQ=\n");  // "short"
  r = run_ciamd(c, {"migrate"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "(set in " + c.config.string() + ")")) << r.err;
  EXPECT_TRUE(has(r.err, "decodes to 5 bytes; the master key is exactly 32")) << r.err;
}

TEST_F(Cli, MisspeltEnvironmentVariablesAreRefused) {
  const OwnConfig c = own_config(env().dir());
  const RunResult r = run_ciamd(c, {"migrate"}, {{"CIAMD_SERVR_LISTEN", "0.0.0.0:8080"}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err,
                  "environment variable CIAMD_SERVR_LISTEN names no configuration key "
                  "(did you mean CIAMD_SERVER_LISTEN?)"))
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(c.dir / "ciamd.db")) << "nothing may be done";
}

TEST_F(Cli, AnUnreadableCaFileStopsServeBeforeAnythingIsWritten) {
  const OwnConfig c = own_config(env().dir(), "[upstream]\nca_file = \"/nonexistent/ca.pem\"\n");
  const RunResult r = run_ciamd(c, {"serve"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "[upstream] ca_file (set in " + c.config.string() +
                             ") names /nonexistent/ca.pem, which does not exist"))
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(c.dir / "ciamd.db")) << "nothing may be done";
}

TEST_F(Cli, ServeWarnsAboutUnsafeSettingsAndStartsAnyway) {
  const OwnConfig c = own_config(env().dir(),
                                 "[server]\nlisten = \"0.0.0.0:0\"\ndevelopment = true\n"
                                 "[admin]\nlisten = \"\"\n");
  ::chmod(c.key_file.c_str(), 0644);
  Process server({CIAMD_BIN, "serve", "--config", c.config.string(), "--ready-file",
                  (c.dir / "ready.json").string()},
                 c.dir, "serve");
  (void)wait_for_ready_file(c.dir / "ready.json", server, std::chrono::seconds(30));
  EXPECT_EQ(server.stop(), 0);
  const std::string log = read_file(server.stdout_path()) + read_file(server.stderr_path());
  EXPECT_TRUE(has(log, "the master key file " + c.key_file.string())) << log;
  EXPECT_TRUE(has(log, "has mode 0644")) << log;
  EXPECT_TRUE(has(log,
                  "[tokens] issuer (or CIAMD_TOKENS_ISSUER) is http://127.0.0.1:8080, a "
                  "loopback address, while [server] listen is 0.0.0.0:0"))
      << log;
  EXPECT_TRUE(has(log, "(set in " + c.config.string() +
                           ") is true while [server] listen is "
                           "0.0.0.0:0"))
      << log;
}

TEST_F(Cli, TokenDecodeShowsTheApiClaimAsTheTokenCarriesItThenDecoded) {
  const std::string client = env().create_app({.unbound = "auto_create"});
  const HttpResult login = env().login_wechat(client, env().fresh_code());
  ASSERT_TRUE(is_success(login));
  const RunResult r = env().cli({"token", "decode", id_token_of(login)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.out, "\"api\":\"{\\\"")) << "api must stay a JSON string:\n" << r.out;
  EXPECT_TRUE(has(r.out, "\napi (decoded): {\"")) << r.out;
  EXPECT_TRUE(has(r.out, "signature: valid")) << r.out;
}

}  // namespace
}  // namespace it
