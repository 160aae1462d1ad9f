// exec/async_event: a one-shot event coroutines can wait on from any thread. Waiting holds no
// thread; set() resumes every waiter on its own executor, never inline on the thread that calls it
// (which may hold locks the waiter is about to take). For single-flight work: the first caller
// does the work, the others co_await the event and read the result it left.
//
//   auto done = std::make_shared<AsyncEvent>();
//   ... the worker:  result = co_await fetch(); done->set();
//   ... a waiter:    co_await done->wait();   // returns at once if set() already ran
//
// Thread-safe. set() is idempotent. Destroying an event with waiters still suspended is a bug
// (keep it in a shared_ptr held by every waiter).
#pragma once

#include <memory>

#include "exec/task.hpp"

namespace ciamd {

class AsyncEvent {
 public:
  AsyncEvent();
  ~AsyncEvent();
  AsyncEvent(const AsyncEvent&) = delete;
  AsyncEvent& operator=(const AsyncEvent&) = delete;

  Task<void> wait();
  void set();
  bool is_set() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ciamd
