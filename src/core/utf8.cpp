#include "core/utf8.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

namespace ciamd {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool in(unsigned char c, unsigned char lo, unsigned char hi) {
  return c >= lo && c <= hi;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view s) {
  if (s.empty()) return 0;
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = at(0);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (in(b0, 0xC2, 0xDF)) {
    n = 2;
  } else if (in(b0, 0xE0, 0xEF)) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (in(b0, 0xF0, 0xF4)) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n || !in(at(1), lo, hi)) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (!in(at(i), 0x80, 0xBF)) return 0;
  }
  return n;
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string to_valid_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);  // the usual case: one pass, one copy
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s.substr(i));
    if (n == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

void make_valid_utf8(boost::json::object& o) {
  // Keys cannot be changed in place; an object with a bad key (none of ours has one) is rebuilt.
  bool bad_key = false;
  for (auto& [key, value] : o) {
    bad_key = bad_key || !is_valid_utf8(key);
    make_valid_utf8(value);
  }
  if (!bad_key) return;
  boost::json::object repaired;
  for (auto& [key, value] : o) repaired[to_valid_utf8(key)] = std::move(value);
  o = std::move(repaired);
}

void make_valid_utf8(boost::json::value& v) {
  if (auto* s = v.if_string()) {
    if (!is_valid_utf8(*s)) *s = to_valid_utf8(*s);
  } else if (auto* a = v.if_array()) {
    for (auto& item : *a) make_valid_utf8(item);
  } else if (auto* o = v.if_object()) {
    make_valid_utf8(*o);
  }
}

}  // namespace ciamd
