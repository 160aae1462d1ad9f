#include "idp/server_token.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdint>
#include <limits>
#include <utility>

#include "exec/async_event.hpp"
#include "idp/provider_ids.hpp"
#include "idp/wechat_wire.hpp"
#include "net/client.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kStableTokenPath = "/cgi-bin/stable_token";
// WeChat allows a force_refresh at most every 30 s per appid
// (docs/providers.md#wechat-mini-program-stable_token).
constexpr UnixSeconds kForcedRefreshSpacing = 30;
// WeChat itself renews a token 5 minutes before it expires; refreshing no earlier than that gets
// the new one in normal mode.
constexpr UnixSeconds kMaxRefreshMargin = 300;

ApiError busy(std::string detail) {
  return ApiError{ErrorCode::kSystemBusy, std::move(detail)};
}

// expires_in when it is a positive whole number of seconds; 0 when it is anything else.
UnixSeconds expires_in_seconds(const boost::json::object& body) {
  const auto* v = body.if_contains("expires_in");
  if (v == nullptr || !v->is_int64()) return 0;  // 7200.0, "7200", or beyond int64 are junk too
  return std::max<std::int64_t>(v->as_int64(), 0);
}

bool valid_at(const ServerToken& token, UnixSeconds now) {
  return !token.value.empty() && now < token.expires_at;
}

}  // namespace

UnixSeconds server_token_refresh_margin(UnixSeconds lifetime) {
  return std::min(kMaxRefreshMargin, std::max<UnixSeconds>(lifetime, 0) / 2);
}

StableTokenClient::StableTokenClient(HttpClient& client, std::string base_url, Clock clock)
    : client_(client), base_url_(std::move(base_url)), clock_(std::move(clock)) {}

Task<Result<ServerToken>> StableTokenClient::fetch(const WechatCredentials& app,
                                                   bool force_refresh) {
  const std::string what = "cgi-bin/stable_token for appid " + app.appid;
  const boost::json::object payload{{"grant_type", "client_credential"},
                                    {"appid", app.appid},
                                    {"secret", app.secret},
                                    {"force_refresh", force_refresh}};
  ClientRequest request{
      "POST", base_url_ + std::string(kStableTokenPath), {}, boost::json::serialize(payload)};
  request.headers.set("Content-Type", "application/json");

  // Measured from before the request: the token cannot have been issued earlier, so expires_at
  // errs on the early side.
  const UnixSeconds fetched_at = clock_();
  auto body = co_await call_wechat(client_, std::move(request), kStableTokenPath);
  if (!body) co_return busy(what + ": " + body.error().detail);
  // errmsg is left out of the detail: errcode says what happened, and errmsg is free text.
  if (const auto errcode = wechat_errcode(body.value()); errcode != 0) {
    co_return busy(what + " errcode " + std::to_string(errcode));
  }

  ServerToken token{string_member(body.value(), "access_token"), 0};
  const UnixSeconds expires_in = expires_in_seconds(body.value());
  if (token.value.empty() || expires_in <= 0 ||
      expires_in > std::numeric_limits<UnixSeconds>::max() - fetched_at) {
    co_return busy(what + " answered without a usable access_token and expires_in");
  }
  // The token goes into every getuserphonenumber URL and, shared between nodes, into the database.
  if (auto bad = provider_id_problem(kAccessToken, token.value)) {
    co_return busy(what + " answered " + *bad);
  }
  token.expires_at = fetched_at + expires_in;
  co_return token;
}

struct LocalServerTokenCache::Flight {
  explicit Flight(bool force) : force_refresh(force) {}

  const bool force_refresh;
  AsyncEvent done;
  std::optional<Result<ServerToken>> result;  // written before done.set(), read after wait()
};

LocalServerTokenCache::LocalServerTokenCache(ServerTokenSource& source, Clock clock)
    : source_(source), clock_(std::move(clock)) {}

LocalServerTokenCache::~LocalServerTokenCache() = default;

Task<Result<std::string>> LocalServerTokenCache::token(const WechatCredentials& app) {
  Plan plan = plan_token(app.appid);
  if (plan.answer) co_return std::move(*plan.answer);
  Result<ServerToken> fetched = co_await fetch_once(app, std::move(plan.ticket));
  if (fetched) co_return std::move(fetched.value().value);
  // A refresh ahead of expiry failed: the old token still works, and a later call tries again.
  if (valid_at(plan.fallback, clock_())) {
    spdlog::info("answering the old server token for appid {} until it expires", app.appid);
    co_return std::move(plan.fallback.value);
  }
  co_return fetched.error();
}

