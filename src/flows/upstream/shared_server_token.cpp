#include "flows/upstream/shared_server_token.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <utility>

#include "exec/runtime.hpp"
#include "store/shared_state_store.hpp"
#include "store/store_error.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

std::string lease_name(const std::string& appid) {
  return "server-token/" + appid;
}

// Good beyond the refresh margin: the rule LocalServerTokenCache applies to its own copy, so a
// node answers a shared token exactly as long as it would answer one it fetched itself.
bool fresh(const SharedServerToken& row, UnixSeconds now) {
  const UnixSeconds margin = server_token_refresh_margin(row.expires_at - row.fetched_at);
  return !row.token.empty() && now < row.expires_at - margin;
}

}  // namespace

SharedTokenSource::SharedTokenSource(ServerTokenSource& upstream, SharedStateStore& store,
                                     BlockingPool& pool, Clock clock, std::string node_id,
                                     SharedTokenSettings settings)
    : upstream_(upstream),
      store_(store),
      pool_(pool),
      clock_(std::move(clock)),
      node_id_(std::move(node_id)),
      settings_(settings) {}

Task<Result<ServerToken>> SharedTokenSource::fetch(const WechatCredentials& app,
                                                   bool force_refresh) {
  std::string failure;
  try {
    co_return co_await fetch_shared(app, force_refresh);
  } catch (const StoreError& e) {
    // The handler cannot co_await: the fallback runs after it.
    failure = e.what();
  }
  spdlog::warn("shared server token of appid {} unavailable ({}); fetching it from WeChat directly",
               app.appid, failure);
  co_return co_await upstream_.fetch(app, force_refresh);
}

Task<Result<ServerToken>> SharedTokenSource::fetch_shared(const WechatCredentials& app,
                                                          bool force_refresh) {
  const std::string& appid = app.appid;
  // The token the row held when this call began: the one a forced refresh replaces.
  std::optional<std::string> seen;
  {
    std::optional<SharedServerToken> row =
        co_await pool_.run([this, &appid] { return store_.find_server_token(appid); });
    if (row) {
      if (!force_refresh && fresh(*row, clock_())) {
        ServerToken token{std::move(row->token), row->expires_at};
        co_return token;
      }
      seen = std::move(row->token);
    }
  }

  const std::string name = lease_name(appid);
  // Unique per call, so that two fetches of one node never pass for each other either.
  const std::string holder = node_id_ + "/" + crypto::random_hex(4);
  const std::int64_t max_polls = std::max<std::int64_t>(
      1, settings_.lease_ttl * 1000 / std::max<std::int64_t>(settings_.poll_interval.count(), 1));
  bool held = co_await try_lease(name, holder);
  for (std::int64_t polls = 0; !held; ++polls) {
    if (polls == max_polls) {
      spdlog::warn(
          "the server token of appid {} has been fetched by another node for {} s; fetching it "
          "here",
          appid, settings_.lease_ttl);
      co_return co_await fetch_upstream(app, force_refresh);
    }
    co_await sleep_for(settings_.poll_interval);
    std::optional<ServerToken> token = co_await usable_row(appid, force_refresh, seen);
    if (token) co_return std::move(*token);
    // Free again when the holder failed upstream, or expired when it crashed.
    held = co_await try_lease(name, holder);
  }

  // The lease is released on every way out, an exception included; a handler cannot co_await,
  // so the exception is carried past the release.
  std::exception_ptr thrown;
  std::optional<Result<ServerToken>> result;
  try {
    result.emplace(co_await fetch_as_holder(app, force_refresh, seen));
  } catch (...) {
    thrown = std::current_exception();
  }
  co_await release(name, holder);
  if (thrown) std::rethrow_exception(thrown);
  co_return std::move(*result);
}

Task<Result<ServerToken>> SharedTokenSource::fetch_as_holder(
    const WechatCredentials& app, bool force_refresh, const std::optional<std::string>& seen) {
  // Another node may have saved a token between this node's read and its lease.
  std::optional<ServerToken> token = co_await usable_row(app.appid, force_refresh, seen);
  if (token) co_return std::move(*token);
  co_return co_await fetch_upstream(app, force_refresh);
}

Task<std::optional<ServerToken>> SharedTokenSource::usable_row(
    const std::string& appid, bool force_refresh, const std::optional<std::string>& seen) {
  std::optional<SharedServerToken> row =
      co_await pool_.run([this, &appid] { return store_.find_server_token(appid); });
  if (!row || !fresh(*row, clock_())) co_return std::nullopt;
  if (force_refresh && seen && row->token == *seen) co_return std::nullopt;
  ServerToken token{std::move(row->token), row->expires_at};
  co_return token;
}

Task<Result<ServerToken>> SharedTokenSource::fetch_upstream(const WechatCredentials& app,
                                                            bool force_refresh) {
  // From before the request, as LocalServerTokenCache measures a token's lifetime.
  const UnixSeconds started = clock_();
  Result<ServerToken> result = co_await upstream_.fetch(app, force_refresh);
  if (!result) co_return result;
  const SharedServerToken row{app.appid, result->value, started, result->expires_at};
  try {
    co_await pool_.run([this, &row] { store_.save_server_token(row); });
  } catch (const StoreError& e) {
    // The token is good: this caller gets it, and the other nodes fetch their own.
    spdlog::warn("could not save the server token of appid {} for the other nodes: {}", app.appid,
                 e.what());
  }
  co_return result;
}

Task<bool> SharedTokenSource::try_lease(const std::string& name, const std::string& holder) {
  const UnixSeconds now = clock_();
  const UnixSeconds until = now + settings_.lease_ttl;
  co_return co_await pool_.run([this, &name, &holder, now, until] {
    return store_.acquire_lease(name, holder, now, until);
  });
}

Task<void> SharedTokenSource::release(const std::string& name, const std::string& holder) {
  try {
    co_await pool_.run([this, &name, &holder] { store_.release_lease(name, holder); });
  } catch (const StoreError& e) {
    spdlog::warn("could not release the lease {}: {}; it expires by itself", name, e.what());
  }
}

}  // namespace ciamd
