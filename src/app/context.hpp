// app/context: what every CLI command needs: the configuration, the master key's sealer and the
// migrated store. `serve` builds more on top of it.
#pragma once

#include <memory>
#include <string>

#include "app/config.hpp"
#include "flows/admin/admin_flows.hpp"
#include "store/store.hpp"
#include "tokens/sealer.hpp"

namespace ciamd {

struct AppContext {
  Config config;
  std::unique_ptr<Sealer> sealer;
  std::unique_ptr<Store> store;
};

// Loads the configuration, opens the database and applies pending migrations.
AppContext open_context(const std::string& config_path);

// Every operator use case over the context's store: what the CLI and the admin API share. The
// result refers to `ctx`, which must outlive it.
AdminFlows admin_flows(AppContext& ctx);

// Writes `text` to `path` atomically (a temporary file, then rename), so a reader polling for the
// file never sees half of it.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace ciamd
