#include "tokens/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <array>
#include <climits>
#include <memory>
#include <stdexcept>

namespace ciamd::crypto {
namespace {

struct MacFree {
  void operator()(EVP_MAC* m) const { EVP_MAC_free(m); }
};
struct MacCtxFree {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("openssl: ") + what + " failed");
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
static_assert(kAlnum.size() == 62);
// 248 = 4 * 62: bytes below it map onto the alphabet with equal weight; the rest are dropped.
constexpr unsigned kAlnumLimit = 4 * kAlnum.size();

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n == 0) return out;
  if (n > static_cast<std::size_t>(INT_MAX)) throw std::invalid_argument("random_bytes: too many");
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    fail("RAND_bytes");
  }
  return out;
}

std::string random_alnum(std::size_t n) {
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    // About 3% of bytes are rejected; draw a little more than needed to rarely loop twice.
    const std::string pool = random_bytes(n - out.size() + 8);
    for (const char c : pool) {
      const auto b = static_cast<unsigned char>(c);
      if (b >= kAlnumLimit) continue;
      out.push_back(kAlnum[b % kAlnum.size()]);
      if (out.size() == n) break;
    }
  }
  return out;
}

std::string random_hex(std::size_t bytes) {
  return hex_encode(random_bytes(bytes));
}

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 EVP_sha256(), nullptr) != 1 ||
      len != out.size()) {
    fail("EVP_Digest");
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  return hex_encode(sha256(data));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::unique_ptr<EVP_MAC, MacFree> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) fail("EVP_MAC_fetch");
  std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx) fail("EVP_MAC_CTX_new");

  char digest[] = "SHA256";
  const std::array<OSSL_PARAM, 2> params{
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  // An empty key is legal for HMAC; give OpenSSL a valid pointer for it all the same.
  static const unsigned char kEmpty = 0;
  const unsigned char* key_ptr = key.empty() ? &kEmpty : bytes_of(key);
  if (EVP_MAC_init(ctx.get(), key_ptr, key.size(), params.data()) != 1) fail("EVP_MAC_init");
  if (EVP_MAC_update(ctx.get(), bytes_of(data), data.size()) != 1) fail("EVP_MAC_update");

  std::string out(32, '\0');
  std::size_t len = 0;
  if (EVP_MAC_final(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, out.size()) !=
          1 ||
      len != out.size()) {
    fail("EVP_MAC_final");
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

}  // namespace ciamd::crypto
