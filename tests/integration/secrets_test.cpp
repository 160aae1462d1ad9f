// Secrets (operations.md "Rotating the master key", "Secrets and keys"): `ciamd secrets
// rotate-master` on a stopped server, then a restart on the new key; and, last, a sweep of every
// log the run produced, and of the database, for every secret the run handled.
//
// The tests of this suite share one Env and run in file order: the sweep comes last so that it
// also covers the rotation's output and both master keys. Each test records the secrets it
// handles in `handled()`, and the sweep makes its own as well, so it means something when run
// alone.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <boost/json/array.hpp>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/suite.hpp"
#include "support/webhook_receiver.hpp"

namespace it {
namespace {

constexpr const char* kRefreshPath = "/api/v2/sdk/sso/session-token/id-token";

// A secret a test handled, and whether it is a 6-digit code (matched as a whole number only: a
// bare six-digit substring turns up by chance in timestamps and hashes).
struct Handled {
  std::string what;
  std::string value;
  bool is_code = false;
};

std::vector<Handled>& handled() {
  static std::vector<Handled> secrets;
  return secrets;
}

void remember(const std::string& what, const std::string& value, bool is_code = false) {
  ASSERT_FALSE(value.empty()) << what << " is empty: the test lost track of it";
  handled().push_back({what, value, is_code});
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Whether `text` holds `secret`; a code counts only where no digit touches it on either side.
bool holds(const std::string& text, const Handled& secret) {
  for (std::size_t at = text.find(secret.value); at != std::string::npos;
       at = text.find(secret.value, at + 1)) {
    if (!secret.is_code) return true;
    const std::size_t end = at + secret.value.size();
    if ((at == 0 || !is_digit(text[at - 1])) && (end == text.size() || !is_digit(text[end]))) {
      return true;
    }
  }
  return false;
}

// The config's master key as written there: inline, or the contents of master_key_file.
std::string configured_master_key(const Env& env) {
  const std::string toml = read_file(env.config_path());
  for (const std::string key : {"master_key = \"", "master_key_file = \""}) {
    const std::size_t at = toml.find("\n" + key);
    if (at == std::string::npos) continue;
    const std::size_t start = at + 1 + key.size();
    std::string value = toml.substr(start, toml.find('"', start) - start);
    if (key.starts_with("master_key_file")) {
      value = read_file(value);
      while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    }
    return value;
  }
  return {};
}

// Replaces [security]'s key line with master_key_file = `path`, as an operator finishing a
// rotation does (the Env writes the key inline).
void use_master_key_file(const Env& env, const std::filesystem::path& path) {
  std::string toml = read_file(env.config_path());
  std::size_t at = toml.find("\nmaster_key = \"");
  if (at == std::string::npos) at = toml.find("\nmaster_key_file = \"");
  ASSERT_NE(at, std::string::npos) << toml;
  const std::size_t end = toml.find('\n', at + 1);
  toml.replace(at + 1, end - at - 1, "master_key_file = \"" + path.string() + "\"");
  write_file(env.config_path(), toml);
}

std::set<std::string> kids_of(const boost::json::object& jwks) {
  std::set<std::string> kids;
  const boost::json::value* keys = jwks.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) return kids;
  for (const boost::json::value& k : keys->as_array()) {
    if (k.is_object()) kids.insert(string_at(k.as_object(), "kid"));
  }
  return kids;
}

// SMS codes go to a webhook signed with [notify] webhook_secret (an operator credential the sweep
// looks for), email codes to the outbox file.
class Secrets : public EnvSuite {
 protected:
  static void SetUpTestSuite() {
    SetUpTestSuiteWith(
        {.notify = {.sms = "webhook", .webhook_secret = unique_name("webhook-secret") + "-Zq8"}});
  }

  std::string session_token_of(const HttpResult& r) {
    return string_at(r.json().as_object(), "session_token");
  }

  HttpResult refresh(const std::string& client, const std::string& token) {
    Headers h = env().login_headers(client);
    h.emplace_back("session-token", token);
    return env().post_sdk(kRefreshPath, h, "");
  }

  // A fresh master key in a file of the Env's dir, in the format `ciamd master-key` prints. Made
  // here rather than by running `ciamd master-key`, whose output file would hold the key and so
  // trip the log sweep.
  std::filesystem::path new_key_file(const std::string& name) {
    std::string bytes(32, '\0');
    EXPECT_EQ(RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), 32), 1);
    const std::filesystem::path path = env().dir() / name;
    write_file(path, base64_encode(bytes) + "\n");
    return path;
  }