Task<Result<std::string>> LocalServerTokenCache::replace(const WechatCredentials& app,
                                                         std::string rejected) {
  // Normal mode first: WeChat answers its current token, which differs from `rejected` unless
  // WeChat still considers `rejected` current; only then is a (scarce) forced refresh spent.
  for (const bool force : {false, true}) {
    Plan plan = plan_replace(app.appid, rejected, force);
    if (plan.answer) co_return std::move(*plan.answer);
    const bool forced = plan.ticket.flight->force_refresh;
    Result<ServerToken> fetched = co_await fetch_once(app, std::move(plan.ticket));
    if (!fetched) co_return fetched.error();
    if (fetched->value != rejected) co_return std::move(fetched.value().value);
    if (forced) break;
  }
  co_return busy("cgi-bin/stable_token for appid " + app.appid +
                 " keeps answering the token WeChat rejected");
}

LocalServerTokenCache::Plan LocalServerTokenCache::plan_token(const std::string& appid) {
  const std::lock_guard lock(mu_);
  const UnixSeconds now = clock_();
  Entry& entry = entries_[appid];
  Plan plan;
  if (valid_at(entry.current, now)) {
    const UnixSeconds margin = server_token_refresh_margin(entry.lifetime);
    // Fresh, or another caller is already refreshing it: the token in hand is good enough.
    if (now < entry.current.expires_at - margin || entry.in_flight) {
      plan.answer = entry.current.value;
      return plan;
    }
    plan.fallback = entry.current;
  }
  plan.ticket = join_or_start(entry, false, now);
  return plan;
}

LocalServerTokenCache::Plan LocalServerTokenCache::plan_replace(const std::string& appid,
                                                                const std::string& rejected,
                                                                bool force_refresh) {
  const std::lock_guard lock(mu_);
  const UnixSeconds now = clock_();
  Entry& entry = entries_[appid];
  Plan plan;
  // A concurrent caller already replaced it.
  if (valid_at(entry.current, now) && entry.current.value != rejected) {
    plan.answer = entry.current.value;
    return plan;
  }
  if (force_refresh && !entry.in_flight && entry.last_forced != 0 &&
      now - entry.last_forced < kForcedRefreshSpacing) {
    plan.answer = busy("forced refresh of the server token for appid " + appid +
                       " refused: the last one was under 30 s ago");
    return plan;
  }
  plan.ticket = join_or_start(entry, force_refresh, now);
  return plan;
}

LocalServerTokenCache::Ticket LocalServerTokenCache::join_or_start(Entry& entry, bool force_refresh,
                                                                   UnixSeconds now) {
  if (entry.in_flight) return Ticket{entry.in_flight, false};
  entry.in_flight = std::make_shared<Flight>(force_refresh);
  if (force_refresh) entry.last_forced = now;
  return Ticket{entry.in_flight, true};
}

Task<Result<ServerToken>> LocalServerTokenCache::fetch_once(const WechatCredentials& app,
                                                            Ticket ticket) {
  Flight& flight = *ticket.flight;  // `ticket` keeps it alive for this whole coroutine
  if (!ticket.lead) {
    co_await flight.done.wait();
    co_return *flight.result;
  }
  if (flight.force_refresh) {
    spdlog::warn("forcing a new server token for appid {} (WeChat allows 20 a day)", app.appid);
  }
  const UnixSeconds started = clock_();
  Result<ServerToken> result = busy("cgi-bin/stable_token for appid " + app.appid + " threw");
  try {
    result = co_await source_.fetch(app, flight.force_refresh);
  } catch (...) {
    // The waiters must not wait forever for a fetch that will never land: they get kSystemBusy,
    // and this caller the exception.
    land(app.appid, flight, result, started);
    throw;
  }
  land(app.appid, flight, result, started);
  co_return result;
}

void LocalServerTokenCache::land(const std::string& appid, Flight& flight,
                                 const Result<ServerToken>& result, UnixSeconds started) {
  {
    const std::lock_guard lock(mu_);
    Entry& entry = entries_[appid];
    if (result) {
      entry.current = result.value();
      entry.lifetime = std::max<UnixSeconds>(result->expires_at - started, 0);
    }
    if (entry.in_flight.get() == &flight) entry.in_flight.reset();
    flight.result.emplace(result);
  }
  // Logged once per fetch here, not once per caller that waited for it.
  if (!result) spdlog::warn("server token fetch failed: {}", result.error().detail);
  flight.done.set();
}

}  // namespace ciamd
