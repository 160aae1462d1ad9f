// notify/smtp: email through an SMTP server, by libcurl.
//   kStartTls  smtp://host:port, then STARTTLS, required: a server that does not offer it fails
//              the delivery rather than receiving the code in clear (usually port 587)
//   kTls       smtps://host:port, TLS from the first byte (usually port 465)
//   kNone      plain text, for a relay on loopback or a trusted network only
// Certificate and host name verification are always on (the system store, or ca_file instead of
// it). AUTH (whatever the server offers of PLAIN, LOGIN, ...) is used when a username is set.
//
// The message is text/plain UTF-8 in base64 with Date, From, To, Subject (RFC 2047 when not
// ASCII), Message-ID and MIME-Version headers (see notify/mime.hpp).
//
// libcurl blocks, so each delivery runs on the BlockingPool and is awaited; one delivery holds a
// pool thread for at most timeout_ms (connect included). No retry: a mail server queues and
// retries itself, and a code the user does not receive is re-requested. Any failure (connect,
// TLS, AUTH, a 4xx/5xx reply) is kCodeSendFailed with libcurl's reason; the message text and the
// password are never logged.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "notify/mime.hpp"
#include "notify/sender.hpp"

namespace ciamd {

class BlockingPool;

enum class SmtpSecurity { kStartTls, kTls, kNone };

struct SmtpOptions {
  std::string host;
  std::uint16_t port = 587;
  SmtpSecurity security = SmtpSecurity::kStartTls;
  std::string username;  // empty: no AUTH
  std::string password;  // never logged
  std::string from;      // "noreply@example.com" or "Example <noreply@example.com>"
  std::string ca_file;   // PEM bundle to trust instead of the system store; empty: system store
  std::chrono::milliseconds timeout_ms{10'000};  // the whole SMTP session
};

class SmtpEmailSender final : public Sender {
 public:
  // Throws std::invalid_argument for a host that is not a bare name or address, port 0, a `from`
  // that is not a mailbox or a non-positive timeout, and std::runtime_error if libcurl cannot be
  // initialised.
  SmtpEmailSender(BlockingPool& pool, SmtpOptions options);

  Task<Status> deliver(const Notification& message) override;

 private:
  Status send_blocking(const Notification& message) const;

  BlockingPool& pool_;
  SmtpOptions options_;
  notify::Mailbox from_;
};

}  // namespace ciamd
