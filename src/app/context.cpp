#include "app/context.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "app/logging.hpp"

namespace ciamd {

AppContext open_context(const std::string& config_path) {
  AppContext ctx;
  ctx.config = load_config(config_path);
  spdlog::set_level(spdlog::level::from_str(ctx.config.log.level));
  apply_log_format(ctx.config.log.format);
  ctx.sealer = std::make_unique<Sealer>(master_key_bytes(ctx.config));
  // One connection per blocking thread: the pool threads are the only callers of the store.
  ctx.store = open_store(ctx.config.database.url, *ctx.sealer,
                         static_cast<int>(ctx.config.server.blocking_threads));
  ctx.store->migrate();
  return ctx;
}

AdminFlows admin_flows(AppContext& ctx) {
  Store& store = *ctx.store;
  return AdminFlows{AdminTokens(store),
                    ApplicationAdmin(store, store),
                    TenantAdmin(store),
                    UserAdmin(store, store),
                    SessionAdmin(store, store),
                    AuditTrail(store),
                    KeyRotation(store, store, *ctx.sealer)};
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot rename " + tmp + " to " + path);
  }
}

}  // namespace ciamd
