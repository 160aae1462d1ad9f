#include "idp-sim/ids.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>
#include <vector>

namespace idp_sim {
namespace {

std::vector<unsigned char> random_bytes(std::size_t n) {
  std::vector<unsigned char> out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string base64url(const unsigned char* data, std::size_t n) {
  std::string out;
  out.reserve((n * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
    out += kBase64Url[v & 63];
  }
  if (n - i == 1) {
    const unsigned v = data[i] << 16;
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
  } else if (n - i == 2) {
    const unsigned v = (data[i] << 16) | (data[i + 1] << 8);
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
  }
  return out;
}

}  // namespace

std::string random_chars(std::string_view alphabet, std::size_t n) {
  if (alphabet.empty() || alphabet.size() > 256) throw std::invalid_argument("bad alphabet");
  // Rejection sampling keeps the distribution uniform for alphabets that do not divide 256.
  const unsigned limit = 256 - (256 % alphabet.size());
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    for (unsigned char b : random_bytes(n - out.size() + 8)) {
      if (b >= limit) continue;
      out += alphabet[b % alphabet.size()];
      if (out.size() == n) break;
    }
  }
  return out;
}

std::string new_rid() {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  const auto bytes = random_bytes(12);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 15];
  }
  return out;
}

std::string wechat_errmsg(std::string_view text) {
  std::string out(text);
  out += ", rid: ";
  out += new_rid();
  return out;
}

std::string derive_openid(std::string_view appid, std::string_view user_key) {
  std::string input(appid);
  input += ':';
  input += user_key;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (EVP_Digest(input.data(), input.size(), digest.data(), &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return "o" + base64url(digest.data(), len).substr(0, 27);
}

std::string new_unionid() {
  return "o" + random_chars(kBase64Url, 27);
}

std::string new_code() {
  return random_chars(kAlnum, 32);
}

std::string new_token() {
  return random_chars(kBase64Url, 86);
}

std::string new_session_key() {
  const auto key = random_bytes(16);
  std::array<unsigned char, 25> out{};  // 4 * ceil(16 / 3) characters and the NUL
  const int n = EVP_EncodeBlock(out.data(), key.data(), static_cast<int>(key.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

std::string new_phone_code() {
  return random_chars("0123456789abcdef", 64);
}

}  // namespace idp_sim
