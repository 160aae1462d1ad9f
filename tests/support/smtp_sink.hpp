// tests/support/smtp_sink: a real SMTP server on 127.0.0.1 (ephemeral port) for tests, on its own
// threads. It speaks enough of RFC 5321 for a client such as libcurl: EHLO/HELO, AUTH PLAIN and
// LOGIN (any credentials accepted and recorded), MAIL FROM, RCPT TO, DATA (dot-unstuffed), RSET,
// NOOP, QUIT; with TLS, STARTTLS (RFC 3207, AUTH offered only after it, as real servers do) or TLS
// from the first byte (smtps), on a throwaway certificate the client trusts through ca_file().
// It records each accepted message before answering 250, so once a client's send returned the
// message is in messages(); it can be told to refuse at a stage with a 5xx.
//
//   SmtpSink sink({.tls = SmtpSink::Tls::kStartTls});
//   ... deliver to 127.0.0.1:sink.port(), trusting sink.ca_file() ...
//   const SmtpMessage m = sink.messages().at(0);   m.decoded_header("Subject"), m.text()
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/loopback_listener.hpp"
#include "support/throwaway_tls.hpp"

namespace ciamd::test_support {

// Standard base64 (RFC 4648), whitespace and line breaks ignored; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

struct SmtpMessage {
  std::string helo;            // the EHLO/HELO argument
  bool tls = false;            // the transaction ran over TLS (STARTTLS or implicit)
  std::string auth_mechanism;  // "PLAIN", "LOGIN", or "" when the client did not authenticate
  std::string username;
  std::string password;
  std::string mail_from;                // the reverse-path, without the angle brackets
  std::vector<std::string> recipients;  // the forward-paths, without the angle brackets
  std::string data;  // what followed DATA, dot-unstuffed, CRLF line ends, without the final "."

  // The unfolded value of the first header called `name` (case-insensitive); "" when absent.
  std::string header(std::string_view name) const;
  // header() with RFC 2047 "=?charset?B?...?=" words decoded (the bytes are kept as they are, so
  // UTF-8 words yield UTF-8); the space between two adjacent encoded-words is dropped.
  std::string decoded_header(std::string_view name) const;
  std::string body() const;  // everything after the first blank line
  // body() decoded as its Content-Transfer-Encoding says (base64), or as it is.
  std::string text() const;
};

class SmtpSink {
 public:
  enum class Tls { kNone, kStartTls, kImplicit };
  enum class Stage { kNone, kMailFrom, kRcptTo, kData };  // kData: after the message was read

  struct Options {
    Tls tls = Tls::kNone;
    std::string auth_mechanisms = "PLAIN LOGIN";  // the EHLO AUTH line; "" offers no AUTH
  };

  SmtpSink() : SmtpSink(Options{}) {}
  explicit SmtpSink(Options options);
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t port() const { return listener_->port(); }
  std::string ca_file() const;  // the PEM a client trusts; "" without TLS

  // From now on refuse every transaction at `stage` with `reply`; Stage::kNone accepts again.
  void reject_at(Stage stage, std::string reply = "554 5.7.1 refused by the test sink");

  std::vector<SmtpMessage> messages() const;
  // Waits until at least `count` messages were accepted; false if `timeout` passes first. For
  // senders that deliver in the background; a bound on a wait, never a measurement.
  bool wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const;

 private:
  struct Session;
  void serve(Connection& connection);
  bool authenticate(Connection& connection, Session& session, std::string_view argument);
  bool receive_data(Connection& connection, Session& session);
  std::optional<std::string> refusal(Stage stage) const;

  Options options_;
  std::unique_ptr<ThrowawayCertificate> certificate_;
  SslContextPtr tls_context_;
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<SmtpMessage> messages_;  // guarded by mutex_
  Stage reject_stage_ = Stage::kNone;  // guarded by mutex_
  std::string reject_reply_;           // guarded by mutex_
  // Last: destroyed (stopped and joined) first, while everything its threads touch still lives.
  std::unique_ptr<LoopbackListener> listener_;
};

}  // namespace ciamd::test_support
