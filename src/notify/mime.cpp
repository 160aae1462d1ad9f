#include "notify/mime.hpp"

#include <algorithm>

#include "notify/format.hpp"
#include "tokens/base64.hpp"

namespace ciamd::notify {

namespace {

constexpr std::string_view kCrlf = "\r\n";
// 42 bytes are 56 base64 characters: "=?UTF-8?B?" + 56 + "?=" is 68, so even the first word,
// after "Subject: ", keeps its line within the 78 characters RFC 5322 recommends.
constexpr std::size_t kBytesPerWord = 42;
constexpr std::size_t kMaxPlainHeader = 200;

bool printable_ascii(unsigned char c) {
  return c >= 0x20 && c <= 0x7e;
}

// The length of the UTF-8 sequence that starts with `lead`; 1 for a stray byte, so invalid input
// still makes progress (it is encoded as is, never dropped).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  if (lead >= 0xe0) return lead <= 0xef ? 3 : 1;
  if (lead >= 0xc2) return 2;
  return 1;
}

std::string quoted_display_name(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

bool is_plain_address(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  const auto at = address.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
  if (address.find('@', at + 1) != std::string_view::npos) return false;
  constexpr std::string_view kForbidden = "<>()[]\\,;:\"";
  return std::all_of(address.begin(), address.end(), [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && kForbidden.find(c) == std::string_view::npos;
  });
}

std::optional<Mailbox> parse_mailbox(std::string_view text) {
  if (is_plain_address(text)) return Mailbox{"", std::string(text)};
  const auto open = text.rfind('<');
  if (open == std::string_view::npos || text.empty() || text.back() != '>') return std::nullopt;
  const std::string_view address = text.substr(open + 1, text.size() - open - 2);
  if (!is_plain_address(address)) return std::nullopt;
  std::string_view name = text.substr(0, open);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  // A line break in a display name would end the header early; refuse instead of guessing.
  if (name.find_first_of("\r\n") != std::string_view::npos) return std::nullopt;
  return Mailbox{std::string(name), std::string(address)};
}

std::string encode_header_text(std::string_view utf8) {
  const bool plain = utf8.size() <= kMaxPlainHeader && utf8.find("=?") == std::string_view::npos &&
                     std::all_of(utf8.begin(), utf8.end(), [](char c) {
                       return printable_ascii(static_cast<unsigned char>(c));
                     });
  if (plain) return std::string(utf8);
  std::string out;
  std::size_t start = 0;
  while (start < utf8.size()) {
    std::size_t end = start;
    while (end < utf8.size()) {
      const std::size_t n = sequence_length(static_cast<unsigned char>(utf8[end]));
      if (end + n - start > kBytesPerWord && end > start) break;
      end = std::min(end + n, utf8.size());
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64_encode(utf8.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string base64_lines(std::string_view bytes) {
  constexpr std::size_t kLine = 76;
  const std::string encoded = base64_encode(bytes);
  std::string out;
  out.reserve(encoded.size() + (encoded.size() / kLine + 1) * 2);
  for (std::size_t i = 0; i < encoded.size(); i += kLine) {
    out.append(encoded, i, kLine);
    out += kCrlf;
  }
  return out;
}

std::string render_email(const Email& email) {
  std::string from = email.from.address;
  if (!email.from.display_name.empty()) {
    const std::string encoded = encode_header_text(email.from.display_name);
    const bool was_plain = encoded == email.from.display_name;
    from = (was_plain ? quoted_display_name(email.from.display_name) : encoded) + " <" +
           email.from.address + ">";
  }
  std::string out;
  auto header = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append(kCrlf);
  };
  header("Date", rfc5322_date(email.date));
  header("From", from);
  header("To", email.to);
  header("Subject", encode_header_text(email.subject));
  header("Message-ID", "<" + email.message_id + ">");
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=UTF-8");
  header("Content-Transfer-Encoding", "base64");
  out += kCrlf;
  out += base64_lines(email.text);
  return out;
}

}  // namespace ciamd::notify
