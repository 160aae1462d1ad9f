// Store lookups on the login path, on SQLite: find_identity by (provider, app, subject), the first
// query of every social login, and find_session_by_hash, the first of every session refresh. Each
// runs on a database of 1,000 and of 100,000 users, to show how the indexes hold up as it grows.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "micro/seeded_store.hpp"
#include "tokens/crypto.hpp"
#include "tokens/sealer.hpp"

namespace ciamd::bench {
namespace {

constexpr std::string_view kClientId = "benchclient00000000000000000000";
constexpr std::string_view kWechatAppId = "wxbench0000000001";
constexpr UnixSeconds kNow = 1'700'000'000;

struct Seeded {
  std::filesystem::path dir;
  SeededStore data;
};

// The stores hold a reference to it; seeded_store() makes it before the map, so it outlives them.
const Sealer& sealer() {
  static const Sealer s(std::string(32, 'k'));
  return s;
}

std::map<int, Seeded>& seeded() {
  static std::map<int, Seeded> m;
  return m;
}

std::string user_id(int i) {
  return "20240101000000000-BE" + std::to_string(10 + i % 90) + "-" + std::to_string(100000000 + i);
}
std::string subject(int i) {
  return "oBench" + std::to_string(100000000 + i) + "openidXXXXXXX";
}
std::string token_hash(int i) {
  return crypto::sha256_hex("session-token-" + std::to_string(i));
}

// Rows 1..n-1 go in through the sqlite3 C API in one transaction: commit_login is one transaction
// per login, and 100,000 of those would cost far more than the lookups measured afterwards.
void bulk_insert(const std::filesystem::path& db_path, int from, int to) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(raw);
    throw std::runtime_error("cannot open " + db_path.string());
  }
  const std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  auto exec = [&](const char* sql) {
    if (sqlite3_exec(db.get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db.get()));
    }
  };
  using Stmt = std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)>;
  auto prepare = [&](const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql, -1, &s, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db.get()));
    }
    return Stmt(s, &sqlite3_finalize);
  };
  auto text = [](sqlite3_stmt* s, int col, const std::string& v) {
    sqlite3_bind_text(s, col, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  };
  auto step = [&](sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db.get()));
    sqlite3_reset(s);
  };

  exec("BEGIN");
  Stmt user = prepare(
      "INSERT INTO users (id, username, name, mobile, email, status, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, NULL, 'active', ?5, ?5)");
  Stmt identity = prepare(
      "INSERT INTO identities (provider, provider_app_id, subject, unionid, user_id, "
      "profile_json, created_at) VALUES ('wechat', ?1, ?2, NULL, ?3, ?4, ?5)");
  Stmt session = prepare(
      "INSERT INTO sessions (id, token_hash, user_id, client_id, provider, device_fingerprint, "
      "created_at, expires_at, revoked) VALUES (?1, ?2, ?3, ?4, 'wechat', 'fp', ?5, ?6, 0)");
  const std::string app_id(kWechatAppId);
  const std::string client_id(kClientId);
  for (int i = from; i < to; ++i) {
    const std::string uid = user_id(i);
    text(user.get(), 1, uid);
    text(user.get(), 2, "wx_" + std::to_string(1000000000 + i));
    text(user.get(), 3, "Bench User " + std::to_string(i));
    text(user.get(), 4, "+86159" + std::to_string(10000000 + i));
    sqlite3_bind_int64(user.get(), 5, kNow);
    step(user.get());

    text(identity.get(), 1, app_id);
    text(identity.get(), 2, subject(i));
    text(identity.get(), 3, uid);
    text(identity.get(), 4, R"({"nickname":"bench","sex":1,"headimgurl":""})");
    sqlite3_bind_int64(identity.get(), 5, kNow);
    step(identity.get());

    text(session.get(), 1, crypto::hex_encode("sess" + std::to_string(100000000 + i)));
    text(session.get(), 2, token_hash(i));
    text(session.get(), 3, uid);
    text(session.get(), 4, client_id);
    sqlite3_bind_int64(session.get(), 5, kNow);
    sqlite3_bind_int64(session.get(), 6, kNow + kDefaultWechatSessionTtl);
    step(session.get());
  }
  exec("COMMIT");
}

