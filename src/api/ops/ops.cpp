#include "api/ops/ops.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

#include "flows/maintenance/health.hpp"
#include "metrics/metrics.hpp"
#include "tokens/key_ring.hpp"
#include "version/version.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// Probes and scrapes must see the current state, never a cached copy from a proxy.
HttpResponse no_store(HttpResponse response) {
  response.headers.set("Cache-Control", "no-store");
  return response;
}

// The version lets a rollout be checked node by node with the probe load balancers already call.
Task<HttpResponse> live(const HttpRequest&) {
  boost::json::object body;
  body["status"] = "ok";
  body["version"] = build_info().version;
  co_return no_store(HttpResponse::json(200, boost::json::serialize(body)));
}

// By value: the coroutine frame keeps its own copy of the references.
Task<HttpResponse> ready(OpsServices ops) {
  const bool database = co_await ops.database.usable();
  // Logins sign id_tokens with both algorithms; without either signer they fail, so the node must
  // not take traffic.
  const bool signing_keys =
      ops.keys.has_signer(JwsAlg::kRS256) && ops.keys.has_signer(JwsAlg::kES256);
  boost::json::object checks;
  checks["database"] = database ? "ok" : "error";
  checks["signing_keys"] = signing_keys ? "ok" : "missing";
  const bool ok = database && signing_keys;
  boost::json::object body;
  body["status"] = ok ? "ready" : "not_ready";
  body["checks"] = std::move(checks);
  co_return no_store(HttpResponse::json(ok ? 200 : 503, boost::json::serialize(body)));
}

Task<HttpResponse> metrics(const Metrics& metrics) {
  HttpResponse response;
  response.status = 200;
  response.headers.set("Content-Type", std::string(kPrometheusContentType));
  response.body = metrics.render_prometheus();
  co_return no_store(std::move(response));
}

// The ring publishes every key it holds, so the JWKS length is the number of keys loaded. Parsed
// per scrape: the document is a few kilobytes, and KeyRing keeps no separate count.
double keys_loaded(const KeyRing& keys) {
  boost::system::error_code ec;
  const boost::json::value jwks = boost::json::parse(keys.jwks_json(), ec);
  if (ec || !jwks.is_object()) return 0;
  const auto* list = jwks.as_object().if_contains("keys");
  return list != nullptr && list->is_array() ? static_cast<double>(list->as_array().size()) : 0;
}

}  // namespace

void add_ops_routes(Router& router, const OpsServices& ops) {
  // The handlers capture what `ops` refers to, not `ops` itself: callers often pass a temporary.
  const KeyRing& keys = ops.keys;
  Metrics& registry = ops.metrics;
  router.add("GET", "/health/live", live);
  router.add("GET", "/health/ready", [ops](const HttpRequest&) { return ready(ops); });
  router.add("GET", "/metrics", [&registry](const HttpRequest&) { return metrics(registry); });
  registry.watch_signing_keys([&keys] { return keys_loaded(keys); });
}

}  // namespace ciamd
