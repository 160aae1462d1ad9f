// notify/outbox: development only. Instead of sending, appends each message as one JSON line
//   {"at":"2024-05-01T08:00:00Z","channel":"sms","to":"+8615907132852","subject":"",
//    "text":"...","purpose":"REGISTER_SMS","request_id":"..."}
// to a file that the demo and the tests read (`tail -f`, `jq`). The file holds live codes, so it
// is created with mode 0600, and configuration validation refuses this sender unless the server
// runs with `[server] development = true`.
//
// Each message opens, appends (one write) and closes the file under a mutex, so a reader never
// sees half a line and the file may be rotated or deleted between messages. The write is small
// and local, so it runs on the calling thread. A file that cannot be written is kCodeSendFailed.
#pragma once

#include <mutex>
#include <string>

#include "notify/sender.hpp"

namespace ciamd {

class OutboxSender final : public Sender {
 public:
  explicit OutboxSender(std::string path);

  Task<Status> deliver(const Notification& message) override;

 private:
  Status append(const std::string& line);

  std::string path_;
  std::mutex mutex_;  // one writer at a time, so lines from concurrent requests never interleave
};

}  // namespace ciamd
