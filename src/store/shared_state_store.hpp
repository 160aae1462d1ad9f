// store/shared_state_store: what the nodes of a deployment share beyond the identity data: leases
// (one holder of a named right at a time) and the mini program server tokens.
//
// Calls block (run them on the BlockingPool) and are safe from several threads and nodes; failures
// of the database throw StoreError. A lease is taken in one statement, so the database settles
// races, and a crashed holder's lease expires:
//
//   if (shared.acquire_lease("send/+8615907132852", request_id, now, now + 60)) {
//     ...  // only this holder sends to that target now
//     shared.release_lease("send/+8615907132852", request_id);
//   }
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/model.hpp"

namespace ciamd {

// A mini program's server access token (docs/providers.md, stable_token), shared by every node
// so that they use one token instead of fetching their own. Sealed at rest (AAD: "server-token/"
// + appid).
struct SharedServerToken {
  std::string appid;
  std::string token;
  UnixSeconds fetched_at = 0;
  UnixSeconds expires_at = 0;
};

class SharedStateStore {
 public:
  virtual ~SharedStateStore() = default;

  // True when `holder` holds `name` until `until` after the call (it was free, expired at `now`,
  // or held by `holder` already).
  virtual bool acquire_lease(std::string_view name, std::string_view holder, UnixSeconds now,
                             UnixSeconds until) = 0;
  // Frees `name` if `holder` holds it.
  virtual void release_lease(std::string_view name, std::string_view holder) = 0;

  // By appid; save_server_token replaces the appid's row.
  virtual std::optional<SharedServerToken> find_server_token(std::string_view appid) = 0;
  virtual void save_server_token(const SharedServerToken& token) = 0;
};

}  // namespace ciamd
