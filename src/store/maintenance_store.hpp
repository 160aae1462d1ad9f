// store/maintenance_store: the database as a whole: its schema, the purge of expired rows, and
// resealing every secret under a new master key.
//
// Calls block and are safe from several threads and nodes; failures of the database throw
// StoreError.
//
//   maintenance.migrate();  // every node at start, under a lock: each version runs once
//   PurgeRequest p{now, now - 86400, 1000};
//   while (maintenance.purge_expired(p).more(p.batch)) {}
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include "core/model.hpp"

namespace ciamd {

class Sealer;

// One purge pass: every kind of expired row, at most `batch` rows of each.
struct PurgeRequest {
  UnixSeconds now = 0;                 // sessions and flows with expires_at < now go
  UnixSeconds send_events_before = 0;  // rate-limit accounting older than this goes
  int batch = 1000;
};
struct PurgeCounts {
  int sessions = 0;  // with their retired tokens
  int flows = 0;     // with their verification codes
  int send_events = 0;
  // A kind that hit the batch size may have more rows waiting.
  bool more(int batch) const { return sessions >= batch || flows >= batch || send_events >= batch; }
};

class MaintenanceStore {
 public:
  virtual ~MaintenanceStore() = default;

  // Applies pending migrations (idempotent). Returns the schema version after.
  virtual int migrate() = 0;
  virtual int schema_version() = 0;

  // Deletes expired rows in bounded batches (a pass never holds the database long); the caller
  // repeats while PurgeCounts::more().
  virtual PurgeCounts purge_expired(const PurgeRequest& request) = 0;

  // Every sealed value (application provider secrets, signing keys, shared server tokens) is
  // opened with `from` and sealed again with `to`, same AAD, in one transaction. The store's own
  // sealer plays no part. Throws StoreError, changing nothing, when any value does not open.
  virtual void reseal_secrets(const Sealer& from, const Sealer& to) = 0;
};

}  // namespace ciamd
