#include "support/smtp_sink.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

namespace ciamd::test_support {

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && upper(a) == upper(b);
}

// "MAIL FROM:<a@b> SIZE=10" -> "a@b"; nullopt without the brackets.
std::optional<std::string> path_argument(std::string_view argument) {
  const auto open = argument.find('<');
  const auto close = argument.find('>', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return std::nullopt;
  return std::string(argument.substr(open + 1, close - open - 1));
}

// Splits a decoded AUTH PLAIN response "authzid\0user\0password".
bool split_plain(const std::string& decoded, std::string& user, std::string& password) {
  const auto first = decoded.find('\0');
  if (first == std::string::npos) return false;
  const auto second = decoded.find('\0', first + 1);
  if (second == std::string::npos) return false;
  user = decoded.substr(first + 1, second - first - 1);
  password = decoded.substr(second + 1);
  return true;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  bool padding = false;
  for (const char c : text) {
    if (c == ' ' || c == '\r' || c == '\n' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const auto value = kAlphabet.find(c);
    if (value == std::string_view::npos || padding) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return out;
}

std::string SmtpMessage::header(std::string_view name) const {
  const auto end_of_headers = data.find("\r\n\r\n");
  const std::string_view headers = std::string_view(data).substr(0, end_of_headers);
  std::size_t at = 0;
  while (at < headers.size()) {
    auto end = headers.find("\r\n", at);
    if (end == std::string_view::npos) end = headers.size();
    const std::string_view line = headers.substr(at, end - at);
    at = end + 2;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || line.front() == ' ' || line.front() == '\t' ||
        !iequals(line.substr(0, colon), name)) {
      continue;
    }
    std::string value(line.substr(colon + 1));
    // Continuation lines start with white space; unfolding removes only the CRLF (RFC 5322 2.2.3).
    while (at < headers.size() && (headers[at] == ' ' || headers[at] == '\t')) {
      auto next = headers.find("\r\n", at);
      if (next == std::string_view::npos) next = headers.size();
      value += headers.substr(at, next - at);
      at = next + 2;
    }
    const auto first = value.find_first_not_of(" \t");
    return first == std::string::npos ? "" : value.substr(first);
  }
  return "";
}

std::string SmtpMessage::decoded_header(std::string_view name) const {
  const std::string value = header(name);
  std::string out;
  std::size_t at = 0;
  bool after_word = false;
  while (at < value.size()) {
    const auto start = value.find("=?", at);
    const auto marker = start == std::string::npos ? start : value.find("?B?", start);
    const auto end = marker == std::string::npos ? marker : value.find("?=", marker + 3);
    if (end == std::string::npos) {
      out += value.substr(at);
      break;
    }
    const std::string between = value.substr(at, start - at);
    if (!(after_word && between.find_first_not_of(" \t") == std::string::npos)) out += between;
    out += base64_decode(value.substr(marker + 3, end - marker - 3)).value_or("?");
    at = end + 2;
    after_word = true;
  }
  return out;
}

std::string SmtpMessage::body() const {
  const auto end_of_headers = data.find("\r\n\r\n");
  return end_of_headers == std::string::npos ? "" : data.substr(end_of_headers + 4);
}

std::string SmtpMessage::text() const {
  if (!iequals(header("Content-Transfer-Encoding"), "base64")) return body();
  return base64_decode(body()).value_or("");
}

struct SmtpSink::Session {
  std::string helo;
  std::string auth_mechanism;
  std::string username;
  std::string password;
  std::optional<std::string> mail_from;
  std::vector<std::string> recipients;
};

SmtpSink::SmtpSink(Options options) : options_(std::move(options)) {
  if (options_.tls != Tls::kNone) {
    certificate_ = std::make_unique<ThrowawayCertificate>();
    tls_context_ = certificate_->server_context();
  }
  listener_ = std::make_unique<LoopbackListener>([this](Connection& c) { serve(c); });
}

SmtpSink::~SmtpSink() = default;

std::string SmtpSink::ca_file() const {
  return certificate_ ? certificate_->cert_file() : "";
}

void SmtpSink::reject_at(Stage stage, std::string reply) {
  const std::lock_guard lock(mutex_);
  reject_stage_ = stage;
  reject_reply_ = std::move(reply);
}

std::vector<SmtpMessage> SmtpSink::messages() const {
  const std::lock_guard lock(mutex_);
  return messages_;
}

bool SmtpSink::wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
}

std::optional<std::string> SmtpSink::refusal(Stage stage) const {
  const std::lock_guard lock(mutex_);
  if (reject_stage_ != stage) return std::nullopt;
  return reject_reply_;
}

void SmtpSink::serve(Connection& connection) {
  if (options_.tls == Tls::kImplicit && !connection.start_tls(tls_context_.get())) return;
  auto reply = [&connection](std::string_view text) {
    return connection.write(std::string(text) + "\r\n");
  };
  Session session;
  if (!reply("220 127.0.0.1 ciamd test sink ESMTP")) return;
  while (const auto line = connection.read_line()) {
    const std::string_view command = *line;
    const std::string verb = upper(command.substr(0, command.find(' ')));
    const std::string_view argument =
        command.size() > verb.size() ? command.substr(verb.size() + 1) : std::string_view();
    bool ok = true;
    if (verb == "EHLO") {
      session = Session{};
      session.helo = argument;
      std::vector<std::string> lines = {"127.0.0.1 greets " + session.helo, "8BITMIME"};
      const bool can_start_tls = options_.tls == Tls::kStartTls && !connection.tls();
      if (can_start_tls) lines.emplace_back("STARTTLS");
      if (!can_start_tls && !options_.auth_mechanisms.empty()) {
        lines.push_back("AUTH " + options_.auth_mechanisms);
      }
      std::string text;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        text += (i + 1 < lines.size() ? "250-" : "250 ") + lines[i] + "\r\n";
      }
      ok = connection.write(text);
    } else if (verb == "HELO") {
      session = Session{};
      session.helo = argument;
      ok = reply("250 127.0.0.1");
    } else if (verb == "STARTTLS") {
      if (options_.tls != Tls::kStartTls || connection.tls()) {
        ok = reply("503 5.5.1 TLS not available");
      } else {
        // RFC 3207: after the handshake the client starts over with EHLO.
        ok = reply("220 2.0.0 ready to start TLS") && connection.start_tls(tls_context_.get());
        session = Session{};
      }
    } else if (verb == "AUTH") {
      ok = authenticate(connection, session, argument);
    } else if (upper(command.substr(0, 10)) == "MAIL FROM:") {
      const auto path = path_argument(command.substr(10));
      if (const auto refused = refusal(Stage::kMailFrom)) {
        ok = reply(*refused);
      } else if (!path) {
        ok = reply("501 5.5.4 syntax: MAIL FROM:<address>");
      } else {
        session.mail_from = *path;
        session.recipients.clear();
        ok = reply("250 2.1.0 sender ok");
      }
    } else if (upper(command.substr(0, 8)) == "RCPT TO:") {
      const auto path = path_argument(command.substr(8));
      if (!session.mail_from) {
        ok = reply("503 5.5.1 MAIL first");
      } else if (const auto refused = refusal(Stage::kRcptTo)) {
        ok = reply(*refused);
      } else if (!path) {
        ok = reply("501 5.5.4 syntax: RCPT TO:<address>");
      } else {
        session.recipients.push_back(*path);
        ok = reply("250 2.1.5 recipient ok");
      }
    } else if (verb == "DATA") {
      ok = session.recipients.empty() ? reply("503 5.5.1 RCPT first")
                                      : receive_data(connection, session);
    } else if (verb == "RSET") {
      session.mail_from.reset();
      session.recipients.clear();
      ok = reply("250 2.0.0 reset");
    } else if (verb == "NOOP") {
      ok = reply("250 2.0.0 ok");
    } else if (verb == "QUIT") {
      reply("221 2.0.0 bye");
      return;
    } else {
      ok = reply("502 5.5.2 command not implemented");
    }
    if (!ok) return;
  }
}

