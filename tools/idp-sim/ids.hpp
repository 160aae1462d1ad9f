// idp-sim/ids: the random and derived identifiers the simulated providers hand out.
//
// Everything random comes from OpenSSL's CSPRNG: the simulator is a test double, but its codes and
// tokens still travel through real clients, and predictable values would hide bugs (two tests
// accidentally sharing a token, say).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace idp_sim {

// `n` characters drawn uniformly from `alphabet` (at most 256 characters long).
std::string random_chars(std::string_view alphabet, std::size_t n);

inline constexpr std::string_view kAlnum =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
inline constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// A WeChat request id, "xxxxxxxx-xxxxxxxx-xxxxxxxx" (three groups of 8 lowercase hex digits),
// fresh for every call.
std::string new_rid();

// "<text>, rid: <rid>": the shape of every current WeChat errmsg
// (docs/providers.md#wechat-every-endpoint).
std::string wechat_errmsg(std::string_view text);

// The openid of `user_key` as seen by `appid`: "o" + the first 27 base64url characters of
// SHA-256(appid ":" user_key). Deterministic, so tests can predict it, and different per app, as
// real openids are.
std::string derive_openid(std::string_view appid, std::string_view user_key);

// A fresh unionid: "o" + 27 random base64url characters (28 in all, the length of real ones).
std::string new_unionid();

// An authorization code: 32 random alphanumeric characters.
std::string new_code();

// An access or refresh token: 86 random base64url characters (real ones are of that order).
std::string new_token();

// A mini program session_key: 16 random bytes in standard, padded base64 (24 characters). The
// length is WeChat's: the key decrypts encryptedData as an AES-128 key.
std::string new_session_key();

// A phone-number code: 64 random lowercase hex digits, the shape of the official sample.
std::string new_phone_code();

}  // namespace idp_sim
