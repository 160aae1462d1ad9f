// notify/mime: the RFC 5322 text of a verification email (internal to notify, tested directly).
// Every value that reaches a header is either checked printable ASCII or RFC 2047-encoded, so no
// input (a subject template, a display name) can inject a header line.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model.hpp"

namespace ciamd::notify {

struct Mailbox {
  std::string display_name;  // UTF-8, may be empty
  std::string address;       // local@domain
};

// A plain ASCII addr-spec: one '@', non-empty local part and domain, no space, control character,
// bracket, quote, comma, colon or semicolon. Internationalised addresses (SMTPUTF8) are refused.
bool is_plain_address(std::string_view address);

// "addr@example.com" or "Display Name <addr@example.com>"; nullopt for anything else.
std::optional<Mailbox> parse_mailbox(std::string_view text);

// Printable ASCII (up to 200 characters, without "=?") is kept as it is; anything else becomes
// RFC 2047 encoded-words "=?UTF-8?B?...?=" of at most 68 characters, one per line after the first
// (folded with CRLF + space), never splitting a UTF-8 sequence between words.
std::string encode_header_text(std::string_view utf8);

// Base64 in lines of at most 76 characters, each ended by CRLF (RFC 2045 section 6.8).
std::string base64_lines(std::string_view bytes);

struct Email {
  Mailbox from;
  std::string to;  // a plain address
  std::string subject;
  std::string text;
  UnixSeconds date = 0;
  std::string message_id;  // "id@domain", without the angle brackets
};

// Date, From, To, Subject, Message-ID, MIME-Version, Content-Type (text/plain; charset=UTF-8),
// Content-Transfer-Encoding (base64), a blank line and the body; every line ends in CRLF.
std::string render_email(const Email& email);

}  // namespace ciamd::notify
