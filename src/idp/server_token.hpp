// idp/server_token: a WeChat mini program's server access token, the credential that APIs such as
// wxa/business/getuserphonenumber take in their query string
// (docs/providers.md#wechat-mini-program-stable_token).
//
// StableTokenClient speaks cgi-bin/stable_token (POST JSON, never the classic cgi-bin/token, which
// invalidates the token every other caller of the appid holds). ServerTokenCache is what callers
// use; LocalServerTokenCache keeps tokens in this process and fetches them from a
// ServerTokenSource: StableTokenClient itself, or a source that shares one token between the
// nodes of a deployment (flows/upstream/shared_server_token.hpp) without the callers knowing.
//
//   StableTokenClient stable(client, "https://api.weixin.qq.com", system_now);
//   LocalServerTokenCache tokens(stable, system_now);   // or (shared_source, system_now)
//   Result<std::string> t = co_await tokens.token(app.miniprogram);
//   ... the API answers 40001 / 42001 / 40014 for *t:
//   Result<std::string> fresh = co_await tokens.replace(app.miniprogram, *t);   // retry once
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"

namespace ciamd {

class HttpClient;
class AsyncEvent;

struct ServerToken {
  std::string value;
  UnixSeconds expires_at = 0;  // fetched_at + expires_in
};

// How long before its expiry a token is replaced: min(300 s, half its lifetime), so a token is
// replaced well before WeChat stops accepting it, and a short-lived one (tests) is not refreshed on
// every call. The one rule every cache of server tokens follows.
UnixSeconds server_token_refresh_margin(UnixSeconds lifetime);

// Where LocalServerTokenCache gets a token from. fetch() has the contract of
// StableTokenClient::fetch below; an implementation may answer a token another party fetched, as
// long as it is WeChat's current one.
class ServerTokenSource {
 public:
  virtual ~ServerTokenSource() = default;
  virtual Task<Result<ServerToken>> fetch(const WechatCredentials& app, bool force_refresh) = 0;
};

// One call to cgi-bin/stable_token. Every failure (transport, HTTP status, junk, any errcode:
// -1, 40013, 40125, 40164, 45009, 45011, ...) is kSystemBusy with the errcode in `detail`; the
// secret never appears in a detail or a log line.
class StableTokenClient : public ServerTokenSource {
 public:
  StableTokenClient(HttpClient& client, std::string base_url, Clock clock);

  // force_refresh=false is the normal mode: WeChat answers the current token while it is valid.
  // force_refresh=true invalidates it (WeChat allows 20 a day, 30 s apart): a last resort.
  Task<Result<ServerToken>> fetch(const WechatCredentials& app, bool force_refresh) override;

 private:
  HttpClient& client_;
  std::string base_url_;
  Clock clock_;
};

class ServerTokenCache {
 public:
  virtual ~ServerTokenCache() = default;

  // A token for app.appid that is still valid. Fetched when there is none, refreshed when it is
  // within the refresh margin of its expiry. However many callers ask at once, one fetch per
  // appid runs and the others wait for its result (single flight); while a refresh runs, callers
  // holding a still-valid token are answered with it at once.
  virtual Task<Result<std::string>> token(const WechatCredentials& app) = 0;

  // WeChat rejected `rejected` (40001 not latest, 42001 expired, 40014 invalid). Returns another
  // token: the one a concurrent caller already obtained, else a fresh one (normal mode; a forced
  // refresh only if normal mode hands back the rejected token again, at most once per 30 s per
  // appid). kSystemBusy when no other token can be had.
  virtual Task<Result<std::string>> replace(const WechatCredentials& app, std::string rejected) = 0;
};

class LocalServerTokenCache final : public ServerTokenCache {
 public:
  // Refreshes a token server_token_refresh_margin() before it expires.
  LocalServerTokenCache(ServerTokenSource& source, Clock clock);
  ~LocalServerTokenCache() override;

  Task<Result<std::string>> token(const WechatCredentials& app) override;
  Task<Result<std::string>> replace(const WechatCredentials& app, std::string rejected) override;

 private:
  struct Flight;  // one fetch in progress and its result
  struct Entry {
    ServerToken current;                // value empty: none yet
    UnixSeconds lifetime = 0;           // expires_in of the last fetch
    std::shared_ptr<Flight> in_flight;  // set while a fetch runs
    UnixSeconds last_forced = 0;        // the last force_refresh, for the 30 s spacing; 0: never
  };
  // The flight a caller sees through; `lead` when it started it and so runs the fetch itself.
  struct Ticket {
    std::shared_ptr<Flight> flight;
    bool lead = false;
  };
  // What a caller does, decided in one critical section so that no decision rests on a state
  // another thread changed in between: take `answer` now, or see `ticket` through.
  struct Plan {
    std::optional<Result<std::string>> answer;
    Ticket ticket;
    ServerToken fallback;  // token(): the still-valid token to answer if the refresh fails
  };

  Plan plan_token(const std::string& appid);
  Plan plan_replace(const std::string& appid, const std::string& rejected, bool force_refresh);
  // With mu_ held: joins the fetch running for `entry`, or starts one.
  static Ticket join_or_start(Entry& entry, bool force_refresh, UnixSeconds now);
  // Runs the fetch the ticket leads, or waits for the one it joined; the result of that fetch.
  Task<Result<ServerToken>> fetch_once(const WechatCredentials& app, Ticket ticket);
  // Stores a finished fetch's result and wakes the flight's waiters.
  void land(const std::string& appid, Flight& flight, const Result<ServerToken>& result,
            UnixSeconds started);

  ServerTokenSource& source_;
  Clock clock_;
  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;  // by appid
};

}  // namespace ciamd
