// flows/maintenance/health: whether this node can use its database, for the readiness probe. Any
// query proves the database is reachable and readable; the schema version is the cheapest, and a
// version of 0 means a database nobody migrated. Failures are logged and answered false, never
// thrown: a probe must always get an answer.
//
//   const DatabaseHealth health(store, pool);  // the MaintenanceStore role
//   const bool ready = co_await health.usable();
#pragma once

#include "exec/task.hpp"

namespace ciamd {

class BlockingPool;
class MaintenanceStore;

class DatabaseHealth {
 public:
  DatabaseHealth(MaintenanceStore& store, BlockingPool& pool) : store_(store), pool_(pool) {}

  Task<bool> usable() const;

 private:
  MaintenanceStore& store_;
  BlockingPool& pool_;
};

}  // namespace ciamd
