// flows/services: what every flow is given to do its work, besides the store roles it takes
// itself (store/*_store.hpp). Built once by app/ and shared; every member outlives the flows.
// Flows never see HTTP; they call the store only from `pool`.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"

namespace ciamd {

class BlockingPool;
class KeyRing;
class StateTokenCodec;

struct TokenSettings {
  std::string issuer;
  std::int64_t state_token_ttl = 1800;
  // Cache-Control max-age of the JWKS and discovery document: how long a client may go without
  // seeing a newly published key, so a new key waits at least this long before it signs.
  std::int64_t jwks_max_age = 300;
};

struct FlowServices {
  BlockingPool& pool;
  KeyRing& keys;
  const StateTokenCodec& state_tokens;
  TokenSettings tokens;
  Clock clock;
};

// Who is asking: taken from the request headers and the socket, recorded in sessions and audit.
struct DeviceContext {
  std::string fingerprint;
  std::string os_version;
  std::string agent;
  std::string reported_ip;  // X-device-ip: recorded only, never trusted
  std::string peer_address;
  std::string request_id;
};

}  // namespace ciamd
