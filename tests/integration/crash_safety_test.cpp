// SIGKILL under load (issue 16, finding 9). Several client threads drive WeChat logins that create
// a user and its link (auto_create), register-binds that finish a USER_REGISTER flow with an SMS
// code, and session refreshes, all at full rate; the server is killed with SIGKILL mid-stream and
// started again on the same database (SQLite here, PostgreSQL in the _pg run). Then:
//   - no user without an identity, no identity or session without its user;
//   - no verification code used by a flow that was not consumed, and no consumed register flow
//     without its outcome (the link and a session of its user): one transaction wrote them all;
//   - every SUCCESS answered before the kill still holds: its WeChat identity logs in again to the
//     same user, and its session token refreshes to an id_token of that user.
// The load is bounded by time before the kill and by a request count per client; nothing here
// measures speed.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/env.hpp"
#include "integration/support/expect.hpp"
#include "integration/support/json.hpp"
#include "integration/support/miniprogram.hpp"

namespace it {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRefreshPath = "/api/v2/sdk/sso/session-token/id-token";
constexpr int kClients = 4;
// Per client: the bound on what one run can send, whatever the machine's speed.
constexpr int kMaxRequestsPerClient = 300;
// The kill comes once this many SUCCESSes are in, or after kLoadBound, whichever is first.
constexpr std::int64_t kSuccessesBeforeKill = 200;
constexpr auto kLoadBound = 3s;

// A SUCCESS answered before the kill: whose WeChat identity, on which app, for which user.
struct Success {
  std::string client;
  std::string user_key;
  std::string sub;
  std::string session_token;
};

bool is_success_answer(const HttpResult& r) {
  return r.status == 200 && r.string_field("status") == "SUCCESS";
}

// The outbox as far as it parses: a server killed mid-line leaves a torn last line, which is
// skipped (it held no code anyone still waits for).
std::string code_sent_to(const Env& env, const std::string& e164) {
  std::istringstream lines(read_file(env.outbox_path()));
  std::string line;
  std::string code;
  while (std::getline(lines, line)) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    if (string_at(v.as_object(), "to").find(e164) == std::string::npos) continue;
    code = code_in(string_at(v.as_object(), "text"));
  }
  return code;
}

