#include "tokens/sealer.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <climits>
#include <memory>
#include <stdexcept>
#include <utility>

#include "tokens/base64.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kPrefix = "v1.";
constexpr std::size_t kKeySize = 32;
constexpr std::size_t kNonceSize = 12;
constexpr std::size_t kTagSize = 16;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

unsigned char* writable(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}
const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

int checked_len(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX)) throw std::invalid_argument("sealer: input too large");
  return static_cast<int>(n);
}

CipherCtx new_ctx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) throw std::runtime_error("openssl: EVP_CIPHER_CTX_new failed");
  return ctx;
}

// Failed OpenSSL calls leave entries on the thread's error queue. Rejecting bad input is routine
// here, and a stale entry would later be mistaken for a fresh error by code sharing the thread
// (Asio's TLS streams read the same queue), so every entry point that can fail on input clears it.
struct ClearErrorQueue {
  ~ClearErrorQueue() { ERR_clear_error(); }
};

// A std::string that wipes its bytes when it goes away: holds plaintext until it is handed out.
struct WipedString {
  std::string value;
  ~WipedString() { OPENSSL_cleanse(value.data(), value.size()); }
};

// Wipes a string it does not own when it goes away.
struct WipeInPlace {
  std::string& value;
  ~WipeInPlace() { OPENSSL_cleanse(value.data(), value.size()); }
};

}  // namespace

Sealer::Sealer(std::string key) : key_(std::move(key)) {
  if (key_.size() != kKeySize) {
    OPENSSL_cleanse(key_.data(), key_.size());
    throw std::invalid_argument("Sealer: the master key must be exactly 32 bytes");
  }
}

Sealer::~Sealer() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

std::string Sealer::seal(std::string_view plaintext, std::string_view associated_data) const {
  const std::string nonce = crypto::random_bytes(kNonceSize);
  // nonce || ciphertext || tag, encoded once at the end.
  std::string blob = nonce;
  blob.resize(kNonceSize + plaintext.size() + kTagSize);

  CipherCtx ctx = new_ctx();
  int len = 0;
  if (EVP_EncryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), bytes_of(key_), bytes_of(nonce), nullptr) !=
          1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes_of(associated_data),
                        checked_len(associated_data.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), writable(blob) + kNonceSize, &len, bytes_of(plaintext),
                        checked_len(plaintext.size())) != 1) {
    throw std::runtime_error("openssl: AES-GCM encryption failed");
  }
  // GCM is a stream mode: Final writes nothing, but must run to produce the tag.
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), writable(blob) + kNonceSize + len, &final_len) != 1 ||
      static_cast<std::size_t>(len) + static_cast<std::size_t>(final_len) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                          writable(blob) + kNonceSize + plaintext.size()) != 1) {
    throw std::runtime_error("openssl: AES-GCM finalization failed");
  }
  return std::string(kPrefix) + base64url_encode(blob);
}

std::optional<std::string> Sealer::open(std::string_view sealed,
                                        std::string_view associated_data) const {
  const ClearErrorQueue clear_errors;
  if (!sealed.starts_with(kPrefix)) return std::nullopt;
  const std::optional<std::string> blob = base64url_decode(sealed.substr(kPrefix.size()));
  if (!blob || blob->size() < kNonceSize + kTagSize) return std::nullopt;

  const std::string_view all(*blob);
  const std::string_view nonce = all.substr(0, kNonceSize);
  const std::string_view ciphertext = all.substr(kNonceSize, all.size() - kNonceSize - kTagSize);
  std::string tag(all.substr(all.size() - kTagSize));

  CipherCtx ctx = new_ctx();
  WipedString plain{std::string(ciphertext.size(), '\0')};
  int len = 0;
  if (EVP_DecryptInit_ex2(ctx.get(), EVP_aes_256_gcm(), bytes_of(key_), bytes_of(nonce), nullptr) !=
          1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes_of(associated_data),
                        checked_len(associated_data.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), writable(plain.value), &len, bytes_of(ciphertext),
                        checked_len(ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1) {
    throw std::runtime_error("openssl: AES-GCM decryption setup failed");
  }
  // Final is where the tag is checked; a mismatch is a bad value, not an OpenSSL fault.
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), writable(plain.value) + len, &final_len) != 1) {
    return std::nullopt;
  }
  return std::move(plain.value);
}

std::optional<std::string> Sealer::reseal(std::string_view sealed, std::string_view associated_data,
                                          const Sealer& to) const {
  std::optional<std::string> plain = open(sealed, associated_data);
  if (!plain) return std::nullopt;
  // Wiped where it lies: moving a short string into a WipedString would copy its bytes and leave
  // them behind in the source's inline buffer.
  const WipeInPlace wipe{*plain};
  return to.seal(*plain, associated_data);
}

std::string Sealer::derive_key(std::string_view label) const {
  std::string message = "ciamd:";
  message.append(label);
  return crypto::hmac_sha256(key_, message);
}

}  // namespace ciamd
