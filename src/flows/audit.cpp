#include "flows/audit.hpp"

#include "exec/runtime.hpp"
#include "store/audit_store.hpp"

namespace ciamd {

void AuditLog::record(AuditEvent event) {
  // The write names the store, not this log: it may run after the log is gone, while the pool's
  // destructor finishes its queue.
  pool_.post([&store = store_, e = std::move(event)] { store.append_audit_event(e); });
}

}  // namespace ciamd