class CrashSafety : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      env_ = std::make_unique<Env>();
    } catch (const std::exception& e) {
      FAIL() << "environment did not start: " << e.what();
    }
    login_client_ = env_->create_app({.unbound = "auto_create"});
    register_client_ = env_->create_app({.unbound = "register", .bind_methods = "VERIFY_PHONE"});
  }

  void TearDown() override {
    if (HasFailure() && env_) {
      env_->keep();
      std::cerr << env_->logs();
    }
  }

  // The load of one client thread. Every answer counts; only a failure while the server is
  // meant to be up is a finding.
  void drive(int index) {
    std::vector<std::string> own_tokens;
    int sent = 0;
    int mobiles = 0;
    const auto post = [&](std::string_view path, const Headers& h,
                          const std::string& body) -> std::optional<HttpResult> {
      ++sent;
      ++requests_;
      try {
        return request(env_->port(), "POST", path, h, body);
      } catch (const std::exception& e) {
        if (!killing_) {
          record_failure(std::string("no answer before the kill: ") + e.what());
        } else {
          ++unanswered_;
        }
        return std::nullopt;
      }
    };
    for (int round = 0; !killing_ && sent < kMaxRequestsPerClient; ++round) {
      switch (round % 4) {
        case 0:
        case 1: {  // a first login: user and link in one go
          const SimUser u = env_->new_wechat_user();
          const std::string code = env_->mint_code(u.user_key);
          const auto r = post(kLoginPath, env_->login_headers(login_client_),
                              boost::json::serialize(boost::json::object{{"code", code}}));
          if (!r) break;
          if (!is_success_answer(*r)) {
            record_failure("login: " + r->describe());
            break;
          }
          own_tokens.push_back(r->string_field("session_token"));
          record_success({login_client_, u.user_key, subject_of(*r), own_tokens.back()});
          break;
        }
        case 2: {  // a refresh of a session this client holds
          if (own_tokens.empty()) break;
          Headers h = env_->login_headers(login_client_);
          h.emplace_back("session-token",
                         own_tokens[static_cast<std::size_t>(round) % own_tokens.size()]);
          const auto r = post(kRefreshPath, h, "");
          if (!r) break;
          if (r->status != 200 || r->string_field("id_token").empty()) {
            record_failure("refresh: " + r->describe());
          } else {
            ++refreshes_;
          }
          break;
        }
        case 3: {  // a register-bind: flow, SMS code, completion
          const SimUser u = env_->new_wechat_user();
          const std::string code = env_->mint_code(u.user_key);
          const auto flow = post(kLoginPath, env_->login_headers(register_client_),
                                 boost::json::serialize(boost::json::object{{"code", code}}));
          if (!flow) break;
          const std::string state = flow->string_field("state_token");
          if (flow->string_field("status") != "USER_REGISTER" || state.empty()) {
            record_failure("register flow: " + flow->describe());
            break;
          }
          // 159 + client (2 digits) + sequence (6 digits): unique in this run, 11 digits.
          std::string seq = std::to_string(++mobiles);
          const std::string mobile = "159" + std::string(index < 10 ? "0" : "") +
                                     std::to_string(index) + std::string(6 - seq.size(), '0') + seq;
          Headers h = flow_headers(*env_, register_client_, state);
          const auto sent_code = post(kSmsSendPath, h,
                                      boost::json::serialize(boost::json::object{
                                          {"mobile", mobile}, {"type", "REGISTER_SMS"}}));
          if (!sent_code) break;
          if (sent_code->status != 200) {
            record_failure("sms/send: " + sent_code->describe());
            break;
          }
          std::string verify;
          const std::string e164 = "+86" + mobile;
          for (int i = 0; i < 150 && verify.empty() && !killing_; ++i) {
            verify = code_sent_to(*env_, mobile);
            if (verify.empty()) std::this_thread::sleep_for(20ms);
          }
          if (verify.empty()) {
            if (!killing_) record_failure("no code delivered to " + mobile);
            break;
          }
          const auto done = post(kRegisterBindPath, h,
                                 boost::json::serialize(boost::json::object{
                                     {"mobile", e164}, {"verify_code", verify}}));
          if (!done) break;
          if (!is_success_answer(*done)) {
            record_failure("register-bind: " + done->describe());
            break;
          }
          record_success({register_client_, u.user_key, subject_of(*done),
                          done->string_field("session_token")});
          ++register_binds_;
          break;
        }
      }
    }
  }

  void record_success(Success s) {
    const std::lock_guard lock(mu_);
    successes_.push_back(std::move(s));
  }
  void record_failure(std::string what) {
    const std::lock_guard lock(mu_);
    if (failures_.size() < 5) failures_.push_back(std::move(what));
    ++failure_count_;
  }
  std::int64_t success_count() {
    const std::lock_guard lock(mu_);
    return static_cast<std::int64_t>(successes_.size());
  }

  // The table's rows as cells, by column name.
  std::vector<std::map<std::string, std::string>> rows_of(std::string_view table) {
    const std::vector<std::string> columns = table_columns(env_->db(), table);
    const std::vector<std::string> cells = table_cells(env_->db(), table);
    std::vector<std::map<std::string, std::string>> out;
    for (std::size_t i = 0; i + columns.size() <= cells.size(); i += columns.size()) {
      std::map<std::string, std::string> row;
      for (std::size_t c = 0; c < columns.size(); ++c) row[columns[c]] = cells[i + c];
      out.push_back(std::move(row));
    }
    return out;
  }

  std::unique_ptr<Env> env_;
  std::string login_client_;
  std::string register_client_;
  std::atomic<bool> killing_{false};
  std::atomic<std::int64_t> requests_{0};
  std::atomic<std::int64_t> refreshes_{0};
  std::atomic<std::int64_t> unanswered_{0};  // cut off by the kill
  std::atomic<std::int64_t> register_binds_{0};
  std::mutex mu_;
  std::vector<Success> successes_;
  std::vector<std::string> failures_;
  std::int64_t failure_count_ = 0;
};

