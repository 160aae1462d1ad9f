// idp-sim: the upstream simulator. Serves the simulated WeChat Open Platform, Mini Program and
// Weibo endpoints and the /_sim/ control API on an HTTP listener and, with --https-listen, on an
// HTTPS listener with a throwaway CA. See docs/idp-sim.md.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "exec/runtime.hpp"
#include "idp-sim/routes.hpp"
#include "idp-sim/sim_state.hpp"
#include "idp-sim/tls_setup.hpp"
#include "net/server.hpp"

namespace {

using namespace idp_sim;

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};

// "127.0.0.1:8080", "localhost:0" or "[::1]:0".
Endpoint parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw CLI::ValidationError("listen address", "expected HOST:PORT, got '" + text + "'");
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    throw CLI::ValidationError("listen address", "bad port in '" + text + "'");
  }
  return Endpoint{host, static_cast<std::uint16_t>(port)};
}

struct Options {
  std::string listen = "127.0.0.1:0";
  std::string https_listen;
  std::string tls_dir;
  std::string ready_file;
  std::vector<std::string> wechat_apps;
  std::vector<std::string> weibo_apps;
  std::int64_t code_ttl = 600;
  std::int64_t mini_code_ttl = kMiniCodeTtl;
  int threads = 1;
};

int run(const Options& opts) {
  const Endpoint http_at = parse_endpoint(opts.listen);
  std::optional<Endpoint> https_at;
  if (!opts.https_listen.empty()) https_at = parse_endpoint(opts.https_listen);

  SimState state(SimOptions{opts.code_ttl, system_now, opts.mini_code_ttl});
  for (const auto& app : opts.wechat_apps) {
    const auto colon = app.find(':');
    state.wechat().add_app(app.substr(0, colon), app.substr(colon + 1));
    spdlog::info("wechat app {} registered", app.substr(0, colon));
  }
  for (const auto& app : opts.weibo_apps) {
    const auto colon = app.find(':');
    const auto added = state.weibo().add_app(app.substr(0, colon), app.substr(colon + 1), {});
    if (!added) throw CLI::ValidationError("--weibo-app", added.error().message);
    spdlog::info("weibo app {} registered", app.substr(0, colon));
  }

  ciamd::Runtime runtime(opts.threads);
  ciamd::HttpServer http(runtime, make_server_options(http_at.host, http_at.port),
                         make_router(state));
  std::optional<TlsMaterial> tls;
  std::optional<ciamd::HttpServer> https;
  if (https_at) {
    tls = generate_tls_material(opts.tls_dir);
    ciamd::ServerOptions options = make_server_options(https_at->host, https_at->port);
    options.tls = ciamd::TlsFiles{tls->chain_file.string(), tls->key_file.string()};
    https.emplace(runtime, std::move(options), make_router(state));
  }

  http.start();
  if (https) https->start();
  spdlog::info("idp-sim listening: http://{}:{}", http_at.host, http.port());
  if (https) {
    spdlog::info("idp-sim listening: https://{}:{} (CA {})", https_at->host, https->port(),
                 tls->ca_file.string());
  }

  if (!opts.ready_file.empty()) {
    boost::json::object ready{{"http_port", http.port()}};
    if (https) {
      ready["https_port"] = https->port();
      ready["ca_file"] = std::filesystem::absolute(tls->ca_file).string();
    }
    write_file_atomically(opts.ready_file, boost::json::serialize(ready) + "\n");
  }

  runtime.on_shutdown_signal([&](int signal) {
    spdlog::info("signal {}: stopping", signal);
    http.stop();
    if (https) https->stop();
    runtime.stop();
  });
  runtime.run();
  spdlog::info("idp-sim stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{
      "idp-sim: a WeChat (Open Platform and Mini Program) and Weibo upstream simulator for tests "
      "and demos (see docs/idp-sim.md)"};
  Options opts;
  cli.add_option("--listen", opts.listen, "HTTP listen address HOST:PORT (port 0: ephemeral)")
      ->capture_default_str();
  auto* https_opt =
      cli.add_option("--https-listen", opts.https_listen, "HTTPS listen address HOST:PORT");
  auto* tls_dir_opt = cli.add_option(
      "--tls-dir", opts.tls_dir, "where to write the generated ca.pem, server.pem and server.key");
  https_opt->needs(tls_dir_opt);
  cli.add_option("--ready-file", opts.ready_file,
                 "written (atomically) with the bound ports once listening");
  cli.add_option("--wechat-app", opts.wechat_apps, "a WeChat app APPID:SECRET (repeatable)")
      ->check([](const std::string& v) {
        const auto colon = v.find(':');
        return colon == std::string::npos || colon == 0 || colon + 1 == v.size()
                   ? std::string("expected APPID:SECRET")
                   : std::string();
      });
  cli.add_option("--weibo-app", opts.weibo_apps, "a Weibo app APPKEY:SECRET (repeatable)")
      ->check([](const std::string& v) {
        const auto colon = v.find(':');
        return colon == std::string::npos || !is_weibo_id(v.substr(0, colon)) ||
                       colon + 1 == v.size()
                   ? std::string("expected APPKEY:SECRET with a numeric APPKEY")
                   : std::string();
      });
  cli.add_option("--code-ttl", opts.code_ttl, "default lifetime in seconds of Open Platform codes")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86400}));
  cli.add_option("--mini-code-ttl", opts.mini_code_ttl,
                 "default lifetime in seconds of mini program login and phone codes")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{86400}));
  cli.add_option("--threads", opts.threads, "event loop threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  CLI11_PARSE(cli, argc, argv);

  try {
    return run(opts);
  } catch (const CLI::ValidationError& e) {
    spdlog::error("{}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("idp-sim failed: {}", e.what());
    return 1;
  }
}
