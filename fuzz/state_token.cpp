// State tokens as clients send them back (X-state-token; tokens/state_token):
// StateTokenCodec::verify on the raw input, and, since a fuzzer cannot forge the HMAC, on a token
// this codec signed around the input as payload, so the claims' JSON (jti, aud, flow, iat, exp)
// after a good signature is fuzzed too. The first input byte chooses the mode.
#include "tokens/state_token.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tokens/jws.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ciamd;
  if (size == 0) return 0;
  static constexpr std::string_view kKey = "fuzz-state-token-key-32-bytes-ok";
  static const StateTokenCodec codec{std::string(kKey)};
  constexpr UnixSeconds kNow = 1'750'000'000;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    (void)codec.verify(input, "nTo1eRIub60vPb54WeE6aojPwYwImtl4", kNow);
    return 0;
  }
  const std::string token = jws_sign_hmac(R"({"alg":"HS256","typ":"JWT"})", input, kKey);
  (void)codec.verify(token, "nTo1eRIub60vPb54WeE6aojPwYwImtl4", kNow);
  return 0;
}
