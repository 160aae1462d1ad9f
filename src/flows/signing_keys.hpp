// flows/signing_keys: getting the id_token signing keys into memory. At first start there is no
// key: one RS256 key is generated, sealed under the master key and stored. Later starts load and
// open the stored keys; a key that does not open (wrong master key) stops the server, because
// signing with a fresh key would silently invalidate every client's cached JWKS.
#pragma once

#include "core/clock.hpp"

namespace ciamd {

class Store;
class Sealer;
class KeyRing;

// Throws std::runtime_error when a stored key cannot be opened.
void load_signing_keys(Store& store, const Sealer& sealer, KeyRing& ring, const Clock& clock);

}  // namespace ciamd
