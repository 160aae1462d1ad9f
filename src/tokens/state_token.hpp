// tokens/state_token: the state_token a flow hands to the client. A compact JWS (HS256 under a
// key derived from the master key) whose jti names the server-side flow record; the token alone
// grants nothing. Verification checks signature, expiry and the client id it was issued to.
//
//   StateTokenCodec codec(sealer.derive_key("state-token"));
//   std::string t = codec.issue({flow_id, client_id, "social_register", now, now + 1800});
//   auto claims = codec.verify(t, client_id, now);   // nullopt: forged, expired, other client
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model.hpp"

namespace ciamd {

struct StateTokenClaims {
  std::string flow_id;    // "jti"
  std::string client_id;  // "aud"
  std::string flow;       // "flow"
  UnixSeconds issued_at = 0;
  UnixSeconds expires_at = 0;
};

class StateTokenCodec {
 public:
  explicit StateTokenCodec(std::string hmac_key);
  std::string issue(const StateTokenClaims& claims) const;
  std::optional<StateTokenClaims> verify(std::string_view token, std::string_view client_id,
                                         UnixSeconds now) const;

 private:
  std::string key_;
};

}  // namespace ciamd
