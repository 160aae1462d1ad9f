#include "integration/support/jwt_verify.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
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
  const auto parts = split_jws(jws);
  VerifiedJwt out;
  out.header = decode_jws_part(jws, 0);
  out.claims = decode_jws_part(jws, 1);
  if (string_at(out.header, "alg") != "RS256") {
    throw std::runtime_error("header alg is not RS256: " + dump(out.header));
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
  if (jwk->contains("alg") && string_at(*jwk, "alg") != "RS256") {
    throw std::runtime_error("JWK alg is not RS256: " + dump(*jwk));
  }

  PkeyPtr key = rsa_public_key(*jwk);
  const std::string signing_input = parts[0] + "." + parts[1];
  const std::string signature = base64url_decode(parts[2]);
  MdCtxPtr md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1) {
    throw std::runtime_error("EVP_DigestVerifyInit failed");
  }
  const int ok = EVP_DigestVerify(
      md.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  if (ok != 1) throw std::runtime_error("RS256 signature does not verify for kid " + kid);
  return out;
}

}  // namespace it
