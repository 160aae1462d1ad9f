// An id_token verifier that shares no code with the server (src/tokens is what is under test):
// strict base64url, JWK -> RSA or EC P-256 public key with OpenSSL 3's EVP_PKEY_fromdata, RS256 and
// ES256 via EVP_DigestVerify. Any discrepancy throws std::runtime_error saying what was wrong.
//
//   VerifiedJwt t = verify_rs256(id_token, env.fetch_jwks());   // or verify_es256, verify_jws
//   t.header["kid"]; t.claims["sub"];
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace it {

// RFC 4648 §5 without padding, as JWS compact serialization uses; throws on any other character.
std::string base64url_decode(std::string_view in);
// Standard base64 with padding (for the master key in the config).
std::string base64_encode(std::string_view in);

// The three dot-separated parts of a compact JWS; throws unless there are exactly three.
std::vector<std::string> split_jws(std::string_view jws);
// Decodes part 0 (header) or 1 (payload) as a JSON object without verifying anything.
boost::json::object decode_jws_part(std::string_view jws, int part);

struct VerifiedJwt {
  boost::json::object header;
  boost::json::object claims;
};

// Verifies an RS256 JWS against the JWKS `{"keys":[...]}`: the header's kid must name an RSA key
// of at least 2048 bits, and the signature must verify. Claims are returned unchecked.
VerifiedJwt verify_rs256(std::string_view jws, const boost::json::object& jwks);
// Verifies an ES256 JWS: the kid must name an EC key on P-256, and the signature must be the raw
// 64-byte R||S of RFC 7518 §3.4 (not DER) and verify. Claims are returned unchecked.
VerifiedJwt verify_es256(std::string_view jws, const boost::json::object& jwks);
// verify_rs256 or verify_es256, chosen by the header's alg; any other alg ("none", HS256, ...)
// throws. The JWK must still match that alg, so switching a token's alg does not switch its key.
VerifiedJwt verify_jws(std::string_view jws, const boost::json::object& jwks);

}  // namespace it
