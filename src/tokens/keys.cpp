#include "tokens/keys.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <climits>
#include <stdexcept>
#include <vector>

#include "tokens/base64.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

// RFC 7518 section 3.3: RSA keys for RS256 must be at least 2048 bits. Anything smaller is refused
// everywhere, not only when generating, so a weak key cannot be loaded from storage either.
constexpr int kMinRsaBits = 2048;
constexpr std::size_t kP256CoordinateSize = 32;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
// Every BIGNUM here may be a private component, so all are wiped on release.
struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
// Failed OpenSSL calls leave entries on the thread's error queue. Rejecting bad input is routine
// here, and a stale entry would later be mistaken for a fresh error by code sharing the thread
// (Asio's TLS streams read the same queue), so every entry point that can fail on input clears it.
struct ClearErrorQueue {
  ~ClearErrorQueue() { ERR_clear_error(); }
};

using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool is_rsa(const EVP_PKEY* key) {
  return EVP_PKEY_is_a(key, "RSA") == 1;
}

bool is_p256(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) return false;
  char group[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) !=
      1) {
    return false;
  }
  return std::string_view(group, len) == SN_X9_62_prime256v1;
}

// Only the two key shapes this module can sign with are admitted.
bool acceptable(const EVP_PKEY* key) {
  if (is_rsa(key)) return EVP_PKEY_get_bits(key) >= kMinRsaBits;
  return is_p256(key);
}

Bn get_bn(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return nullptr;
  return Bn(raw);
}

std::string bn_bytes(const BIGNUM* bn) {
  std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string bn_bytes_padded(const BIGNUM* bn, std::size_t size) {
  std::string out(size, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size)) < 0) {
    throw std::runtime_error("openssl: BN_bn2binpad failed");
  }
  return out;
}

std::string required_bn_b64(const EVP_PKEY* key, const char* name) {
  const Bn bn = get_bn(key, name);
  if (!bn) throw std::runtime_error(std::string("openssl: cannot read key parameter ") + name);
  return base64url_encode(bn_bytes(bn.get()));
}

// A JWK member as raw bytes: nullopt when absent, not a string, or not base64url.
std::optional<std::string> member_bytes(const boost::json::object& jwk, std::string_view name) {
  const auto* value = jwk.if_contains(name);
  if (!value || !value->is_string()) return std::nullopt;
  const boost::json::string& s = value->get_string();
  return base64url_decode(std::string_view(s.data(), s.size()));
}

Bn bn_from(std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return nullptr;
  Bn bn(BN_bin2bn(bytes_of(bytes), static_cast<int>(bytes.size()), nullptr));
  if (!bn) throw std::runtime_error("openssl: BN_bin2bn failed");
  return bn;
}

// Wipes the decoded private material of a JWK once the key has been built from it.
struct WipedBytes {
  std::string value;
  ~WipedBytes() { OPENSSL_cleanse(value.data(), value.size()); }
};

Pkey key_from_params(const char* type, OSSL_PARAM_BLD* bld, bool has_private) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  if (!params) throw std::runtime_error("openssl: OSSL_PARAM_BLD_to_param failed");
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    throw std::runtime_error("openssl: EVP_PKEY_fromdata_init failed");
  }
  EVP_PKEY* raw = nullptr;
  const int selection = has_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1) return nullptr;
  return Pkey(raw);
}

// Signs and verifies a fixed message: proves that the private half of a key loaded from outside
// belongs to its public half, for RSA and EC alike (a mismatched JWK would otherwise publish a
// public key that verifies nothing we sign).
bool private_matches_public(EVP_PKEY* key) {
  static constexpr std::string_view kProbe = "ciamd key consistency probe";
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> sign_ctx(EVP_MD_CTX_new());
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> verify_ctx(EVP_MD_CTX_new());
  if (!sign_ctx || !verify_ctx) throw std::runtime_error("openssl: EVP_MD_CTX_new failed");
  std::size_t len = 0;
  if (EVP_DigestSignInit_ex(sign_ctx.get(), nullptr, "SHA256", nullptr, nullptr, key, nullptr) !=
          1 ||
      EVP_DigestSign(sign_ctx.get(), nullptr, &len, bytes_of(kProbe), kProbe.size()) != 1) {
    return false;
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(sign_ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     bytes_of(kProbe), kProbe.size()) != 1) {
    return false;
  }
  sig.resize(len);
  return EVP_DigestVerifyInit_ex(verify_ctx.get(), nullptr, "SHA256", nullptr, nullptr, key,
                                 nullptr) == 1 &&
         EVP_DigestVerify(verify_ctx.get(), bytes_of(sig), sig.size(), bytes_of(kProbe),
                          kProbe.size()) == 1;
}

