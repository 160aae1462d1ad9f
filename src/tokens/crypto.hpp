// tokens/crypto: the small primitives everything secret is built from, on OpenSSL 3 EVP.
// All functions throw std::runtime_error only if OpenSSL itself fails (never for bad input).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ciamd::crypto {

std::string random_bytes(std::size_t n);  // CSPRNG
// n characters of [A-Za-z0-9], uniformly distributed (rejection sampling over CSPRNG bytes).
std::string random_alnum(std::size_t n);
std::string random_hex(std::size_t bytes);  // 2*bytes lower-case hex chars

std::string sha256(std::string_view data);                             // 32 raw bytes
std::string sha256_hex(std::string_view data);                         // 64 lower-case hex chars
std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes

// Compares in time that depends only on the lengths, never on where the inputs differ.
bool constant_time_equal(std::string_view a, std::string_view b);

std::string hex_encode(std::string_view bytes);

}  // namespace ciamd::crypto
