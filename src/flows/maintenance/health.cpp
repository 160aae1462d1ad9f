#include "flows/maintenance/health.hpp"

#include <spdlog/spdlog.h>

#include <exception>

#include "exec/runtime.hpp"
#include "store/maintenance_store.hpp"

namespace ciamd {

Task<bool> DatabaseHealth::usable() const {
  try {
    const int version = co_await pool_.run([&store = store_] { return store.schema_version(); });
    if (version > 0) co_return true;
    spdlog::warn("readiness: the database has no schema");
  } catch (const std::exception& e) {
    spdlog::warn("readiness: database check failed: {}", e.what());
  }
  co_return false;
}

}  // namespace ciamd