TEST_F(CrashSafety, KilledMidStreamLosesNothingItAnsweredAndLeavesNoHalfOutcome) {
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) clients.emplace_back([this, i] { drive(i); });
  const auto deadline = std::chrono::steady_clock::now() + kLoadBound;
  while (success_count() < kSuccessesBeforeKill && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  killing_ = true;
  EXPECT_EQ(env_->kill_server(), 128 + 9);
  for (auto& t : clients) t.join();

  EXPECT_EQ(failure_count_, 0) << "failures while the server was up, e.g.:\n"
                               << [&] {
                                    std::string s;
                                    for (const auto& f : failures_) s += "  " + f + "\n";
                                    return s;
                                  }();
  ASSERT_GT(successes_.size(), 0U) << "no SUCCESS before the kill: nothing to prove";

  ASSERT_NO_THROW(env_->start_server());

  // Whole rows, whatever was in flight: every user here comes from a path that writes its link in
  // the same transaction.
  const DbLocation& db = env_->db();
  EXPECT_EQ(query_int(db,
                      "SELECT COUNT(*) FROM users u WHERE NOT EXISTS "
                      "(SELECT 1 FROM identities i WHERE i.user_id = u.id)"),
            0)
      << "users without an identity";
  EXPECT_EQ(query_int(db,
                      "SELECT COUNT(*) FROM identities i WHERE NOT EXISTS "
                      "(SELECT 1 FROM users u WHERE u.id = i.user_id)"),
            0)
      << "identities without their user";
  EXPECT_EQ(query_int(db,
                      "SELECT COUNT(*) FROM sessions s WHERE NOT EXISTS "
                      "(SELECT 1 FROM users u WHERE u.id = s.user_id)"),
            0)
      << "sessions without their user";
  EXPECT_EQ(query_int(db,
                      "SELECT COUNT(*) FROM verification_codes v JOIN flow_states f "
                      "ON f.id = v.flow_id WHERE v.used = 1 AND f.consumed = 0"),
            0)
      << "codes used by a flow that was not consumed";

  // A consumed register flow wrote its outcome in the same transaction: the pending identity is
  // linked, and its user has a session.
  std::int64_t consumed_flows = 0;
  for (const auto& flow : rows_of("flow_states")) {
    if (flow.at("kind") != "social_register" || flow.at("consumed") != "1") continue;
    ++consumed_flows;
    const boost::json::value pending = boost::json::parse(flow.at("pending_identity_json"));
    const std::string subject = string_at(pending.as_object(), "subject");
    ASSERT_FALSE(subject.empty()) << flow.at("pending_identity_json");
    // The subject is an openid (base64url), safe to quote in SQL.
    EXPECT_EQ(query_int(db, "SELECT COUNT(*) FROM identities WHERE subject = '" + subject + "'"), 1)
        << "consumed flow " << flow.at("id") << " without its link";
    EXPECT_GE(query_int(db,
                        "SELECT COUNT(*) FROM sessions s JOIN identities i ON i.user_id = "
                        "s.user_id WHERE i.subject = '" +
                            subject + "'"),
              1)
        << "consumed flow " << flow.at("id") << " without a session";
  }

  // Every SUCCESS answered before the kill still holds after the restart.
  std::int64_t relogins = 0;
  std::int64_t refreshed = 0;
  for (const Success& s : successes_) {
    const HttpResult again =
        request(env_->port(), "POST", kLoginPath, env_->login_headers(s.client),
                boost::json::serialize(boost::json::object{{"code", env_->mint_code(s.user_key)}}));
    if (is_success_answer(again) && subject_of(again) == s.sub) {
      ++relogins;
    } else {
      ADD_FAILURE() << "user " << s.sub << " no longer logs in: " << again.describe();
    }
    Headers h = env_->login_headers(s.client);
    h.emplace_back("session-token", s.session_token);
    const HttpResult r = request(env_->port(), "POST", kRefreshPath, h, "");
    if (r.status == 200 && subject_of(r) == s.sub) {
      ++refreshed;
    } else {
      ADD_FAILURE() << "session of " << s.sub << " no longer refreshes: " << r.describe();
    }
  }

  std::cout << "[crash] backend=" << (db.is_postgres() ? "postgres" : "sqlite")
            << " requests=" << requests_ << " unanswered=" << unanswered_
            << " successes_before_kill=" << successes_.size()
            << " (register_binds=" << register_binds_ << ") refreshes_before_kill=" << refreshes_
            << " consumed_register_flows=" << consumed_flows << " relogins_after=" << relogins
            << " refreshes_after=" << refreshed << "\n";
}

}  // namespace
}  // namespace it
