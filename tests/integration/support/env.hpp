// Env: one complete system under test in its own temp dir: idp-sim (HTTP + HTTPS with a throwaway
// CA), a ciamd config with a fresh master key, a migrated database of its own (an SQLite file, or a
// PostgreSQL database on the test cluster when CIAMD_TEST_DATABASE=postgres: see TestDatabase) and
// `ciamd serve`, plus the helpers tests use to drive it. Tests create their own applications and
// WeChat users through it, so several tests can share one Env and still be independent.
//
//   Env env;
//   std::string client = env.create_app({.unbound = "auto_create"});
//   HttpResult r = env.login_wechat(client, env.fresh_code());
//   HttpResult m = env.login_miniprogram(client, env.mint_mini_code(user_key));
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "integration/support/db_reader.hpp"
#include "integration/support/http_client.hpp"
#include "integration/support/jwt_verify.hpp"
#include "integration/support/process.hpp"
#include "integration/support/sim.hpp"
#include "integration/support/temp_dir.hpp"
#include "integration/support/test_database.hpp"

namespace ciamd::test_support {
class SmtpSink;
class WebhookReceiver;
}  // namespace ciamd::test_support

namespace it {

inline constexpr const char* kIssuer = "https://ciamd.test";
inline constexpr const char* kLoginPath = "/api/v2/sdk/login/wechat";
inline constexpr const char* kMiniLoginPath = "/api/v2/sdk/login/wechat-miniprogram";
inline constexpr const char* kPhoneLoginPath = "/api/v2/sdk/login/wechat-mini-program-mobile";
inline constexpr const char* kWechatMobileBindPath = "/api/v2/sdk/social/wechat-mobile-bind";
inline constexpr const char* kWechatMobileRegisterBindPath =
    "/api/v2/sdk/social/wechat-mobile-register-bind";
inline constexpr const char* kWeiboLoginPath = "/api/v2/sdk/login/weibo";
inline constexpr const char* kKeysPath = "/api/v1/oauth2/keys";
inline constexpr const char* kDiscoveryPath = "/.well-known/openid-configuration";
// The server's upstream request timeout in the test config; fault tests exceed it on purpose.
inline constexpr int kUpstreamTimeoutMs = 2000;

// [server] app_cache_ttl_ms in the test config: the server caches applications, and an admin change
// is only promised to take effect within this bound (docs/configuration.md). Short, so tests of
// such changes wait little.
inline constexpr int kAppCacheTtlMs = 300;

// Polls pred() every 20 ms until it holds or `within` has passed; returns its last value. For
// effects the server only promises within a bound (see kAppCacheTtlMs).
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds within);

// An appid and its secret, as registered in the simulator (an Open Platform app or a mini program).
struct WechatApp {
  std::string appid;
  std::string secret;
};

// `ciamd app create` options; absent ones are left to the server's defaults.
struct AppSpec {
  std::optional<std::string> name{};  // default: a unique name
  std::optional<std::string> client_id{};
  std::optional<std::string> unbound{};       // register|bind|auto_create|reject
  std::optional<std::string> bind_methods{};  // "VERIFY_PHONE,VERIFY_EMAIL"
  std::optional<std::string> access{};        // all|assigned
  std::optional<std::int64_t> id_token_ttl{};
  std::optional<std::int64_t> wechat_session_ttl{};
  bool wechat = true;       // configure the Env's WeChat appid and secret
  bool miniprogram = true;  // configure a mini program: `miniprogram_app`, else the Env's
  std::optional<std::int64_t> miniprogram_session_ttl{};
  std::optional<WechatApp> miniprogram_app{};
  bool weibo = true;                              // configure the Env's Weibo app key
  std::optional<std::string> mfa{};               // off|always|new_device
  std::optional<std::string> mfa_factors{};       // "SMS,EMAIL"
  std::optional<std::string> id_token_alg{};      // RS256|ES256
  std::optional<std::string> session_lifetime{};  // fixed|sliding
  std::optional<std::int64_t> session_max_lifetime{};
  bool rotate_session_token = false;
  std::optional<std::string> allowed_country_codes{};  // "86,852"
  std::optional<std::int64_t> hourly_send_budget{};
};

// The `ciamd app create|update` flags for `spec` (without the subcommand). The mini program flags
// need `spec.miniprogram_app` or a non-empty `mini`.
std::vector<std::string> app_flags(const AppSpec& spec, const std::string& wechat_appid,
                                   const std::string& wechat_secret, const WechatApp& mini = {},
                                   const std::string& weibo_app_key = {});