  // Every sealed value in the database, to show a refused rotation wrote nothing.
  std::vector<std::string> sealed_values() {
    std::vector<std::string> all = table_cells(env().db(), "signing_keys");
    for (std::string& cell : table_cells(env().db(), "applications")) all.push_back(cell);
    return all;
  }

  // Sends an SMS code through the webhook and returns it.
  std::string send_sms_code(const std::string& client, const std::string& token) {
    const std::size_t seen = env().webhook().requests().size();
    const HttpResult r = post_flow(env(), kSmsSendPath, client, token,
                                   {{"mobile", unique_mobile()}, {"type", "REGISTER_SMS"}});
    EXPECT_TRUE(is_empty_ok(r));
    EXPECT_TRUE(env().webhook().wait_for_requests(seen + 1, std::chrono::seconds(10)));
    const std::vector<ciamd::test_support::WebhookRequest> got = env().webhook().requests();
    if (got.size() <= seen) return {};
    // The message text only: the body's request id is hex and may hold six digits in a row.
    return code_in(string_at(parse_json(got[seen].body, "webhook body").as_object(), "text"));
  }
};

TEST_F(Secrets, RotateMasterRefusesABadNewKeyAndChangesNothing) {
  env().create_app({.unbound = "auto_create"});  // something sealed to leave alone
  const std::vector<std::string> before = sealed_values();
  const std::string current = configured_master_key(env());
  remember("the master key", current);

  const std::filesystem::path malformed = env().dir() / "malformed.key";
  write_file(malformed, "not-a-key\n");
  const std::filesystem::path short_key = env().dir() / "short.key";
  write_file(short_key, base64_encode(std::string(16, 'k')) + "\n");
  const std::filesystem::path same = env().dir() / "same.key";
  write_file(same, current + "\n");

  const std::vector<std::vector<std::string>> refused{
      {"secrets", "rotate-master", "--new-key-file", malformed.string()},
      {"secrets", "rotate-master", "--new-key-file", short_key.string()},
      {"secrets", "rotate-master", "--new-key-file", (env().dir() / "missing.key").string()},
      {"secrets", "rotate-master", "--new-key-file", same.string()},
      {"secrets", "rotate-master"},
  };
  for (const std::vector<std::string>& args : refused) {
    const RunResult r = env().cli(args);
    EXPECT_NE(r.exit_code, 0) << describe(args) << "\n" << r.out << r.err;
    EXPECT_FALSE(r.err.empty()) << describe(args) << ": no message";
    EXPECT_EQ((r.out + r.err).find(current), std::string::npos) << r.out << r.err;
  }
  const RunResult same_key =
      env().cli({"secrets", "rotate-master", "--new-key-file", same.string()});
  EXPECT_NE(same_key.err.find("is the current one"), std::string::npos) << same_key.err;
  EXPECT_EQ(sealed_values(), before);
}