Pkey rsa_from_jwk(const boost::json::object& jwk) {
  const auto n = member_bytes(jwk, "n");
  const auto e = member_bytes(jwk, "e");
  if (!n || !e || n->empty() || e->empty()) return nullptr;

  // Private members: d alone, or d with the full CRT set. A partial CRT set is ambiguous.
  static constexpr std::string_view kCrtNames[] = {"p", "q", "dp", "dq", "qi"};
  static constexpr const char* kCrtParams[] = {
      OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
      OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  const bool has_d = jwk.contains("d");
  std::vector<WipedBytes> crt;
  for (const std::string_view name : kCrtNames) {
    if (!jwk.contains(name)) continue;
    auto bytes = member_bytes(jwk, name);
    if (!bytes) return nullptr;
    crt.push_back(WipedBytes{std::move(*bytes)});
  }
  if (!crt.empty() && (crt.size() != std::size(kCrtNames) || !has_d)) return nullptr;
  WipedBytes d;
  if (has_d) {
    auto bytes = member_bytes(jwk, "d");
    if (!bytes || bytes->empty()) return nullptr;
    d.value = std::move(*bytes);
  }

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld) throw std::runtime_error("openssl: OSSL_PARAM_BLD_new failed");
  // The builder points at the BIGNUMs until to_param copies them, so they live until the end.
  std::vector<Bn> numbers;
  auto push = [&](const char* param, std::string_view bytes) {
    numbers.push_back(bn_from(bytes));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), param, numbers.back().get()) != 1) {
      throw std::runtime_error("openssl: OSSL_PARAM_BLD_push_BN failed");
    }
  };
  push(OSSL_PKEY_PARAM_RSA_N, *n);
  push(OSSL_PKEY_PARAM_RSA_E, *e);
  if (has_d) push(OSSL_PKEY_PARAM_RSA_D, d.value);
  for (std::size_t i = 0; i < crt.size(); ++i) push(kCrtParams[i], crt[i].value);
  return key_from_params("RSA", bld.get(), has_d);
}

Pkey ec_from_jwk(const boost::json::object& jwk) {
  const auto* crv = jwk.if_contains("crv");
  if (!crv || !crv->is_string() || crv->get_string() != "P-256") return nullptr;
  const auto x = member_bytes(jwk, "x");
  const auto y = member_bytes(jwk, "y");
  // RFC 7518 section 6.2.1.2: coordinates are always the full field size.
  if (!x || !y || x->size() != kP256CoordinateSize || y->size() != kP256CoordinateSize) {
    return nullptr;
  }
  const bool has_d = jwk.contains("d");
  WipedBytes d;
  if (has_d) {
    auto bytes = member_bytes(jwk, "d");
    if (!bytes || bytes->size() != kP256CoordinateSize) return nullptr;
    d.value = std::move(*bytes);
  }

  const std::string point = std::string(1, '\x04') + *x + *y;  // uncompressed SEC1 point
  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld) throw std::runtime_error("openssl: OSSL_PARAM_BLD_new failed");
  Bn priv;
  if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1,
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    throw std::runtime_error("openssl: OSSL_PARAM_BLD push failed");
  }
  if (has_d) {
    priv = bn_from(d.value);
    if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1) {
      throw std::runtime_error("openssl: OSSL_PARAM_BLD_push_BN failed");
    }
  }
  Pkey key = key_from_params("EC", bld.get(), has_d);
  if (!key) return nullptr;
  // Refuse points that are not on the curve before anyone verifies against them.
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
  return key;
}

int no_passphrase(char*, int, int, void*) {
  return -1;
}

}  // namespace

std::string_view to_string(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRS256:
      return "RS256";
    case JwsAlg::kES256:
      return "ES256";
    case JwsAlg::kHS256:
      return "HS256";
  }
  return "";
}

std::optional<JwsAlg> parse_jws_alg(std::string_view name) {
  if (name == "RS256") return JwsAlg::kRS256;
  if (name == "ES256") return JwsAlg::kES256;
  if (name == "HS256") return JwsAlg::kHS256;
  return std::nullopt;
}

