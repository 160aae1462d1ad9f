// JWS compact tokens as clients present them (tokens/jws): splitting, base64url, the header's JSON
// and "alg", and the signature check with RS256, ES256 and HS256 keys; jws_decode_unverified as
// `ciamd token decode` uses it on a pasted id_token.
//
// A fuzzer cannot forge signatures, so the first input byte also selects a second mode that signs
// the input (split at the first '.': header JSON, payload) with the HS256 key and checks it comes
// back whole: the code after a good signature, where the header is parsed, is then fuzzed too.
#include "tokens/jws.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tokens/keys.hpp"

namespace {

using namespace ciamd;

constexpr std::string_view kSecret = "fuzz-hmac-secret-of-32-bytes-len";

// Generated once per process: key generation costs far more than one run.
const AsymmetricKey& rsa_key() {
  static const AsymmetricKey key = AsymmetricKey::generate_rsa(2048);
  return key;
}
const AsymmetricKey& ec_key() {
  static const AsymmetricKey key = AsymmetricKey::generate_ec_p256();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    (void)jws_decode_unverified(input);
    (void)jws_verify(input, rsa_key());
    (void)jws_verify(input, ec_key());
    (void)jws_verify_hmac(input, kSecret);
    return 0;
  }
  const auto dot = input.find('.');
  const std::string_view header = input.substr(0, dot);
  const std::string_view payload = dot == std::string_view::npos ? "" : input.substr(dot + 1);
  std::string token;
  try {
    token = jws_sign_hmac(header, payload, kSecret);
  } catch (const std::invalid_argument&) {
    return 0;  // the header does not say HS256: refused before signing, as documented
  }
  const auto parts = jws_verify_hmac(token, kSecret);
  // A token this code signed verifies, with the payload intact, unless its header names a
  // critical extension ("crit"), which verification refuses (RFC 7515 4.1.11) and signing, given
  // the header by its caller, does not look for.
  boost::system::error_code ec;
  const boost::json::value header_value = boost::json::parse(header, ec);
  const bool crit = !ec && header_value.is_object() && header_value.get_object().contains("crit");
  if (crit ? parts.has_value() : (!parts || parts->payload != payload)) std::abort();
  (void)jws_verify(token, rsa_key());  // HS256 never verifies with a public key
  return 0;
}
