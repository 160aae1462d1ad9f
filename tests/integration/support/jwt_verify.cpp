#include "integration/support/jwt_verify.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <stdexcept>

#include "integration/support/json.hpp"

namespace it {
namespace {

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using BldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;

// The size of a P-256 coordinate and of each half of an ES256 signature (RFC 7518 §3.4, §6.2.1).
constexpr std::size_t kP256Bytes = 32;

int b64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

BnPtr bignum(std::string_view b64url) {
  const std::string bytes = base64url_decode(b64url);
  if (bytes.empty()) throw std::runtime_error("JWK has an empty RSA parameter");
  BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                     static_cast<int>(bytes.size()), nullptr));
  if (!bn) throw std::runtime_error("BN_bin2bn failed");
  return bn;
}

PkeyPtr rsa_public_key(const boost::json::object& jwk) {
  if (string_at(jwk, "kty") != "RSA") throw std::runtime_error("JWK kty is not RSA: " + dump(jwk));
  BnPtr n = bignum(string_at(jwk, "n"));
  BnPtr e = bignum(string_at(jwk, "e"));
  BldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    throw std::runtime_error("OSSL_PARAM_BLD failed");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    throw std::runtime_error("EVP_PKEY_fromdata rejected the JWK: " + dump(jwk));
  }
  PkeyPtr key(raw);
  if (EVP_PKEY_get_bits(key.get()) < 2048) {
    throw std::runtime_error("RSA key shorter than 2048 bits: " + dump(jwk));
  }
  return key;
}

PkeyPtr ec_p256_public_key(const boost::json::object& jwk) {
  if (string_at(jwk, "kty") != "EC") throw std::runtime_error("JWK kty is not EC: " + dump(jwk));
  if (string_at(jwk, "crv") != "P-256") {
    throw std::runtime_error("JWK crv is not P-256: " + dump(jwk));
  }
  // RFC 7518 §6.2.1.2: each coordinate is exactly the curve's size, leading zeros kept; a shorter
  // one is a malformed key, not a small number.
  const std::string x = base64url_decode(string_at(jwk, "x"));
  const std::string y = base64url_decode(string_at(jwk, "y"));
  if (x.size() != kP256Bytes || y.size() != kP256Bytes) {
    throw std::runtime_error("JWK x and y must be 32 bytes each: " + dump(jwk));
  }
  // OpenSSL takes the public key as an uncompressed SEC1 point: 0x04 || x || y.
  const std::string point = std::string(1, '\x04') + x + y;
  BldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    throw std::runtime_error("OSSL_PARAM_BLD failed");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    throw std::runtime_error("EVP_PKEY_fromdata rejected the JWK: " + dump(jwk));
  }
  PkeyPtr key(raw);
  // fromdata does not promise that the point lies on the curve; a point off it would make the
  // verification meaningless (invalid-curve attacks), so check explicitly.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    throw std::runtime_error("JWK point is not on P-256: " + dump(jwk));
  }
  return key;
}

// JWS carries ECDSA signatures as the fixed-size R||S; OpenSSL verifies the DER SEQUENCE of two
// INTEGERs (RFC 3279), so convert. Any other length is refused rather than guessed at: a DER
// signature passed off as a JWS one is exactly the mistake this verifier must catch.
std::string es256_signature_to_der(const std::string& raw) {
  if (raw.size() != 2 * kP256Bytes) {
    throw std::runtime_error("ES256 signature is " + std::to_string(raw.size()) +
                             " bytes, not 64 (raw R||S)");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, static_cast<int>(kP256Bytes), nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kP256Bytes, static_cast<int>(kP256Bytes), nullptr);
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    throw std::runtime_error("ECDSA_SIG_set0 failed");
  }
  // From here on sig owns r and s.
  unsigned char* der = nullptr;
  const int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) throw std::runtime_error("i2d_ECDSA_SIG failed");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

// The shared path of both algorithms: header alg, kid lookup, key type, signature check.
VerifiedJwt verify_as(std::string_view jws, const boost::json::object& jwks,
                      const std::string& alg) {
  const auto parts = split_jws(jws);
  VerifiedJwt out;
  out.header = decode_jws_part(jws, 0);
  out.claims = decode_jws_part(jws, 1);
  if (string_at(out.header, "alg") != alg) {
    throw std::runtime_error("header alg is not " + alg + ": " + dump(out.header));
  }
  const std::string kid = string_at(out.header, "kid");
  if (kid.empty()) throw std::runtime_error("header has no kid: " + dump(out.header));

  const boost::json::value* keys = jwks.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) throw std::runtime_error("JWKS has no keys array");
  const boost::json::object* jwk = nullptr;
  for (const auto& k : keys->as_array()) {
    if (k.is_object() && string_at(k.as_object(), "kid") == kid) jwk = &k.as_object();
  }
  if (jwk == nullptr) throw std::runtime_error("kid " + kid + " is not in the JWKS " + dump(jwks));
  if (jwk->contains("alg") && string_at(*jwk, "alg") != alg) {
    throw std::runtime_error("JWK alg is not " + alg + ": " + dump(*jwk));
  }

  const bool es256 = alg == "ES256";
  PkeyPtr key = es256 ? ec_p256_public_key(*jwk) : rsa_public_key(*jwk);
  const std::string signing_input = parts[0] + "." + parts[1];
  const std::string raw_signature = base64url_decode(parts[2]);
  const std::string signature = es256 ? es256_signature_to_der(raw_signature) : raw_signature;
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
    throw std::runtime_error("EVP_DigestVerifyInit failed");
  }
  const int ok = EVP_DigestVerify(
      md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  if (ok != 1) throw std::runtime_error(alg + " signature does not verify for kid " + kid);
  return out;
}

}  // namespace

std::string base64url_decode(std::string_view in) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    const int v = b64url_value(c);
    if (v < 0) throw std::runtime_error("not base64url: '" + std::string(in) + "'");
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  // A lone 6-bit group cannot encode a byte: such input is malformed, not merely unpadded.
  if (in.size() % 4 == 1) throw std::runtime_error("truncated base64url: " + std::string(in));
  return out;
}

std::string base64_encode(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::vector<std::string> split_jws(std::string_view jws) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = jws.find('.', start);
    parts.emplace_back(jws.substr(start, dot == std::string_view::npos ? jws.npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 3) {
    throw std::runtime_error("a compact JWS has 3 parts, got " + std::to_string(parts.size()) +
                             ": " + std::string(jws));
  }
  return parts;
}

boost::json::object decode_jws_part(std::string_view jws, int part) {
  const auto parts = split_jws(jws);
  const boost::json::value v = parse_json(base64url_decode(parts.at(part)), "JWS part");
  if (!v.is_object()) throw std::runtime_error("JWS part is not a JSON object");
  return v.as_object();
}

VerifiedJwt verify_rs256(std::string_view jws, const boost::json::object& jwks) {
  return verify_as(jws, jwks, "RS256");
}

VerifiedJwt verify_es256(std::string_view jws, const boost::json::object& jwks) {
  return verify_as(jws, jwks, "ES256");
}

VerifiedJwt verify_jws(std::string_view jws, const boost::json::object& jwks) {
  const std::string alg = string_at(decode_jws_part(jws, 0), "alg");
  if (alg != "RS256" && alg != "ES256") {
    throw std::runtime_error("header alg is neither RS256 nor ES256: '" + alg + "'");
  }
  return verify_as(jws, jwks, alg);
}

}  // namespace it
