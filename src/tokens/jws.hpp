// tokens/jws: JWS compact serialization (RFC 7515) for RS256, ES256 (RFC 7518 section 3.4: the
// raw 64-byte R||S form, not DER) and HS256.
//
//   std::string t = jws_sign(R"({"alg":"RS256","kid":"k1"})", payload, key);
//   std::optional<JwsParts> p = jws_verify(t, key);   // checks "alg" matches the key
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "tokens/keys.hpp"

namespace ciamd {

struct JwsParts {
  boost::json::object header;
  std::string payload;  // the decoded payload bytes
};

// Signs with the exact header bytes given (so RFC vectors can be reproduced). The header's "alg"
// must name the key's algorithm; throws std::invalid_argument otherwise.
std::string jws_sign(std::string_view header_json, std::string_view payload,
                     const AsymmetricKey& key);
std::string jws_sign_hmac(std::string_view header_json, std::string_view payload,
                          std::string_view secret);

// Splits and decodes a compact JWS without verifying it; nullopt when malformed.
std::optional<JwsParts> jws_decode_unverified(std::string_view token);

// nullopt unless the token is well formed, its header "alg" is the key's algorithm (never
// "none", never HS256 with a public key) and the signature verifies.
std::optional<JwsParts> jws_verify(std::string_view token, const AsymmetricKey& key);
std::optional<JwsParts> jws_verify_hmac(std::string_view token, std::string_view secret);

}  // namespace ciamd
