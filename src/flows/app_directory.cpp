#include "flows/app_directory.hpp"

#include "exec/runtime.hpp"
#include "store/application_store.hpp"

namespace ciamd {

AppDirectory::AppDirectory(ApplicationStore& store, BlockingPool& pool,
                           std::chrono::milliseconds ttl)
    : store_(store), pool_(pool), ttl_(ttl) {}

Task<AppDirectory::AppPtr> AppDirectory::find(std::string client_id) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(client_id);
        it != entries_.end() && now - it->second.fetched < ttl_) {
      co_return it->second.app;
    }
  }
  std::optional<Application> loaded =
      co_await pool_.run([this, &client_id] { return store_.find_application(client_id); });
  AppPtr app = loaded ? std::make_shared<const Application>(std::move(*loaded)) : nullptr;
  std::lock_guard lock(mutex_);
  if (entries_.size() >= kMaxEntries) entries_.clear();
  entries_[client_id] = Entry{app, now};
  co_return app;
}

void AppDirectory::invalidate() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace ciamd
