#include "integration/support/env.hpp"

#include <openssl/rand.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <stdexcept>
#include <thread>

#include "integration/support/json.hpp"
#include "integration/support/weibo.hpp"
#include "support/smtp_sink.hpp"
#include "support/webhook_receiver.hpp"

namespace it {
namespace {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string random_hex(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : random_bytes(bytes)) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

}  // namespace

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<std::string> app_flags(const AppSpec& spec, const std::string& wechat_appid,
                                   const std::string& wechat_secret, const WechatApp& mini,
                                   const std::string& weibo_app_key) {
  std::vector<std::string> f;
  const auto opt = [&](const char* flag, const std::optional<std::string>& v) {
    if (v) f.insert(f.end(), {flag, *v});
  };
  opt("--client-id", spec.client_id);
  opt("--unbound", spec.unbound);
  opt("--bind-methods", spec.bind_methods);
  opt("--access", spec.access);
  if (spec.id_token_ttl) f.insert(f.end(), {"--id-token-ttl", std::to_string(*spec.id_token_ttl)});
  if (spec.wechat_session_ttl) {
    f.insert(f.end(), {"--wechat-session-ttl", std::to_string(*spec.wechat_session_ttl)});
  }
  if (spec.wechat)
    f.insert(f.end(), {"--wechat-appid", wechat_appid, "--wechat-secret", wechat_secret});
  if (spec.miniprogram_session_ttl) {
    f.insert(f.end(), {"--miniprogram-session-ttl", std::to_string(*spec.miniprogram_session_ttl)});
  }
  const WechatApp& m = spec.miniprogram_app ? *spec.miniprogram_app : mini;
  if (spec.miniprogram && !m.appid.empty()) {
    f.insert(f.end(), {"--miniprogram-appid", m.appid, "--miniprogram-secret", m.secret});
  }
  if (spec.weibo && !weibo_app_key.empty()) f.insert(f.end(), {"--weibo-app-key", weibo_app_key});
  opt("--mfa", spec.mfa);
  opt("--mfa-factors", spec.mfa_factors);
  opt("--id-token-alg", spec.id_token_alg);
  opt("--session-lifetime", spec.session_lifetime);
  opt("--allowed-country-codes", spec.allowed_country_codes);
  if (spec.hourly_send_budget) {
    f.insert(f.end(), {"--hourly-send-budget", std::to_string(*spec.hourly_send_budget)});
  }
  if (spec.session_max_lifetime) {
    f.insert(f.end(), {"--session-max-lifetime", std::to_string(*spec.session_max_lifetime)});
  }
  if (spec.rotate_session_token) f.insert(f.end(), {"--rotate-session-token", "true"});
  return f;
}

Env::Env(EnvOptions options) : options_(std::move(options)), dir_("ciamd-it-") {
  try {
    wechat_appid_ = "wx" + random_hex(8);
    wechat_secret_ = random_hex(16);
    miniprogram_ = {"wx" + random_hex(8), random_hex(16)};
    fingerprint_ = "fp-" + random_hex(6);
    db_ = options_.postgres_server_url
              ? std::make_unique<TestDatabase>(*options_.postgres_server_url)
              : std::make_unique<TestDatabase>(dir(), "ciamd.db");
    sim_ = std::make_unique<IdpSim>(dir());
    sim_->add_wechat_app(wechat_appid_, wechat_secret_);
    sim_->add_wechat_app(miniprogram_.appid, miniprogram_.secret);
    weibo_app_key_ = random_weibo_app_key();
    weibo_secret_ = random_hex(16);
    sim_->add_weibo_app(weibo_app_key_, weibo_secret_);
    if (options_.notify.sms == "webhook") {
      webhook_ =
          std::make_unique<ciamd::test_support::WebhookReceiver>(options_.notify.webhook_statuses);
    }
    if (options_.notify.email == "smtp") {
      smtp_ = std::make_unique<ciamd::test_support::SmtpSink>();
    }
    write_config();
    const RunResult m = cli({"migrate"});
    if (m.exit_code != 0) {
      throw std::runtime_error("ciamd migrate failed (" + std::to_string(m.exit_code) +
                               "): " + m.err + m.out);
    }
    barrier_client_ = create_app({.name = unique_name("audit-barrier")});
    start_server();
    audit_expected_ = count_rows(db())["audit_events"];
  } catch (...) {
    dir_.keep();  // the logs in there explain the failure
    throw;
  }
}

ciamd::test_support::WebhookReceiver& Env::webhook() {
  if (!webhook_) throw std::logic_error("this Env was not made with notify.sms = \"webhook\"");
  return *webhook_;
}

ciamd::test_support::SmtpSink& Env::smtp() {
  if (!smtp_) throw std::logic_error("this Env was not made with notify.email = \"smtp\"");
  return *smtp_;
}

Env::~Env() {
  for (const auto& node : extra_nodes_) node->stop();
  if (server_) server_->stop();
  if (sim_) sim_->process().stop();
}

RunResult Env::cli(std::vector<std::string> args) {
  args.insert(args.begin(), CIAMD_BIN);
  args.insert(args.end(), {"--config", config_path().string()});
  return run_to_completion(args, dir());
}

boost::json::object Env::create_app_json(const AppSpec& spec) {
  std::vector<std::string> args{"app", "create", "--name", spec.name.value_or(unique_name("app"))};
  for (auto& f : app_flags(spec, wechat_appid_, wechat_secret_, miniprogram_, weibo_app_key_)) {
    args.push_back(std::move(f));
  }
  args.emplace_back("--json");
  const RunResult r = cli(args);
  if (r.exit_code != 0) {
    throw std::runtime_error("`" + describe(args) + "` exited " + std::to_string(r.exit_code) +
                             ": " + r.err + r.out);
  }
  const boost::json::value v = parse_json(r.out, "ciamd app create --json output");
  if (!v.is_object() || string_at(v.as_object(), "client_id").empty()) {
    throw std::runtime_error("ciamd app create --json printed no client_id: " + r.out);
  }
  return v.as_object();
}

std::string Env::create_app(const AppSpec& spec) {
  return string_at(create_app_json(spec), "client_id");
}

Headers Env::device_headers() const {
  return {{"X-operating-sys-version", "iOS 17.2"},
          {"X-device-fingerprint", fingerprint_},
          {"X-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X)"}};
}

Headers Env::login_headers(const std::string& client_id) const {
  Headers h = device_headers();
  h.emplace_back("X-client-id", client_id);
  h.emplace_back("Content-Type", "application/json");
  return h;
}

HttpResult Env::login_wechat(const std::string& client_id, const std::string& code,
                             const Headers& extra) {
  Headers h = login_headers(client_id);
  for (const auto& [k, v] : extra) h = with(std::move(h), k, v);
  return post_login(h, boost::json::serialize(boost::json::object{{"code", code}}));
}

HttpResult Env::login_weibo(const std::string& client_id, const std::string& access_token,
                            const std::string& uid, const Headers& extra) {
  Headers h = login_headers(client_id);
  for (const auto& [k, v] : extra) h = with(std::move(h), k, v);
  return post_sdk(
      kWeiboLoginPath, h,
      boost::json::serialize(boost::json::object{{"access_token", access_token}, {"uid", uid}}));
}

HttpResult Env::post_login(const Headers& headers, std::string_view body, bool audited) {
  return post_sdk(kLoginPath, headers, body, audited);
}

HttpResult Env::post_sdk(std::string_view path, const Headers& headers, std::string_view body,
                         bool audited) {
  if (audited) ++audit_expected_;
  return request(port_, "POST", path, headers, body);
}

RowCounts Env::row_counts() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  RowCounts now = count_rows(db());
  while (now["audit_events"] < audit_expected_ && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    now = count_rows(db());
  }
  audit_expected_ = now["audit_events"];
  return now;
}