TEST_F(Secrets, DryRunChecksEverySecretOpensAndChangesNothing) {
  env().create_app({.unbound = "auto_create"});
  const std::vector<std::string> before = sealed_values();
  const RunResult r = env().cli({"secrets", "rotate-master", "--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("dry run"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("signing key"), std::string::npos) << r.out;
  // With a new key given, a dry run checks that file too, and still writes nothing.
  const std::filesystem::path next = new_key_file("dry-run.key");
  const RunResult with_key =
      env().cli({"secrets", "rotate-master", "--dry-run", "--new-key-file", next.string()});
  EXPECT_EQ(with_key.exit_code, 0) << with_key.out << with_key.err;
  EXPECT_EQ(sealed_values(), before);
}

TEST_F(Secrets, RotatingTheMasterKeyKeepsLoginsKeysSessionsAndIdTokens) {
  // Before: a WeChat and a mini program login (both secrets open), and a registration left half
  // way with a code sent.
  const std::string client = env().create_app({.unbound = "auto_create"});
  const SimUser user = env().new_wechat_user();
  const HttpResult wechat = env().login_wechat(client, env().mint_code(user.user_key));
  ASSERT_TRUE(is_success(wechat));
  const HttpResult mini = env().login_miniprogram(client, env().mint_mini_code(user.user_key));
  ASSERT_TRUE(is_success(mini));
  const std::string session = session_token_of(wechat);
  remember("a session token", session);
  remember("a session token", session_token_of(mini));
  const std::string id_token = id_token_of(wechat);
  const std::set<std::string> kids = kids_of(env().fetch_jwks());
  ASSERT_FALSE(kids.empty());

  const std::string register_client = env().create_app({.unbound = "register"});
  const std::string state_token = start_flow(env(), register_client, env().fresh_code());
  ASSERT_FALSE(state_token.empty());
  const std::string email = unique_email();
  const std::string code =
      send_code(env(), register_client, state_token, "email", email, "REGISTER_EMS");
  remember("a verification code", code, /*is_code=*/true);
  const std::vector<std::string> sealed_before = sealed_values();

  // The rotation, as operations.md tells it.
  const std::string old_key = configured_master_key(env());
  remember("the old master key", old_key);
  ASSERT_EQ(env().stop_server(), 0);
  const std::filesystem::path key_file = new_key_file("master.key.new");
  const std::string new_key = read_file(key_file).substr(0, read_file(key_file).find('\n'));
  remember("the new master key", new_key);
  const RunResult rotated =
      env().cli({"secrets", "rotate-master", "--new-key-file", key_file.string()});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.out << rotated.err;
  EXPECT_NE(rotated.out.find("master_key_file"), std::string::npos) << rotated.out;
  EXPECT_NE(sealed_values(), sealed_before) << "nothing was resealed";
  // The old key no longer opens the database: a second rotation from it is refused.
  const RunResult again =
      env().cli({"secrets", "rotate-master", "--new-key-file", key_file.string()});
  EXPECT_NE(again.exit_code, 0) << again.out << again.err;

  use_master_key_file(env(), key_file);
  ASSERT_NO_THROW(env().start_server());

  // After: the same signing keys, the old id_token still verifies, both secrets open.
  EXPECT_EQ(kids_of(env().fetch_jwks()), kids);
  EXPECT_TRUE(is_valid_id_token(id_token, env().fetch_jwks(), client));
  const HttpResult wechat_after = env().login_wechat(client, env().mint_code(user.user_key));
  EXPECT_TRUE(is_success(wechat_after));
  EXPECT_TRUE(is_success(env().login_miniprogram(client, env().mint_mini_code(user.user_key))));
  EXPECT_TRUE(kids.contains(string_at(decode_jws_part(id_token_of(wechat_after), 0), "kid")));
  // Sessions are hashed without a key: they survive.
  EXPECT_EQ(refresh(client, session).status, 200);
  // The flow in progress does not: its state token was signed with a key derived from the old
  // master key (operations.md says so; the user starts again).
  EXPECT_TRUE(is_error(post_flow(env(), kRegisterBindPath, register_client, state_token,
                                 {{"email", email}, {"verify_code", code}}),
                       "IDAAS.SDK.COMMON.1007", Lang::kEn));
  // And a new flow works under the new key (another address: the resend interval of the first
  // one is still running).
  const std::string restarted = start_flow(env(), register_client, env().fresh_code());
  ASSERT_FALSE(restarted.empty());
  const std::string new_email = unique_email();
  const std::string new_code =
      send_code(env(), register_client, restarted, "email", new_email, "REGISTER_EMS");
  remember("a verification code", new_code, /*is_code=*/true);
  EXPECT_TRUE(is_success(post_flow(env(), kRegisterBindPath, register_client, restarted,
                                   {{"email", new_email}, {"verify_code", new_code}})));
}

// Last in the file: sweeps every log the suite produced.
TEST_F(Secrets, NoSecretAppearsInAnyLogOrInTheDatabaseInClear) {
  // This test's own traffic: logins, an SMS code through the webhook, an email code through the
  // outbox, a session refresh.
  const std::string client = env().create_app({.unbound = "auto_create"});
  const SimUser user = env().new_wechat_user();
  const HttpResult login = env().login_wechat(client, env().mint_code(user.user_key));
  ASSERT_TRUE(is_success(login));
  ASSERT_TRUE(is_success(env().login_miniprogram(client, env().mint_mini_code(user.user_key))));
  remember("a session token", session_token_of(login));
  const HttpResult refreshed = refresh(client, session_token_of(login));
  EXPECT_EQ(refreshed.status, 200) << refreshed.describe();
  const std::string register_client = env().create_app({.unbound = "register"});
  const std::string token = start_flow(env(), register_client, env().fresh_code());
  ASSERT_FALSE(token.empty());
  const std::string email_code =
      send_code(env(), register_client, token, "email", unique_email(), "REGISTER_EMS");
  remember("a verification code", email_code, /*is_code=*/true);
  remember("a verification code", send_sms_code(register_client, token), /*is_code=*/true);
  remember("the WeChat app secret", env().wechat_secret());
  remember("the mini program secret", env().miniprogram().secret);
  remember("the webhook secret", env().options().notify.webhook_secret);
  remember("the master key", configured_master_key(env()));
  // An admin API token, used once, and a wrong one presented: neither may be logged. The right
  // one is printed once, by the `ciamd admin token create` that made it (checked below); the
  // command is run with --config first, as an operator types it.
  const RunResult created =
      run_to_completion({CIAMD_BIN, "--config", env().config_path().string(), "admin", "token",
                         "--json", "create", "--name", unique_name("secrets-sweep")},
                        env().dir());
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
  const std::string admin_token =
      string_at(parse_json(created.out, "admin token create").as_object(), "token");
  ASSERT_FALSE(admin_token.empty()) << created.out;
  // A server whose ready file names no admin listener (one built without it, or with [admin]
  // listen = "") has nowhere to present the tokens: they are then only swept for as created.
  if (env().admin_port() != 0) {
    const HttpResult admin_call = request(env().admin_port(), "GET", "/admin/v1/applications",
                                          {{"Authorization", "Bearer " + admin_token}}, "");
    EXPECT_EQ(admin_call.status, 200) << admin_call.describe();
    const std::string wrong = admin_token.substr(0, admin_token.size() / 2) + "Wr0ng";
    const HttpResult refused = request(env().admin_port(), "GET", "/admin/v1/applications",
                                       {{"Authorization", "Bearer " + wrong}}, "");
    EXPECT_EQ(refused.status, 401) << refused.describe();
    remember("a wrong admin token", wrong);
  }

  // The logs: every process of the run (each server start, each CLI run, the simulator) writes
  // <name>.out and <name>.err into the Env's dir.
  std::vector<std::pair<std::string, std::string>> logs{{"server output", env().server_output()},
                                                        {"process logs", env().logs()}};
  for (const auto& entry : std::filesystem::directory_iterator(env().dir())) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".out" || ext == ".err" || ext == ".log") {
      logs.emplace_back(entry.path().filename().string(), read_file(entry.path()));
    }
  }
  ASSERT_GT(logs.size(), 3U) << "found no process logs in " << env().dir();
  // The sweep reads what the server really wrote.
  ASSERT_NE(logs.front().second.find("ciamd listening"), std::string::npos) << logs.front().second;

  // The database's columns in clear: everything but the sealed ones (which hold ciphertext).
  const std::set<std::string> sealed{"wechat_secret_sealed", "miniprogram_secret_sealed",
                                     "sealed_private_key"};
  std::vector<std::pair<std::string, std::string>> columns;
  for (const auto& [table, rows] : count_rows(env().db())) {
    const std::vector<std::string> names = table_columns(env().db(), table);
    const std::vector<std::string> cells = table_cells(env().db(), table);
    ASSERT_FALSE(names.empty()) << table;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const std::string& column = names[i % names.size()];
      if (!sealed.contains(column)) columns.emplace_back(table + "." + column, cells[i]);
    }
  }
  ASSERT_FALSE(columns.empty());

  for (const Handled& secret : handled()) {
    for (const auto& [name, text] : logs) {
      EXPECT_FALSE(holds(text, secret)) << secret.what << " appears in " << name;
    }
    for (const auto& [name, cell] : columns) {
      EXPECT_FALSE(holds(cell, secret)) << secret.what << " is stored in clear in " << name;
    }
  }
  // The admin token's only appearance: the output of the command that created it, which is how
  // it reaches the operator (as the outbox is for codes).
  std::vector<std::string> holding_admin_token;
  for (const auto& [name, text] : logs) {
    if (holds(text, {"the admin token", admin_token, false})) holding_admin_token.push_back(name);
  }
  ASSERT_EQ(holding_admin_token.size(), 1U)
      << "the admin token appears in " << holding_admin_token.size() << " logs";
  EXPECT_TRUE(holding_admin_token[0].starts_with("cli-")) << holding_admin_token[0];
  EXPECT_NE(read_file(env().dir() / holding_admin_token[0]).find("\"token\""), std::string::npos);
  for (const auto& [name, cell] : columns) {
    EXPECT_FALSE(holds(cell, {"the admin token", admin_token, false}))
        << "the admin token is stored in clear in " << name;
  }
  // Codes are delivered through the outbox: the sweep would be blind if it could not find the
  // email code there.
  EXPECT_TRUE(holds(read_file(env().outbox_path()), {"the email code", email_code, true}));
}

}  // namespace
}  // namespace it
