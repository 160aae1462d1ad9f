#include "tokens/jws.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <boost/json/parse.hpp>
#include <climits>
#include <stdexcept>

#include "tokens/base64.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

// RFC 7518 section 3.4: an ES256 signature is R and S, each a 32-byte big-endian integer.
constexpr std::size_t kEs256Half = 32;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

// Failed OpenSSL calls leave entries on the thread's error queue. Rejecting bad input is routine
// here, and a stale entry would later be mistaken for a fresh error by code sharing the thread
// (Asio's TLS streams read the same queue), so every entry point that can fail on input clears it.
struct ClearErrorQueue {
  ~ClearErrorQueue() { ERR_clear_error(); }
};

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

MdCtx new_md_ctx() {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::runtime_error("openssl: EVP_MD_CTX_new failed");
  return ctx;
}

// OpenSSL speaks DER (SEQUENCE { r INTEGER, s INTEGER }); JOSE speaks fixed-width R || S.
std::string der_to_raw(std::string_view der) {
  const unsigned char* p = bytes_of(der);
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) throw std::runtime_error("openssl: cannot parse the ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(2 * kEs256Half, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, kEs256Half) < 0 || BN_bn2binpad(s, out + kEs256Half, kEs256Half) < 0) {
    throw std::runtime_error("openssl: ECDSA signature does not fit P-256");
  }
  return raw;
}

std::optional<std::string> raw_to_der(std::string_view raw) {
  if (raw.size() != 2 * kEs256Half) return std::nullopt;
  std::unique_ptr<BIGNUM, BnFree> r(BN_bin2bn(bytes_of(raw), kEs256Half, nullptr));
  std::unique_ptr<BIGNUM, BnFree> s(BN_bin2bn(bytes_of(raw) + kEs256Half, kEs256Half, nullptr));
  EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig) throw std::runtime_error("openssl: allocation failed");
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    throw std::runtime_error("openssl: ECDSA_SIG_set0 failed");
  }
  // Owned by sig from here on: the pointers are deliberately dropped.
  static_cast<void>(r.release());
  static_cast<void>(s.release());
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) throw std::runtime_error("openssl: i2d_ECDSA_SIG failed");
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) {
    throw std::runtime_error("openssl: i2d_ECDSA_SIG failed");
  }
  return der;
}

std::string sign_bytes(std::string_view input, const AsymmetricKey& key) {
  MdCtx ctx = new_md_ctx();
  std::size_t len = 0;
  // RSA keys default to PKCS#1 v1.5 padding, which is what RS256 means.
  if (EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key.native(),
                            nullptr) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, bytes_of(input), input.size()) != 1) {
    throw std::runtime_error("openssl: signing failed (is this a private key?)");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes_of(input),
                     input.size()) != 1) {
    throw std::runtime_error("openssl: EVP_DigestSign failed");
  }
  sig.resize(len);
  return key.alg() == JwsAlg::kES256 ? der_to_raw(sig) : sig;
}

bool verify_bytes(std::string_view input, std::string_view signature, const AsymmetricKey& key) {
  const ClearErrorQueue clear_errors;
  std::string der;
  if (key.alg() == JwsAlg::kES256) {
    auto converted = raw_to_der(signature);
    if (!converted) return false;
    der = std::move(*converted);
    signature = der;
  }
  MdCtx ctx = new_md_ctx();
  if (EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key.native(),
                              nullptr) != 1) {
    throw std::runtime_error("openssl: EVP_DigestVerifyInit_ex failed");
  }
  // Anything but 1 (0: bad signature, negative: malformed) means "does not verify".
  return EVP_DigestVerify(ctx.get(), bytes_of(signature), signature.size(), bytes_of(input),
                          input.size()) == 1;
}

std::optional<boost::json::object> parse_object(std::string_view json) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

std::string_view header_alg(const boost::json::object& header) {
  const auto* alg = header.if_contains("alg");
  if (!alg || !alg->is_string()) return {};
  return std::string_view(alg->get_string().data(), alg->get_string().size());
}

void require_alg(std::string_view header_json, JwsAlg expected) {
  const auto header = parse_object(header_json);
  if (!header || header_alg(*header) != to_string(expected)) {
    throw std::invalid_argument("jws: the header \"alg\" must be " +
                                std::string(to_string(expected)));
  }
}

std::string signing_input(std::string_view header_json, std::string_view payload) {
  return base64url_encode(header_json) + "." + base64url_encode(payload);
}

struct Decoded {
  JwsParts parts;
  std::string_view signing_input;  // the first two segments exactly as received
  std::string signature;
};

std::optional<Decoded> decode(std::string_view token) {
  const std::size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  const std::size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  if (token.find('.', second + 1) != std::string_view::npos) return std::nullopt;

  const auto header_json = base64url_decode(token.substr(0, first));
  auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  auto signature = base64url_decode(token.substr(second + 1));
  if (!header_json || !payload || !signature) return std::nullopt;
  auto header = parse_object(*header_json);
  if (!header) return std::nullopt;
  // RFC 7515 section 4.1.11: we understand no extensions, so any "crit" makes the token invalid.
  if (header->contains("crit")) return std::nullopt;
  return Decoded{JwsParts{std::move(*header), std::move(*payload)}, token.substr(0, second),
                 std::move(*signature)};
}

}  // namespace

std::string jws_sign(std::string_view header_json, std::string_view payload,
                     const AsymmetricKey& key) {
  require_alg(header_json, key.alg());
  std::string input = signing_input(header_json, payload);
  const std::string signature = sign_bytes(input, key);
  return input + "." + base64url_encode(signature);
}

std::string jws_sign_hmac(std::string_view header_json, std::string_view payload,
                          std::string_view secret) {
  if (secret.empty()) throw std::invalid_argument("jws: empty HMAC secret");
  require_alg(header_json, JwsAlg::kHS256);
  std::string input = signing_input(header_json, payload);
  return input + "." + base64url_encode(crypto::hmac_sha256(secret, input));
}

std::optional<JwsParts> jws_decode_unverified(std::string_view token) {
  auto decoded = decode(token);
  if (!decoded) return std::nullopt;
  return std::move(decoded->parts);
}

std::optional<JwsParts> jws_verify(std::string_view token, const AsymmetricKey& key) {
  auto decoded = decode(token);
  // The algorithm is the key's, never the token's: this is what stops "none" and HS256-with-the-
  // public-key forgeries.
  if (!decoded || header_alg(decoded->parts.header) != to_string(key.alg())) return std::nullopt;
  if (!verify_bytes(decoded->signing_input, decoded->signature, key)) return std::nullopt;
  return std::move(decoded->parts);
}

std::optional<JwsParts> jws_verify_hmac(std::string_view token, std::string_view secret) {
  if (secret.empty()) return std::nullopt;
  auto decoded = decode(token);
  if (!decoded || header_alg(decoded->parts.header) != to_string(JwsAlg::kHS256)) {
    return std::nullopt;
  }
  const std::string expected = crypto::hmac_sha256(secret, decoded->signing_input);
  if (!crypto::constant_time_equal(expected, decoded->signature)) return std::nullopt;
  return std::move(decoded->parts);
}

}  // namespace ciamd
