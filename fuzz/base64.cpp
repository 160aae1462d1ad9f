// base64url (JWS segments, JWK members) and standard base64 (configuration values such as the
// master key) decoding (tokens/base64). What decodes must encode back to an equivalent text.
#include "tokens/base64.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ciamd;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto bytes = base64url_decode(input)) {
    // Padding is refused, so the only other spelling of the same bytes would be in the unused
    // low bits of the last character; decoding the encoding must give the same bytes.
    if (base64url_decode(base64url_encode(*bytes)) != bytes) std::abort();
  }
  if (const auto bytes = base64_decode(input)) {
    if (base64_decode(base64_encode(*bytes)) != bytes) std::abort();
  }
  return 0;
}
