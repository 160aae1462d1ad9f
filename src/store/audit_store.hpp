// store/audit_store: the audit trail, append only. Rows outlive the users they name.
//
// Calls block (run them on the BlockingPool) and are safe from several threads; failures of the
// database throw StoreError.
//
//   audit.append_audit_event(event);
//   AuditQuery q;
//   q.user_id = "u_1";
//   q.limit = 50;
//   std::vector<AuditEvent> page = audit.query_audit_events(q);  // oldest first
//   q.after_id = page.back().id;                                 // the next page
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model.hpp"

namespace ciamd {

// A filter of the audit trail; empty strings and zero times match everything.
struct AuditQuery {
  std::string user_id;
  std::string client_id;
  std::string event;
  std::string outcome;
  UnixSeconds from = 0;  // at >= from
  UnixSeconds to = 0;    // at < to
  std::int64_t after_id = 0;
  int limit = 100;
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  virtual void append_audit_event(const AuditEvent& event) = 0;
  // The newest `limit` events, newest first.
  virtual std::vector<AuditEvent> recent_audit_events(int limit) = 0;
  // Events matching every set filter with id > after_id, oldest first, at most `limit`.
  virtual std::vector<AuditEvent> query_audit_events(const AuditQuery& query) = 0;
};

}  // namespace ciamd