Seeded make_seeded(int rows) {
  std::string pattern = (std::filesystem::temp_directory_path() / "ciamd_bench_XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  Seeded s;
  s.dir = pattern;
  const std::filesystem::path db_path = s.dir / "ciamd.db";
  SeededStore& d = s.data;
  d.store = open_store("sqlite://" + db_path.string(), sealer());
  d.store->migrate();
  d.provider_app_id = kWechatAppId;

  Application app;
  app.client_id = kClientId;
  app.name = "Bench";
  app.wechat = {std::string(kWechatAppId), "bench-wechat-secret"};
  if (!d.store->create_application(app)) throw std::runtime_error("create_application failed");

  // Row 0 goes through the store itself, as a login writes it, so the bulk rows below can be
  // checked against a row the store made.
  LoginCommit c;
  c.new_user = User{user_id(0), "wx_1000000000",     "Bench User 0", "+8615910000000",
                    "",         UserStatus::kActive, kNow,           kNow};
  c.new_identity =
      Identity{"wechat", d.provider_app_id, subject(0),
               "",       user_id(0),        R"({"nickname":"bench","sex":1,"headimgurl":""})",
               kNow};
  c.session = Session{crypto::hex_encode("sess100000000"),
                      token_hash(0),
                      user_id(0),
                      app.client_id,
                      "wechat",
                      "fp",
                      kNow,
                      kNow + kDefaultWechatSessionTtl,
                      0,
                      false};
  c.now = kNow;
  if (d.store->commit_login(c) != CommitResult::kOk) throw std::runtime_error("commit failed");

  bulk_insert(db_path, 1, rows);

  d.subjects.reserve(rows);
  d.token_hashes.reserve(rows);
  for (int i = 0; i < rows; ++i) {
    d.subjects.push_back(subject(i));
    d.token_hashes.push_back(token_hash(i));
  }
  const int last = rows - 1;
  const auto id = d.store->find_identity("wechat", d.provider_app_id, d.subjects[last]);
  const auto session = d.store->find_session_by_hash(d.token_hashes[last]);
  if (!id || id->user_id != user_id(last) || !session || session->user_id != user_id(last)) {
    throw std::runtime_error("seeded rows do not read back through the store");
  }
  return s;
}

// Visits every row in a scattered order (a prime stride, so coprime to n), so lookups do not keep
// hitting the same few B-tree pages, while the next key costs one addition.
class Scatter {
 public:
  explicit Scatter(std::size_t n) : n_(n), step_(n % 7919 != 0 ? 7919 : 1) {}
  std::size_t next() {
    i_ = (i_ + step_) % n_;
    return i_;
  }

 private:
  std::size_t n_;
  std::size_t step_;
  std::size_t i_ = 0;
};

// The database for the benchmark's argument, or nullptr (the benchmark reports why) when seeding
// failed: an exception would end the whole run.
SeededStore* seeded_or_skip(benchmark::State& state) {
  try {
    return &seeded_store(static_cast<int>(state.range(0)));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return nullptr;
  }
}

void BM_StoreFindIdentity(benchmark::State& state) {
  SeededStore* db = seeded_or_skip(state);
  if (db == nullptr) return;
  Scatter order(db->subjects.size());
  for (auto _ : state) {
    auto identity =
        db->store->find_identity("wechat", db->provider_app_id, db->subjects[order.next()]);
    if (!identity) state.SkipWithError("identity not found");
    benchmark::DoNotOptimize(identity);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreFindIdentity)->Arg(1000)->Arg(100000);

void BM_StoreFindSessionByHash(benchmark::State& state) {
  SeededStore* db = seeded_or_skip(state);
  if (db == nullptr) return;
  Scatter order(db->token_hashes.size());
  for (auto _ : state) {
    auto session = db->store->find_session_by_hash(db->token_hashes[order.next()]);
    if (!session) state.SkipWithError("session not found");
    benchmark::DoNotOptimize(session);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreFindSessionByHash)->Arg(1000)->Arg(100000);

}  // namespace

SeededStore& seeded_store(int rows) {
  sealer();
  auto& m = seeded();
  auto it = m.find(rows);
  if (it == m.end()) it = m.emplace(rows, make_seeded(rows)).first;
  return it->second.data;
}

void remove_seeded_stores() {
  for (auto& [rows, s] : seeded()) {
    s.data.store.reset();  // closes the database before its files go
    std::error_code ec;
    std::filesystem::remove_all(s.dir, ec);
  }
  seeded().clear();
}

}  // namespace ciamd::bench
