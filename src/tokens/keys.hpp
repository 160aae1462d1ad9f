// tokens/keys: an asymmetric signing key (RSA or EC P-256) with RAII ownership of the OpenSSL key.
//
//   AsymmetricKey key = AsymmetricKey::generate_rsa(2048);
//   std::string kid = key.thumbprint();           // RFC 7638
//   boost::json::object jwk = key.public_jwk();   // {"kty":"RSA","n":...,"e":...}
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace ciamd {

enum class JwsAlg { kRS256, kES256, kHS256 };
std::string_view to_string(JwsAlg alg);  // "RS256", ...
std::optional<JwsAlg> parse_jws_alg(std::string_view name);

class AsymmetricKey {
 public:
  static AsymmetricKey generate_rsa(int bits = 2048);
  static AsymmetricKey generate_ec_p256();
  static std::optional<AsymmetricKey> from_private_pem(std::string_view pem);
  // A public or private JWK (RSA: n, e[, d, p, q, dp, dq, qi]; EC P-256: crv, x, y[, d]).
  static std::optional<AsymmetricKey> from_jwk(const boost::json::object& jwk);

  AsymmetricKey(AsymmetricKey&&) noexcept;
  AsymmetricKey& operator=(AsymmetricKey&&) noexcept;
  ~AsymmetricKey();

  bool has_private() const;
  JwsAlg alg() const;                      // RS256 for RSA keys, ES256 for EC keys
  std::string private_pem() const;         // PKCS#8; throws std::logic_error for a public-only key
  boost::json::object public_jwk() const;  // the required members only, in RFC 7638 order
  std::string thumbprint() const;          // RFC 7638 SHA-256 thumbprint, base64url

  evp_pkey_st* native() const { return key_.get(); }

 private:
  struct Free {
    void operator()(evp_pkey_st* k) const;
  };
  explicit AsymmetricKey(evp_pkey_st* key);
  std::unique_ptr<evp_pkey_st, Free> key_;
};

}  // namespace ciamd
