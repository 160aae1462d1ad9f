// api/ops: the operational endpoints of the admin listener.
//
//   GET /health/live   200 {"status":"ok","version":"0.2.0"} while the process serves requests at
//                      all; the version is the running binary's (version/version.hpp).
//   GET /health/ready  200 {"status":"ready","checks":{"database":"ok","signing_keys":"ok"}}, or
//                      503 {"status":"not_ready","checks":{...}} naming the failing check: the
//                      database answers a query on the blocking pool, and the key ring has an
//                      RS256 and an ES256 signer.
//   GET /metrics       the Prometheus text format 0.0.4 (metrics/metrics.hpp).
//
//   add_ops_routes(admin_router, OpsServices{metrics, *store, pool, keys});
//
// These answer without authentication: they are meant for the admin listener only, which should
// not be reachable from the internet. Nothing they return names a user, a key or a secret.
#pragma once

#include "net/router.hpp"

namespace ciamd {

class DatabaseHealth;
class KeyRing;
class Metrics;

struct OpsServices {
  Metrics& metrics;
  const DatabaseHealth& database;  // asked once per readiness probe
  const KeyRing& keys;
};

// Adds the three routes. Also registers the ciamd_signing_keys_loaded gauge, which reads `keys`.
// Everything in `ops` must outlive the router and the metrics' last render.
void add_ops_routes(Router& router, const OpsServices& ops);

}  // namespace ciamd
