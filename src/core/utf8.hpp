// core/utf8: telling well-formed UTF-8 (RFC 3629) from anything else, and repairing text for
// writers whose readers insist on it (JSON above all: RFC 8259 requires UTF-8, and strict readers
// reject a document with one stray byte).
//
//   if (!is_valid_utf8(header_value)) refuse();
//   o["device_fingerprint"] = to_valid_utf8(stored);   // "\xff" becomes U+FFFD
#pragma once

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace ciamd {

// The length of the well-formed sequence at the start of `s` (1 for ASCII), 0 if there is none:
// overlong forms, surrogates, code points past U+10FFFF and truncated sequences are not.
std::size_t utf8_sequence_length(std::string_view s);

bool is_valid_utf8(std::string_view s);

// `s` with every byte that starts no well-formed sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);

// Repairs, in place, every string and key in `v` as to_valid_utf8 does.
void make_valid_utf8(boost::json::value& v);
void make_valid_utf8(boost::json::object& o);

}  // namespace ciamd