bool SmtpSink::authenticate(Connection& connection, Session& session, std::string_view argument) {
  auto reply = [&connection](std::string_view text) {
    return connection.write(std::string(text) + "\r\n");
  };
  // The client's next line, base64-decoded; nullopt when the connection ended or it was invalid.
  auto next_response = [&connection](std::string_view prompt) -> std::optional<std::string> {
    if (!connection.write(std::string(prompt) + "\r\n")) return std::nullopt;
    const auto line = connection.read_line();
    if (!line || *line == "*") return std::nullopt;
    return base64_decode(*line);
  };
  const std::string mechanism = upper(argument.substr(0, argument.find(' ')));
  const std::string_view initial =
      argument.size() > mechanism.size() ? argument.substr(mechanism.size() + 1) : "";
  const bool offered = (mechanism == "PLAIN" || mechanism == "LOGIN") &&
                       (" " + upper(options_.auth_mechanisms) + " ").find(" " + mechanism + " ") !=
                           std::string::npos;
  // Like a real submission server, no credentials in clear when TLS could be started first.
  const bool tls_pending = options_.tls == Tls::kStartTls && !connection.tls();
  if (!offered || tls_pending) return reply("504 5.5.4 mechanism not available");
  std::string user;
  std::string password;
  if (mechanism == "PLAIN") {
    const auto decoded = initial.empty() ? next_response("334 ") : base64_decode(initial);
    if (!decoded || !split_plain(*decoded, user, password)) return reply("501 5.5.2 bad PLAIN");
  } else {
    const auto name = initial.empty() ? next_response("334 VXNlcm5hbWU6") : base64_decode(initial);
    const auto secret = name ? next_response("334 UGFzc3dvcmQ6") : std::nullopt;
    if (!secret) return reply("501 5.5.2 bad LOGIN");
    user = *name;
    password = *secret;
  }
  session.auth_mechanism = mechanism;
  session.username = std::move(user);
  session.password = std::move(password);
  return reply("235 2.7.0 authenticated");
}

bool SmtpSink::receive_data(Connection& connection, Session& session) {
  if (!connection.write("354 end data with <CRLF>.<CRLF>\r\n")) return false;
  SmtpMessage message;
  for (;;) {
    const auto line = connection.read_line(std::size_t{1024} * 1024);
    if (!line) return false;
    if (*line == ".") break;
    // RFC 5321 4.5.2: the client doubled every leading dot; take one away.
    message.data += line->starts_with('.') ? line->substr(1) : *line;
    message.data += "\r\n";
  }
  const auto refused = refusal(Stage::kData);
  if (!refused) {
    message.helo = session.helo;
    message.tls = connection.tls();
    message.auth_mechanism = session.auth_mechanism;
    message.username = session.username;
    message.password = session.password;
    message.mail_from = *session.mail_from;
    message.recipients = session.recipients;
    {
      const std::lock_guard lock(mutex_);
      messages_.push_back(std::move(message));
    }
    arrived_.notify_all();
  }
  session.mail_from.reset();
  session.recipients.clear();
  return connection.write((refused ? *refused : "250 2.0.0 queued") + "\r\n");
}

}  // namespace ciamd::test_support
