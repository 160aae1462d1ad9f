#include "flows/maintenance/purge.hpp"

#include "store/maintenance_store.hpp"

namespace ciamd {

PurgeTotals purge_expired_rows(MaintenanceStore& store, UnixSeconds now, int batch) {
  PurgeRequest request;
  request.now = now;
  request.send_events_before = now - kSendEventRetention;
  request.batch = batch;
  PurgeTotals totals;
  for (;;) {
    const PurgeCounts c = store.purge_expired(request);
    totals.sessions += c.sessions;
    totals.flows += c.flows;
    totals.send_events += c.send_events;
    ++totals.batches;
    if (!c.more(batch)) return totals;
  }
}

}  // namespace ciamd