// How the server delivers verification codes ([notify]). The outbox (a JSON-lines file in the Env's
// temp dir) needs [server] development = true, which every Env sets. "webhook" starts a
// WebhookReceiver and "smtp" a plain SmtpSink on loopback, owned by the Env.
struct NotifySetup {
  std::string sms = "outbox";    // outbox|webhook
  std::string email = "outbox";  // outbox|smtp
  std::vector<int> webhook_statuses{200};
  std::string webhook_secret = "it-webhook-secret";
  int webhook_max_attempts = 2;
  int webhook_backoff_ms = 10;
  std::string smtp_from = "noreply@ciamd.test";
  int smtp_timeout_ms = 5000;
};

// [verification]. The per-peer and per-device caps default high here: every test request comes
// from 127.0.0.1 with the Env's one fingerprint, so a suite sharing one Env would otherwise run
// into them. targets_per_flow keeps the server's default.
struct VerificationSetup {
  int code_ttl = 300;
  int max_attempts = 5;
  int resend_interval = 60;
  int daily_cap_per_target = 10;
  int daily_cap_per_peer = 100000;
  int targets_per_flow = 3;
  int daily_targets_per_device = 100000;
};

// Deviations from the standard wiring, for tests of upstream failures and code delivery.
struct EnvOptions {
  // Replaces the simulator's HTTPS URL as [upstream] wechat_base_url.
  std::optional<std::string> wechat_base_url{};
  // False: leave [upstream] ca_file out, so the simulator's certificate is not trusted.
  bool trust_sim_ca = true;
  NotifySetup notify{};
  VerificationSetup verification{};
  std::int64_t state_token_ttl = 1800;  // [tokens]; the server accepts 10 to 86400
  // [tokens]: short, so a `ciamd keys rotate` reaches the running server quickly.
  std::int64_t key_reload_interval = 1;
  std::int64_t purge_interval = 300;  // [maintenance]
  std::string log_format = "text";    // [log] format: "text" or "json"
  // The PostgreSQL cluster (its maintenance database's URL) on which the Env creates its database,
  // whatever CIAMD_TEST_DATABASE says; unset: the backend under test, on the shared cluster. For
  // tests that stop or restart their own cluster (see PgCluster), which the shared one must not be.
  std::optional<std::string> postgres_server_url{};
};

// "prefix-<pid>-<n>": unique across parallel test processes and within one.
std::string unique_name(const std::string& prefix);

class Env {
 public:
  // Throws std::runtime_error (with logs) when anything fails to come up.
  explicit Env(EnvOptions options = {});
  ~Env();
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  const std::filesystem::path& dir() const { return dir_.path(); }
  // The server's database, for db_reader's peeks (either backend).
  const DbLocation& db() const { return db_->location(); }
  std::filesystem::path config_path() const { return dir() / "ciamd.toml"; }
  IdpSim& sim() { return *sim_; }
  int port() const { return port_; }
  // The admin listener ([admin] listen, a free loopback port), and an admin API token for it,
  // created with `ciamd admin token create` on first use.
  int admin_port() const { return admin_port_; }
  const std::string& admin_token();
  const std::string& wechat_appid() const { return wechat_appid_; }
  const std::string& wechat_secret() const { return wechat_secret_; }
  // The mini program of the same Open Platform account, registered in the simulator at start.
  const WechatApp& miniprogram() const { return miniprogram_; }
  const EnvOptions& options() const { return options_; }
  // The Weibo app registered in the simulator at start (AppSpec::weibo configures it).
  const std::string& weibo_app_key() const { return weibo_app_key_; }
  const std::string& weibo_secret() const { return weibo_secret_; }
  // [notify] outbox_file.
  std::filesystem::path outbox_path() const { return dir() / "outbox.jsonl"; }
  // The SMS gateway stand-in; throws unless the Env was made with notify.sms = "webhook".
  ciamd::test_support::WebhookReceiver& webhook();
  // The mail server stand-in; throws unless the Env was made with notify.email = "smtp".
  ciamd::test_support::SmtpSink& smtp();

  // `ciamd <args...> --config <file>`.
  RunResult cli(std::vector<std::string> args);
  // Creates an application with the CLI (--json) and returns its client id; throws on failure.
  std::string create_app(const AppSpec& spec = {});
  // The parsed JSON of `ciamd app create --json`.
  boost::json::object create_app_json(const AppSpec& spec = {});

