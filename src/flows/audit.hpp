// flows/audit: the audit trail. Recording never delays the response: the write is posted to the
// blocking pool, and a failed write is logged (the login itself already happened).
#pragma once

#include "core/model.hpp"

namespace ciamd {

class AuditStore;
class BlockingPool;

class AuditLog {
 public:
  // The store must outlive the pool: a write still queued when the log goes runs before the
  // pool's destructor returns.
  AuditLog(AuditStore& store, BlockingPool& pool) : store_(store), pool_(pool) {}
  void record(AuditEvent event);

 private:
  AuditStore& store_;
  BlockingPool& pool_;
};

}  // namespace ciamd
