// idp-sim/faults: scripted misbehaviour and call counting for the simulated upstream paths.
//
// A test queues faults for a path; each upstream call of that path takes the oldest fault that
// still has uses left. Counting happens for every call, faulted or not, so tests can assert how
// often the server under test really called out (retries, caching).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace idp_sim {

struct Fault {
  std::optional<int> errcode;  // answer this provider error, in the path's provider's error shape
  // WeChat: the errmsg before the rid suffix; Weibo: the "error" text. A default per code if
  // absent.
  std::optional<std::string> errmsg;
  std::int64_t latency_ms = 0;     // delay before answering (applied first, combines with the rest)
  std::optional<int> http_status;  // answer this status with an HTML body
  bool garbage = false;            // answer HTTP 200 with a body that is not JSON
  // Run the real handler and, when it succeeds, overwrite these members of its JSON answer: a
  // provider that answers the right shape with values no provider should send (an openid holding
  // NUL, a 60 KB uid).
  std::optional<boost::json::object> fields;
  std::int64_t count = 1;  // uses left; -1: forever
};

class FaultBook {
 public:
  void add(const std::string& path, Fault fault);
  void clear();
  // Counts one call of `path` and returns the fault that applies to it, if any, using it up.
  std::optional<Fault> on_call(const std::string& path);
  // Calls per path since the last reset; known paths appear with 0 when never called.
  std::map<std::string, std::int64_t> calls() const;
  // Registers a simulated path, so stats list it and faults for typos can be refused.
  void add_known_path(const std::string& path);
  bool is_known_path(const std::string& path) const;
  // Clears faults and counters.
  void reset();

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<Fault>> faults_;
  std::map<std::string, std::int64_t> calls_;
  std::map<std::string, std::int64_t> zeroes_;  // every known path, with 0
};

// Whether the real handler runs before the fault's error is answered. True for errcode -1: WeChat
// has been seen to consume a code in a call that failed with "system error"
// (docs/providers.md#wechat-app-access_token), so a retry with the same code then gets 40163.
bool fault_runs_handler(const Fault& fault);

// The errmsg text WeChat uses for `errcode`, for faults that do not name one.
std::string default_wechat_errmsg(int errcode);

}  // namespace idp_sim