  // The three required device headers (unique fingerprint per Env).
  Headers device_headers() const;
  // Device headers, X-client-id and Content-Type: what a well-behaved client sends.
  Headers login_headers(const std::string& client_id) const;
  // POST {"code": code} to the WeChat login endpoint; `extra` replaces same-named headers.
  HttpResult login_wechat(const std::string& client_id, const std::string& code,
                          const Headers& extra = {});
  // `audited`: whether the server is expected to write an audit row for it (see row_counts()).
  HttpResult post_login(const Headers& headers, std::string_view body, bool audited = true);
  // POST to any /api/v2/sdk endpoint; each routed one writes one audit row, counted like
  // post_login's.
  HttpResult post_sdk(std::string_view path, const Headers& headers, std::string_view body,
                      bool audited = true);
  // POST {"code": code} to the mini program login (wx.login code) or the mini program phone
  // login (phone-number code); `extra` replaces same-named headers.
  HttpResult login_miniprogram(const std::string& client_id, const std::string& code,
                               const Headers& extra = {});
  HttpResult login_phone(const std::string& client_id, const std::string& code,
                         const Headers& extra = {});
  // POST `body` with X-state-token to wechat-mobile-bind, or to wechat-mobile-register-bind when
  // `register_bind`.
  HttpResult wechat_mobile_bind(const std::string& client_id, const std::string& state_token,
                                const boost::json::object& body, bool register_bind = false,
                                const Headers& extra = {});
  // POST {"access_token": token, "uid": uid} to the Weibo login; `extra` replaces same-named
  // headers.
  HttpResult login_weibo(const std::string& client_id, const std::string& access_token,
                         const std::string& uid, const Headers& extra = {});
  // Declares login requests sent outside post_login (say, on a raw keep-alive connection).
  void note_audited_requests(std::int64_t n) { audit_expected_ += n; }

  SimUser new_wechat_user() { return sim_->create_user(); }
  std::string mint_code(const std::string& user_key) { return mint_code(wechat_appid_, user_key); }
  std::string mint_code(const std::string& appid, const std::string& user_key) {
    return sim_->mint_code(appid, user_key).code;
  }
  // A code for a brand-new WeChat user.
  std::string fresh_code() { return mint_code(new_wechat_user().user_key); }
  // Codes of the Env's mini program.
  std::string mint_mini_code(const std::string& user_key) {
    return sim_->mint_mini_code(miniprogram_.appid, user_key).code;
  }
  SimPhoneCode mint_phone_code(const std::string& user_key, const PhoneCodeOptions& options = {}) {
    return sim_->mint_phone_code(miniprogram_.appid, user_key, options);
  }

  // Row counts of every table, once the audit rows of every login request sent so far have landed.
  // The server writes audit events after answering, so a snapshot taken right after a response
  // could miss them; Env counts the rows its requests should produce and waits (up to 5 s) for
  // them. On timeout it resyncs to the real count, so one server bug fails one test, not all.
  RowCounts row_counts();
  // The counts after a request that should have written `delta` audit rows. For delta 0 it first
  // sends a request that does write one, so a stray late row from the request under test has
  // had the same time to appear; that barrier row is subtracted again.
  RowCounts settle_audit(const RowCounts& before, std::int64_t delta);

  boost::json::object fetch_jwks();
  // verify_jws (RS256 or ES256, by the header) against the JWKS fetched now over HTTP.
  VerifiedJwt verify_id_token(std::string_view jws);

  // Stop (SIGTERM) and start `ciamd serve` on the same database and config.
  int stop_server();
  // SIGKILL the first node, mid-request if it is busy: a crash, with no drain and no shutdown.
  // start_server() brings it back on the same database. Returns the exit code (137).
  int kill_server();
  void start_server();

  // Several nodes of one deployment. start_node() starts another `ciamd serve` on the same
  // config (database, simulator, master key), on ports of its own, and returns them; the Env
  // stops it with the first node. The request helpers (login_wechat, post_sdk, fetch_jwks, ...)
  // go to the node set by use_node(), the first one (first_node()) until then.
  struct NodePorts {
    int port = 0;
    int admin_port = 0;
  };
  NodePorts start_node();
  NodePorts first_node() const { return first_node_; }
  void use_node(NodePorts node) {
    port_ = node.port;
    admin_port_ = node.admin_port;
  }

  // Everything the running server has written to stdout and stderr so far.
  std::string server_output() const;
  // Whether the first node's `ciamd serve` is still alive (false once it has exited or crashed).
  bool server_running();

  // Keep the temp dir after the run and return the logs of every process, for failure output.
  void keep() { dir_.keep(); }
  std::string logs();

 private:
  void write_config();
  std::string notify_toml() const;
  std::string verification_toml() const;

  EnvOptions options_;
  TempDir dir_;
  // Declared before the processes, so it is dropped only after they are gone.
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<IdpSim> sim_;
  std::unique_ptr<ciamd::test_support::WebhookReceiver> webhook_;
  std::unique_ptr<ciamd::test_support::SmtpSink> smtp_;
  std::unique_ptr<Process> server_;
  std::vector<std::unique_ptr<Process>> extra_nodes_;
  NodePorts first_node_;
  int port_ = 0;
  int admin_port_ = 0;
  std::string admin_token_;
  int server_starts_ = 0;
  std::string wechat_appid_;
  std::string wechat_secret_;
  WechatApp miniprogram_;
  std::string weibo_app_key_;
  std::string weibo_secret_;
  std::string fingerprint_;
  std::string barrier_client_;       // an app used only to send audit barriers
  std::int64_t audit_expected_ = 0;  // audit rows the server should have written by now
};

}  // namespace it
