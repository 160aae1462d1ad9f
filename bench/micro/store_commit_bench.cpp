// The writes of a SUCCESS login on SQLite, from several threads at once as the blocking pool makes
// them: commit_login (the session and the known device, one transaction) and the audit event. With
// 8 threads the writers queue for SQLite's one write lock, so this shows what waiting for it costs.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/store.hpp"
#include "tokens/crypto.hpp"
#include "tokens/sealer.hpp"

namespace ciamd::bench {
namespace {

constexpr UnixSeconds kNow = 1'700'000'000;

struct CommitDb {
  CommitDb() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ciamd_commit_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    store = open_store("sqlite://" + (dir / "ciamd.db").string(), sealer);
    store->migrate();
    Application app;
    app.client_id = "benchcommit0000000000000000000";
    app.name = "Bench commits";
    app.created_at = app.updated_at = kNow;
    store->create_application(app);
    User user;
    user.id = "20240101000000000-BE10-100000001";
    user.username = "bench_commit";
    user.created_at = user.updated_at = kNow;
    LoginCommit commit;
    commit.now = kNow;
    commit.new_user = user;
    if (store->commit_login(commit) != CommitResult::kOk) throw std::runtime_error("no user");
  }
  ~CommitDb() {
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  CommitDb(const CommitDb&) = delete;
  CommitDb& operator=(const CommitDb&) = delete;

  Sealer sealer{std::string(32, 'c')};
  std::filesystem::path dir;
  std::unique_ptr<Store> store;
  std::atomic<long> next{0};
};

CommitDb& commit_db() {
  static CommitDb db;  // made once, by whichever thread comes first
  return db;
}

void BM_StoreLoginWrites(benchmark::State& state) {
  CommitDb& db = commit_db();
  for (auto _ : state) {
    const std::string n = std::to_string(db.next.fetch_add(1));
    LoginCommit commit;
    commit.now = kNow;
    Session session;
    session.id = "s" + n;
    session.token_hash = crypto::sha256_hex("token-" + n);
    session.user_id = "20240101000000000-BE10-100000001";
    session.client_id = "benchcommit0000000000000000000";
    session.provider = "wechat";
    session.device_fingerprint = "bench-device";
    session.created_at = kNow;
    session.expires_at = kNow + 432000;
    commit.session = session;
    commit.remember_device = KnownDevice{session.user_id, session.device_fingerprint};
    if (db.store->commit_login(commit) != CommitResult::kOk) state.SkipWithError("commit failed");
    AuditEvent event;
    event.at = kNow;
    event.request_id = "r" + n;
    event.event = "login";
    event.client_id = session.client_id;
    event.user_id = session.user_id;
    event.outcome = "SUCCESS";
    db.store->append_audit_event(event);
  }
  state.SetItemsProcessed(state.iterations());
}
// Real time: with threads, CPU time would hide the waiting this is about.
BENCHMARK(BM_StoreLoginWrites)->Threads(1)->Threads(8)->UseRealTime();

}  // namespace
}  // namespace ciamd::bench
