// flows/upstream/shared_server_token: one mini program server token for every node of a deployment.
//
// SharedTokenSource is the ServerTokenSource a node's LocalServerTokenCache fetches from. It
// keeps the token in the database (Store::find_server_token / save_server_token), so N nodes on
// one database ask WeChat once per token lifetime between them, and never force a refresh that
// invalidates the token another node holds. fetch(app, force_refresh=false):
//   1. the row is good beyond the refresh margin (server_token_refresh_margin of its lifetime,
//      fetched_at..expires_at): answered, no upstream call;
//   2. else the lease "server-token/<appid>" (lease_ttl) is taken; its holder reads the row again
//      (another node may have just saved one), else fetches upstream, saves, releases the lease;
//   3. a node that does not get the lease polls the row every poll_interval (a timer, no thread
//      held) until a fresh token appears, or it gets the lease (the holder gave up, or crashed
//      and the lease expired) and continues as in 2; after about lease_ttl of polling it fetches
//      upstream itself.
// force_refresh=true goes upstream forced, under the lease, and saves; only when it had to wait
// for the lease and meanwhile another node saved a different token does it answer that one (two
// nodes seeing one token rejected force one refresh, not two that invalidate each other).
// Every StoreError (database down, a row that does not open under this node's master key) is
// logged as a warning, never with the token, and the token is fetched upstream directly: the
// database must not break logins.
//
//   StableTokenClient stable(client, base_url, system_now);
//   SharedTokenSource shared(stable, *store, pool, system_now, node_id());
//   LocalServerTokenCache tokens(shared, system_now);
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "idp/server_token.hpp"

namespace ciamd {

class SharedStateStore;
class BlockingPool;
struct SharedServerToken;

struct SharedTokenSettings {
  // How long a node may hold the fetch of one appid's token; covers an upstream call (see
  // [upstream] request_timeout_ms). A crashed holder delays the others this long at most.
  UnixSeconds lease_ttl = 15;
  std::chrono::milliseconds poll_interval{50};
};

class SharedTokenSource final : public ServerTokenSource {
 public:
  // `upstream` is the StableTokenClient; `node_id` names this node in lease holders. Every
  // reference must outlive this source.
  SharedTokenSource(ServerTokenSource& upstream, SharedStateStore& store, BlockingPool& pool,
                    Clock clock, std::string node_id, SharedTokenSettings settings = {});

  Task<Result<ServerToken>> fetch(const WechatCredentials& app, bool force_refresh) override;

 private:
  // fetch() over the database; throws StoreError when the database fails before the upstream
  // call (fetch() then falls back to a direct one).
  Task<Result<ServerToken>> fetch_shared(const WechatCredentials& app, bool force_refresh);
  // With the lease held: the row if it became usable meanwhile, else an upstream fetch, saved.
  Task<Result<ServerToken>> fetch_as_holder(const WechatCredentials& app, bool force_refresh,
                                            const std::optional<std::string>& seen);
  // The row of `appid` if it may be answered: fresh at now, and, for a forced refresh, not the
  // token `seen` at the start (which is the one being replaced).
  Task<std::optional<ServerToken>> usable_row(const std::string& appid, bool force_refresh,
                                              const std::optional<std::string>& seen);
  // Upstream, and the token saved for the other nodes (a failed save is only logged).
  Task<Result<ServerToken>> fetch_upstream(const WechatCredentials& app, bool force_refresh);
  Task<bool> try_lease(const std::string& name, const std::string& holder);
  // Never throws StoreError: a lease that cannot be released expires by itself.
  Task<void> release(const std::string& name, const std::string& holder);

  ServerTokenSource& upstream_;
  SharedStateStore& store_;
  BlockingPool& pool_;
  Clock clock_;
  std::string node_id_;
  SharedTokenSettings settings_;
};

}  // namespace ciamd