RowCounts Env::settle_audit(const RowCounts& before, std::int64_t delta) {
  std::int64_t barrier = 0;
  if (delta == 0) {
    // A login with no code reaches the handler and writes exactly one audit row.
    post_login(login_headers(barrier_client_), "{}");
    barrier = 1;
  }
  // Also wait for what this test expects, in case the tally undercounts.
  const auto want = before.contains("audit_events") ? before.at("audit_events") + delta : 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  RowCounts now = row_counts();
  while (now["audit_events"] - barrier < want && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    now = count_rows(db());
  }
  now["audit_events"] -= barrier;
  return now;
}

boost::json::object Env::fetch_jwks() {
  const HttpResult r = request(port_, "GET", kKeysPath);
  if (r.status != 200)
    throw std::runtime_error("GET " + std::string(kKeysPath) + ": " + r.describe());
  const boost::json::value v = r.json();
  if (!v.is_object()) throw std::runtime_error("JWKS is not an object: " + r.body);
  return v.as_object();
}

VerifiedJwt Env::verify_id_token(std::string_view jws) {
  return verify_jws(jws, fetch_jwks());
}

int Env::stop_server() {
  if (!server_) return -1;
  const int code = server_->stop(std::chrono::seconds(10));
  return code;
}

int Env::kill_server() {
  if (!server_) return -1;
  return server_->kill();
}

