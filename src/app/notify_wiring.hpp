// app/notify_wiring: the verification-code senders `serve` builds from [notify]. Sender
// construction errors (std::invalid_argument) become ConfigError naming
// the section, so a bad URL or mailbox stops the server at start, not at the first code.
//
//   NotifySenders senders = build_senders(cfg, http_client);   // throws ConfigError
//   const Verification v(flows, store, store, store, cfg.verification, key, senders.sms.get(),
//                        senders.email.get());
#pragma once

#include <memory>

#include "app/config.hpp"
#include "exec/runtime.hpp"
#include "notify/sender.hpp"

namespace ciamd {

class HttpClient;

struct NotifySenders {
  // SMTP blocks in libcurl: it gets a small pool of its own, so a slow mail server cannot starve
  // database work. Declared first so it outlives the sender that uses it.
  std::unique_ptr<BlockingPool> smtp_pool;
  std::unique_ptr<Sender> sms;    // null: [notify] sms = ""
  std::unique_ptr<Sender> email;  // null: [notify] email = ""
};

NotifySenders build_senders(const Config& cfg, HttpClient& client);

}  // namespace ciamd