void AsymmetricKey::Free::operator()(evp_pkey_st* k) const {
  EVP_PKEY_free(k);
}

AsymmetricKey::AsymmetricKey(evp_pkey_st* key) : key_(key) {}
AsymmetricKey::AsymmetricKey(AsymmetricKey&&) noexcept = default;
AsymmetricKey& AsymmetricKey::operator=(AsymmetricKey&&) noexcept = default;
AsymmetricKey::~AsymmetricKey() = default;

AsymmetricKey AsymmetricKey::generate_rsa(int bits) {
  if (bits < kMinRsaBits) throw std::invalid_argument("RSA keys must be at least 2048 bits");
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits));
  if (!key) throw std::runtime_error("openssl: RSA key generation failed");
  return AsymmetricKey(key);
}

AsymmetricKey AsymmetricKey::generate_ec_p256() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", SN_X9_62_prime256v1);
  if (!key) throw std::runtime_error("openssl: EC key generation failed");
  return AsymmetricKey(key);
}

std::optional<AsymmetricKey> AsymmetricKey::from_private_pem(std::string_view pem) {
  const ClearErrorQueue clear_errors;
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) return std::nullopt;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::runtime_error("openssl: BIO_new_mem_buf failed");
  // An encrypted PEM must fail, not prompt on the terminal for a passphrase.
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key || !acceptable(key.get())) return std::nullopt;
  return AsymmetricKey(key.release());
}

std::optional<AsymmetricKey> AsymmetricKey::from_jwk(const boost::json::object& jwk) {
  const ClearErrorQueue clear_errors;
  const auto* kty = jwk.if_contains("kty");
  if (!kty || !kty->is_string()) return std::nullopt;
  Pkey key;
  if (kty->get_string() == "RSA") {
    key = rsa_from_jwk(jwk);
  } else if (kty->get_string() == "EC") {
    key = ec_from_jwk(jwk);
  }
  if (!key || !acceptable(key.get())) return std::nullopt;
  if (jwk.contains("d") && !private_matches_public(key.get())) return std::nullopt;
  return AsymmetricKey(key.release());
}

bool AsymmetricKey::has_private() const {
  const ClearErrorQueue clear_errors;  // a public key has no such parameter
  const char* name = is_rsa(key_.get()) ? OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY;
  return get_bn(key_.get(), name) != nullptr;
}

JwsAlg AsymmetricKey::alg() const {
  return is_rsa(key_.get()) ? JwsAlg::kRS256 : JwsAlg::kES256;
}

std::string AsymmetricKey::private_pem() const {
  if (!has_private()) throw std::logic_error("private_pem: the key has no private part");
  // An RSA key loaded from a JWK with "d" but no CRT members signs, but PKCS#8 needs the primes:
  // writing it fails with std::runtime_error.
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("openssl: PEM_write_bio_PrivateKey failed");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (len <= 0 || !data) throw std::runtime_error("openssl: empty PEM output");
  std::string pem(data, static_cast<std::size_t>(len));
  // The memory BIO is freed without being wiped; clear the private key text first.
  OPENSSL_cleanse(data, static_cast<std::size_t>(len));
  return pem;
}

boost::json::object AsymmetricKey::public_jwk() const {
  boost::json::object jwk;
  if (is_rsa(key_.get())) {
    jwk["e"] = required_bn_b64(key_.get(), OSSL_PKEY_PARAM_RSA_E);
    jwk["kty"] = "RSA";
    jwk["n"] = required_bn_b64(key_.get(), OSSL_PKEY_PARAM_RSA_N);
    return jwk;
  }
  const Bn x = get_bn(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X);
  const Bn y = get_bn(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!x || !y) throw std::runtime_error("openssl: cannot read EC public point");
  jwk["crv"] = "P-256";
  jwk["kty"] = "EC";
  jwk["x"] = base64url_encode(bn_bytes_padded(x.get(), kP256CoordinateSize));
  jwk["y"] = base64url_encode(bn_bytes_padded(y.get(), kP256CoordinateSize));
  return jwk;
}

std::string AsymmetricKey::thumbprint() const {
  // boost::json::serialize emits no whitespace and keeps member order: exactly RFC 7638's form.
  return base64url_encode(crypto::sha256(boost::json::serialize(public_jwk())));
}

}  // namespace ciamd
