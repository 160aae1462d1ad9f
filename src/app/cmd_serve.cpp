// `ciamd serve`: wires every module together and runs the public listener.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api/admin/routes.hpp"
#include "api/ops/ops.hpp"
#include "api/routes.hpp"
#include "api/services.hpp"
#include "app/commands.hpp"
#include "app/context.hpp"
#include "app/notify_wiring.hpp"
#include "exec/periodic.hpp"
#include "exec/runtime.hpp"
#include "flows/app_directory.hpp"
#include "flows/audit.hpp"
#include "flows/flow_guard.hpp"
#include "flows/ids.hpp"
#include "flows/keys/signing_keys.hpp"
#include "flows/login/phone_login.hpp"
#include "flows/login/social_login.hpp"
#include "flows/maintenance/health.hpp"
#include "flows/maintenance/purge.hpp"
#include "flows/mfa/mfa.hpp"
#include "flows/session/session_refresh.hpp"
#include "flows/social/social_bind.hpp"
#include "flows/upstream/shared_server_token.hpp"
#include "flows/verification/verification.hpp"
#include "idp/server_token.hpp"
#include "idp/wechat_mini.hpp"
#include "idp/wechat_open.hpp"
#include "idp/weibo.hpp"
#include "metrics/metrics.hpp"
#include "net/client.hpp"
#include "net/server.hpp"
#include "tokens/key_ring.hpp"
#include "tokens/state_token.hpp"

