// flows/maintenance/purge: deleting what has expired, so the tables a login reads stay the size of
// the live data. Sessions past expires_at (revoked ones too: nothing reads them after that), flow
// records past theirs with their verification codes, and rate-limit records older than the longest
// window that counts them (a day). Users, identities, devices, keys and the audit trail stay.
//
// Bounded batches, one short transaction each, so a purge never holds the database against
// logins; a pass repeats them until nothing expired is left.
//
//   PurgeTotals t = purge_expired_rows(store, now, /*batch=*/1000);   // blocking: on the pool
#pragma once

#include <cstdint>

#include "core/model.hpp"

namespace ciamd {

class MaintenanceStore;

// The daily caps count sends over the last 24 hours; older records count for nothing.
inline constexpr std::int64_t kSendEventRetention = 86400;

struct PurgeTotals {
  std::int64_t sessions = 0;
  std::int64_t flows = 0;
  std::int64_t send_events = 0;
  std::int64_t batches = 0;
};

PurgeTotals purge_expired_rows(MaintenanceStore& store, UnixSeconds now, int batch);

}  // namespace ciamd
