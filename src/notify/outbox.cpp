#include "notify/outbox.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <utility>

#include "core/clock.hpp"
#include "notify/format.hpp"

namespace ciamd {

namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

ApiError failure(const std::string& path, const char* what, int error) {
  return ApiError{ErrorCode::kCodeSendFailed,
                  "outbox " + path + ": " + what + ": " + std::strerror(error)};
}

}  // namespace

OutboxSender::OutboxSender(std::string path) : path_(std::move(path)) {}

Task<Status> OutboxSender::deliver(const Notification& message) {
  boost::json::object line;
  line["at"] = notify::rfc3339_utc(system_now());
  line["channel"] = notify::channel_name(message.channel);
  line["to"] = message.to;
  line["subject"] = message.subject;
  line["text"] = message.text;
  line["purpose"] = message.purpose;
  line["request_id"] = message.request_id;
  Status written = append(boost::json::serialize(line) + "\n");
  if (written) {
    spdlog::info("outbox: recorded a {} message for {} (request {})",
                 notify::channel_name(message.channel), message.purpose, message.request_id);
  }
  co_return written;
}

Status OutboxSender::append(const std::string& line) {
  const std::lock_guard lock(mutex_);
  const FileDescriptor file(
      ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, S_IRUSR | S_IWUSR));
  if (file.get() < 0) return failure(path_, "cannot open", errno);
  // O_APPEND makes each write() land at the end atomically; a short write (a full disk) would
  // leave a torn line, so it is reported rather than silently continued.
  const ssize_t n = ::write(file.get(), line.data(), line.size());
  if (n < 0) return failure(path_, "cannot write", errno);
  if (static_cast<std::size_t>(n) != line.size()) return failure(path_, "short write", ENOSPC);
  return Done{};
}

}  // namespace ciamd
