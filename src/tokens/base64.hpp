// tokens/base64: base64url without padding (JOSE, RFC 7515 section 2) and standard base64
// (configuration values such as the master key).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ciamd {

std::string base64url_encode(std::string_view bytes);
// nullopt on a character outside the alphabet, on padding, or on an impossible length.
std::optional<std::string> base64url_decode(std::string_view text);

std::string base64_encode(std::string_view bytes);                // with '=' padding
std::optional<std::string> base64_decode(std::string_view text);  // padding optional

}  // namespace ciamd
