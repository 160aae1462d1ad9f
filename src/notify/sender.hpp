// notify/sender: delivering a verification code to a phone or a mailbox. One interface, three
// real implementations chosen by configuration:
//   WebhookSmsSender  an HTTP POST of a signed JSON message to an SMS gateway (notify/webhook.hpp)
//   SmtpEmailSender   SMTP through libcurl, STARTTLS or implicit TLS (notify/smtp.hpp)
//   OutboxSender      development only: appends each message to a JSON-lines file the demo and
//                     the tests read (notify/outbox.hpp)
//
//   Status sent = co_await sender.deliver(Notification{Channel::kSms, "+8615907132852", "", text});
//   if (!sent) ... sent.error().code == ErrorCode::kCodeSendFailed, detail says why (for the log)
//
// A sender never logs the message text (it holds a code) nor a credential.
#pragma once

#include <string>

#include "core/result.hpp"
#include "exec/task.hpp"

namespace ciamd {

enum class Channel { kSms, kEmail };

struct Notification {
  Channel channel = Channel::kSms;
  std::string to;       // E.164 phone number or lower-case email address
  std::string subject;  // email only
  std::string text;     // the rendered message, code included
  std::string purpose;  // e.g. "REGISTER_SMS": lets a gateway pick a template; never secret
  std::string request_id;
};

class Sender {
 public:
  virtual ~Sender() = default;
  // kCodeSendFailed when the message could not be handed over; never throws for delivery faults.
  virtual Task<Status> deliver(const Notification& message) = 0;
};

}  // namespace ciamd
