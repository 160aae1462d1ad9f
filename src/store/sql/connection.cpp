// The backend-neutral parts of store/sql: the connection pool and error excerpts.
#include "store/sql/connection.hpp"

#include <utility>

#include "store/store_error.hpp"

namespace ciamd::sql {

std::string sql_excerpt(std::string_view text) {
  constexpr std::size_t kMax = 60;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

ConnectionPool::ConnectionPool(ConnectionFactory open, int size)
    : open_(std::move(open)), size_(size) {
  if (size < 1) throw StoreError("store: the connection pool needs at least one connection");
  idle_.reserve(static_cast<std::size_t>(size));
  idle_.push_back(open_());
  open_count_ = 1;
}

ConnectionPool::Lease ConnectionPool::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [this] { return !idle_.empty() || open_count_ < size_; });
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(conn));
  }
  // Opening takes a network round trip or a file open: not under the lock, but counted first, so
  // that concurrent callers cannot open more than `size` between them.
  ++open_count_;
  lock.unlock();
  try {
    return Lease(*this, open_());
  } catch (const StoreError&) {
    lock.lock();
    --open_count_;
    lock.unlock();
    available_.notify_one();
    throw;
  }
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) {
  {
    const std::lock_guard lock(mutex_);
    if (conn && conn->usable()) {
      idle_.push_back(std::move(conn));
    } else {
      --open_count_;  // dropped (below, outside the lock); the next acquire may open another
    }
  }
  available_.notify_one();
}

}  // namespace ciamd::sql
