// flows/app_directory: the applications, as the request path sees them: an in-memory cache in
// front of the store, so the common checks of a request cost no database round trip. An entry is
// re-read after `ttl`, which bounds how long a change (or a disable) takes to reach this node.
//
//   AppDirectory apps(store, pool, std::chrono::seconds(5));  // store: an ApplicationStore
//   std::shared_ptr<const Application> app = co_await apps.find(client_id);  // null: unknown
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/model.hpp"
#include "exec/task.hpp"

namespace ciamd {

class ApplicationStore;
class BlockingPool;

class AppDirectory {
 public:
  using AppPtr = std::shared_ptr<const Application>;

  AppDirectory(ApplicationStore& store, BlockingPool& pool, std::chrono::milliseconds ttl);

  // The enabled-or-not application with this client id, or null when there is none.
  Task<AppPtr> find(std::string client_id);
  // Drops every cached entry (after a local change).
  void invalidate();

 private:
  struct Entry {
    AppPtr app;  // null caches "no such client id" too, so junk ids cannot hammer the database
    std::chrono::steady_clock::time_point fetched;
  };
  // Bounds the memory junk client ids can take; the cache simply starts over past it.
  static constexpr std::size_t kMaxEntries = 10'000;

  ApplicationStore& store_;
  BlockingPool& pool_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace ciamd
