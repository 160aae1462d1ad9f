// flows/admin/audit_trail: the audit trail as operators read it: filtered pages, oldest first,
// with the cursor of the next page. Synchronous: callers on a network thread go through the
// BlockingPool. Recording is flows/audit.hpp.
//
//   const AuditTrail trail(store);  // the AuditStore role
//   AuditQuery q;
//   q.user_id = "u_1";
//   q.limit = 100;
//   AuditPage page = trail.page(q);
//   while (page.next != 0) { q.after_id = page.next; page = trail.page(q); }
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "core/model.hpp"
#include "store/audit_store.hpp"

namespace ciamd {

struct AuditPage {
  std::vector<AuditEvent> events;
  std::int64_t next = 0;  // the after_id of the next page; 0 on the last
};

class AuditTrail {
 public:
  explicit AuditTrail(AuditStore& audit) : audit_(audit) {}

  // At most query.limit events.
  AuditPage page(AuditQuery query) const;

 private:
  AuditStore& audit_;
};

}  // namespace ciamd