namespace {

// The ports a started `ciamd serve` wrote into its ready file.
Env::NodePorts read_ports(const std::filesystem::path& ready, Process& server) {
  const boost::json::object info = wait_for_ready_file(ready, server);
  const boost::json::value* p = info.if_contains("port");
  if (p == nullptr || !p->is_int64()) {
    throw std::runtime_error("ciamd ready file has no numeric port: " + dump(info));
  }
  const boost::json::value* a = info.if_contains("admin_port");
  return {static_cast<int>(p->as_int64()),
          a != nullptr && a->is_int64() ? static_cast<int>(a->as_int64()) : 0};
}

}  // namespace

void Env::start_server() {
  const auto ready = dir() / "ciamd.ready";
  std::filesystem::remove(ready);
  server_ = std::make_unique<Process>(
      std::vector<std::string>{CIAMD_BIN, "serve", "--config", config_path().string(),
                               "--ready-file", ready.string()},
      dir(), "ciamd-" + std::to_string(++server_starts_));
  first_node_ = read_ports(ready, *server_);
  use_node(first_node_);
}

Env::NodePorts Env::start_node() {
  const std::string name = "ciamd-node" + std::to_string(extra_nodes_.size() + 2);
  const auto ready = dir() / (name + ".ready");
  std::filesystem::remove(ready);
  extra_nodes_.push_back(std::make_unique<Process>(
      std::vector<std::string>{CIAMD_BIN, "serve", "--config", config_path().string(),
                               "--ready-file", ready.string()},
      dir(), name));
  return read_ports(ready, *extra_nodes_.back());
}

const std::string& Env::admin_token() {
  if (admin_token_.empty()) {
    const RunResult r =
        cli({"admin", "token", "create", "--name", unique_name("it-admin"), "--json"});
    if (r.exit_code != 0) throw std::runtime_error("admin token create: " + r.err + r.out);
    admin_token_ = string_at(parse_json(r.out, "admin token create").as_object(), "token");
  }
  return admin_token_;
}

std::string Env::server_output() const {
  if (!server_) return {};
  return read_file(server_->stdout_path()) + read_file(server_->stderr_path());
}

bool Env::server_running() {
  return server_ && server_->running();
}

std::string Env::logs() {
  std::string out = "temp dir: " + dir().string() + "\n";
  if (server_) out += server_->log_tail();
  for (const auto& node : extra_nodes_) out += node->log_tail();
  if (sim_) out += sim_->process().log_tail();
  return out;
}

}  // namespace it
