#include "flows/audit.hpp"

#include "net/runtime.hpp"
#include "store/store.hpp"

namespace ciamd {

void AuditLog::record(AuditEvent event) {
  pool_.post([this, e = std::move(event)] { store_.append_audit_event(e); });
}

}  // namespace ciamd