namespace ciamd {
namespace {

int thread_count(std::int64_t configured) {
  if (configured > 0) return static_cast<int>(configured);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

ServerOptions server_options(const Config& cfg, const std::string& listen_address) {
  const ListenAddress listen = parse_listen(listen_address);
  ServerOptions o;
  o.host = listen.host;
  o.port = listen.port;
  o.max_header_bytes = static_cast<std::size_t>(cfg.server.max_header_bytes);
  o.max_body_bytes = static_cast<std::size_t>(cfg.server.max_body_bytes);
  o.read_timeout = std::chrono::milliseconds(cfg.server.read_timeout_ms);
  o.idle_timeout = std::chrono::milliseconds(cfg.server.idle_timeout_ms);
  install_error_renderers(o);
  return o;
}

ClientOptions client_options(const Config& cfg) {
  ClientOptions o;
  o.ca_file = cfg.upstream.ca_file;
  o.connect_timeout = std::chrono::milliseconds(cfg.upstream.connect_timeout_ms);
  o.request_timeout = std::chrono::milliseconds(cfg.upstream.request_timeout_ms);
  return o;
}

// SIGTERM and SIGINT. The first signal drains every listener: each refuses new connections and
// finishes the requests it has (within [server] drain_timeout_ms); once all are done the
// background jobs stop and the event loop ends, so serve() returns and tears the rest down in
// declaration order (the pool finishes its queued audit writes before the store closes). A second
// signal during the drain closes the connections still open at once: an operator who signals
// twice wants the process gone, and it still exits through the same orderly teardown.
class GracefulStop {
 public:
  GracefulStop(Runtime& runtime, std::chrono::milliseconds drain_timeout,
               std::vector<HttpServer*> servers, std::vector<PeriodicJob*> jobs)
      : runtime_(runtime),
        drain_timeout_(drain_timeout),
        servers_(std::move(servers)),
        jobs_(std::move(jobs)) {}

  // Runs on the event loop (Runtime::on_shutdown_signal); drains end on any loop thread.
  void on_signal(int signal) {
    std::size_t in_flight = 0;
    std::size_t connections = 0;
    for (const HttpServer* server : servers_) {
      in_flight += server->requests_in_flight();
      connections += server->open_connections();
    }
    {
      const std::lock_guard lock(mutex_);
      if (signals_++ > 0) {
        spdlog::warn("signal {} during the drain: closing {} connections now", signal, connections);
        for (HttpServer* server : servers_) server->drain(std::chrono::milliseconds(0), nullptr);
        return;
      }
      pending_ = servers_.size();
      started_ = std::chrono::steady_clock::now();
    }
    spdlog::info("signal {}: draining {} requests in flight on {} connections (up to {} ms)",
                 signal, in_flight, connections, drain_timeout_.count());
    if (servers_.empty()) finish();
    for (HttpServer* server : servers_) {
      server->drain(drain_timeout_, [this](const DrainResult& result) { drained(result); });
    }
  }

 private:
  void drained(const DrainResult& result) {
    {
      const std::lock_guard lock(mutex_);
      total_.requests_in_flight += result.requests_in_flight;
      total_.responses_written += result.responses_written;
      total_.connections_cut += result.connections_cut;
      if (--pending_ > 0) return;
    }
    finish();
  }

  void finish() {
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_);
    spdlog::info(
        "stopped: drained in {} ms; {} requests were in flight at the signal, {} responses "
        "written during the drain, {} connections cut",
        took.count(), total_.requests_in_flight, total_.responses_written, total_.connections_cut);
    for (PeriodicJob* job : jobs_) job->stop();
    runtime_.stop();
  }

  Runtime& runtime_;
  const std::chrono::milliseconds drain_timeout_;
  const std::vector<HttpServer*> servers_;
  const std::vector<PeriodicJob*> jobs_;
  std::mutex mutex_;
  int signals_ = 0;
  std::size_t pending_ = 0;  // listeners still draining
  std::chrono::steady_clock::time_point started_;
  DrainResult total_;
};

void serve(const std::string& config_path, const std::string& ready_file) {
  // Declaration order is teardown order reversed: the pool drains its queued audit writes before
  // the store closes, and the server stops before the services it calls.
  AppContext ctx = open_context(config_path);
  const Config& cfg = ctx.config;
  // Unsafe but workable settings: said at every start, where the operator looks first.
  for (const std::string& warning : startup_warnings(cfg)) spdlog::warn("{}", warning);
  KeyRing keys;
  load_signing_keys(*ctx.store, *ctx.sealer, keys, system_now);
  const StateTokenCodec state_tokens(ctx.sealer->derive_key("state-token"));

  // Before everything that records into it.
  Metrics metrics;
  metrics.watch_blocking_pool_threads(
      [n = cfg.server.blocking_threads] { return static_cast<double>(n); });

  Runtime runtime(thread_count(cfg.server.threads));
  BlockingPool pool(static_cast<int>(cfg.server.blocking_threads));
  metrics.watch_blocking_pool_use([&pool] { return static_cast<double>(pool.busy()); },
                                  [&pool] { return static_cast<double>(pool.queued()); });
  ClientOptions upstream = client_options(cfg);
  upstream.metrics = &metrics;
  HttpClient client(runtime, std::move(upstream));
  WechatOpenConnector wechat(client, cfg.upstream.wechat_base_url);
  StableTokenClient stable_tokens(client, cfg.upstream.wechat_base_url, system_now);
  // Through the database on every backend: nodes sharing one ask WeChat once per token between
  // them, and a single node only pays a row read per token refresh (one code path either way).
  SharedTokenSource shared_tokens(stable_tokens, *ctx.store, pool, system_now, node_id());
  LocalServerTokenCache server_tokens(shared_tokens, system_now);
  WechatMiniConnector wechat_mini(client, cfg.upstream.wechat_base_url, server_tokens);
  WeiboConnector weibo(client, cfg.upstream.weibo_base_url);
  NotifySenders senders = build_senders(cfg, client);

  const FlowServices flows{
      pool, keys, state_tokens,
      TokenSettings{cfg.tokens.issuer, cfg.tokens.state_token_ttl, cfg.tokens.jwks_max_age},
      system_now};
  // The use cases, each given the store roles it uses (the one Store plays them all).
  Store& store = *ctx.store;
  AppDirectory apps(store, pool, std::chrono::milliseconds(cfg.server.app_cache_ttl_ms));
  AuditLog audit(store, pool);
  const Providers providers{wechat, wechat_mini, weibo};
  const FlowGuard flow_guard(flows, store);
  const SocialLogin social_login(flows, store, providers);
  const PhoneLogin phone_login(flows, store, wechat_mini);
  const Verification verification(flows, store, store, store, cfg.verification,
                                  ctx.sealer->derive_key("verification-code"), senders.sms.get(),
                                  senders.email.get(), &metrics);
  const SocialBind social_bind(flows, store, verification, wechat_mini);
  const MfaCompletion mfa(flows, store, verification);
  const SessionRefresher sessions(flows, store, store);
  const ApiServices api{flows,       apps,         audit, flow_guard, social_login, phone_login,
                        social_bind, verification, mfa,   sessions,   &metrics};
  const AdminFlows admin_use_cases = admin_flows(ctx);
  const AdminServices admin{admin_use_cases,
                            pool,
                            audit,
                            system_now,
                            cfg.tokens.key_publish_lead,
                            cfg.tokens.key_reload_interval};
  const DatabaseHealth database_health(store, pool);

  PeriodicJob purge(runtime, pool, "purge", std::chrono::seconds(cfg.maintenance.purge_interval),
                    [&ctx, &cfg] {
                      const PurgeTotals t = purge_expired_rows(
                          *ctx.store, system_now(), static_cast<int>(cfg.maintenance.purge_batch));
                      if (t.sessions + t.flows + t.send_events > 0) {
                        spdlog::info("purged {} sessions, {} flows, {} send records", t.sessions,
                                     t.flows, t.send_events);
                      }
                    });
  purge.start();

  // Rereads the signing keys, so a rotation (`ciamd keys rotate`, or another node) takes effect
  // without a restart; a failed reload keeps the keys the server has.
  PeriodicJob key_reload(
      runtime, pool, "key-reload", std::chrono::seconds(cfg.tokens.key_reload_interval),
      [&ctx, &keys] { reload_signing_keys(*ctx.store, *ctx.sealer, keys, system_now); });
  key_reload.start();

  Router sdk_router = build_sdk_router(api);
  sdk_router.instrument(metrics, "public");
  HttpServer server(runtime, server_options(cfg, cfg.server.listen), std::move(sdk_router));
  metrics.watch_open_connections(
      "public", [&server] { return static_cast<double>(server.open_connections()); });
  server.start();
  // The admin API, health and metrics, on a listener of their own ([admin] listen; "" for none).
  std::optional<HttpServer> admin_server;
  if (!cfg.admin.listen.empty()) {
    Router admin_router = build_admin_router(admin);
    add_ops_routes(admin_router, OpsServices{metrics, database_health, keys});
    admin_router.instrument(metrics, "admin");
    admin_server.emplace(runtime, server_options(cfg, cfg.admin.listen), std::move(admin_router));
    metrics.watch_open_connections(
        "admin", [&admin_server] { return static_cast<double>(admin_server->open_connections()); });
    admin_server->start();
  }
  // Every listener goes in this list, so that a signal drains them all.
  std::vector<HttpServer*> listeners{&server};
  if (admin_server) listeners.push_back(&*admin_server);
  GracefulStop graceful_stop(runtime, std::chrono::milliseconds(cfg.server.drain_timeout_ms),
                             listeners, {&purge, &key_reload});
  runtime.on_shutdown_signal([&](int signal) { graceful_stop.on_signal(signal); });
  spdlog::info("ciamd listening on {}:{} with {} threads, signing keys RS256 {} ES256 {}",
               parse_listen(cfg.server.listen).host, server.port(), runtime.threads(),
               keys.signer_kid(JwsAlg::kRS256), keys.signer_kid(JwsAlg::kES256));
  if (admin_server) {
    spdlog::info("admin API, health and metrics on {}:{}", parse_listen(cfg.admin.listen).host,
                 admin_server->port());
  }
  if (!ready_file.empty()) {
    boost::json::object ready;
    ready["port"] = server.port();
    if (admin_server) ready["admin_port"] = admin_server->port();
    write_file_atomically(ready_file, boost::json::serialize(ready));
  }
  runtime.run();
  spdlog::info("ciamd stopped");
}

}  // namespace

void add_serve_command(CLI::App& cli, CliState& state) {
  auto* cmd = cli.add_subcommand("serve", "Run the server");
  auto ready_file = std::make_shared<std::string>();
  cmd->add_option("--ready-file", *ready_file,
                  "Write {\"port\":N,\"admin_port\":M} to this file once listening (for "
                  "scripts and tests)");
  cmd->callback([&state, ready_file] { serve(state.config_path, *ready_file); });
}

}  // namespace ciamd
