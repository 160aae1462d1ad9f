#include "flows/admin/audit_trail.hpp"

namespace ciamd {

AuditPage AuditTrail::page(AuditQuery query) const {
  const int limit = query.limit;
  ++query.limit;  // one more tells whether a next page exists
  AuditPage out;
  out.events = audit_.query_audit_events(query);
  if (static_cast<int>(out.events.size()) > limit) {
    out.events.pop_back();
    out.next = out.events.back().id;
  }
  return out;
}

}  // namespace ciamd
