// `ciamd serve`: wires every module together and runs the public listener.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "api/routes.hpp"
#include "api/services.hpp"
#include "app/commands.hpp"
#include "app/context.hpp"
#include "app/notify_wiring.hpp"
#include "flows/app_directory.hpp"
#include "flows/audit.hpp"
#include "flows/purge.hpp"
#include "flows/signing_keys.hpp"
#include "flows/verification.hpp"
#include "idp/server_token.hpp"
#include "idp/wechat_mini.hpp"
#include "idp/wechat_open.hpp"
#include "idp/weibo.hpp"
#include "net/client.hpp"
#include "net/periodic.hpp"
#include "net/runtime.hpp"
#include "net/server.hpp"
#include "tokens/key_ring.hpp"
#include "tokens/state_token.hpp"

namespace ciamd {
namespace {

int thread_count(std::int64_t configured) {
  if (configured > 0) return static_cast<int>(configured);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

ServerOptions server_options(const Config& cfg) {
  const ListenAddress listen = parse_listen(cfg.server.listen);
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

void serve(const std::string& config_path, const std::string& ready_file) {
  // Declaration order is teardown order reversed: the pool drains its queued audit writes before
  // the store closes, and the server stops before the services it calls.
  AppContext ctx = open_context(config_path);
  const Config& cfg = ctx.config;
  KeyRing keys;
  load_signing_keys(*ctx.store, *ctx.sealer, keys, system_now);
  const StateTokenCodec state_tokens(ctx.sealer->derive_key("state-token"));

  Runtime runtime(thread_count(cfg.server.threads));
  BlockingPool pool(static_cast<int>(cfg.server.blocking_threads));
  HttpClient client(runtime, client_options(cfg));
  WechatOpenConnector wechat(client, cfg.upstream.wechat_base_url);
  StableTokenClient stable_tokens(client, cfg.upstream.wechat_base_url, system_now);
  LocalServerTokenCache server_tokens(stable_tokens, system_now);
  WechatMiniConnector wechat_mini(client, cfg.upstream.wechat_base_url, server_tokens);
  WeiboConnector weibo(client, cfg.upstream.weibo_base_url);
  NotifySenders senders = build_senders(cfg, client);

  const FlowServices flows{
      *ctx.store,
      pool,
      keys,
      state_tokens,
      TokenSettings{cfg.tokens.issuer, cfg.tokens.state_token_ttl, cfg.tokens.jwks_max_age},
      system_now};
  AppDirectory apps(*ctx.store, pool, std::chrono::milliseconds(cfg.server.app_cache_ttl_ms));
  AuditLog audit(*ctx.store, pool);
  const Verification verification(flows, verification_settings(cfg),
                                  ctx.sealer->derive_key("verification-code"), senders.sms.get(),
                                  senders.email.get());
  const ApiServices api{flows, apps, audit, wechat, wechat_mini, weibo, verification};

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

  HttpServer server(runtime, server_options(cfg), build_sdk_router(api));
  server.start();
  runtime.on_shutdown_signal([&](int signal) {
    spdlog::info("signal {}: stopping", signal);
    server.stop();
    runtime.stop();
  });
  spdlog::info("ciamd listening on {}:{} with {} threads, signing keys RS256 {} ES256 {}",
               parse_listen(cfg.server.listen).host, server.port(), runtime.threads(),
               keys.signer_kid(JwsAlg::kRS256), keys.signer_kid(JwsAlg::kES256));
  if (!ready_file.empty()) {
    boost::json::object ready;
    ready["port"] = server.port();
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
                  "Write {\"port\":N} to this file once listening (for scripts and tests)");
  cmd->callback([&state, ready_file] { serve(state.config_path, *ready_file); });
}

}  // namespace ciamd
