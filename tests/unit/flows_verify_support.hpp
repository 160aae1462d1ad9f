// Shared by the verification and social-bind tests: a FlowsTest with a Verification whose
// senders are real OutboxSenders (a temporary file; or an unwritable path to make delivery fail),
// flows written through the store, and the last delivered code read back from the outbox.
#pragma once

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "flows/flow_step.hpp"
#include "flows/verification/verification.hpp"
#include "flows_test_support.hpp"
#include "metrics/metrics.hpp"
#include "notify/outbox.hpp"

namespace ciamd::testing {

class VerifyTest : public FlowsTest {
 protected:
  VerifyTest() {
    settings_.resend_interval = 60;
    settings_.daily_cap_per_target = 10;
    settings_.daily_cap_per_peer = 50;
    outbox_path_ = (std::filesystem::temp_directory_path() /
                    ("ciamd-verify-" + std::to_string(::getpid()) + "-" +
                     std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".jsonl"))
                       .string();
  }
  ~VerifyTest() override {
    std::error_code ignored;
    std::filesystem::remove(outbox_path_, ignored);
  }

  // Built lazily so a test may change settings_ or break the sender first.
  Verification& verification() {
    if (!verification_) {
      outbox_ = std::make_unique<OutboxSender>(broken_ ? "/nonexistent-ciamd-dir/outbox.jsonl"
                                                       : outbox_path_);
      verification_ = std::make_unique<Verification>(
          services_, *store_, *store_, *store_, settings_, sealer_.derive_key("verification-code"),
          outbox_.get(), outbox_.get(), &metrics_);
    }
    return *verification_;
  }

  // A pending flow of `kind` for `app`, written through the store, for the WeChat identity
  // (wxapp, openid).
  FlowState new_flow(const Application& app, FlowKind kind, const std::string& openid = "openid-1",
                     const std::string& unionid = "") {
    PendingStep p = new_step(services_, app, kind, device_);
    p.flow.provider = "wechat";
    p.flow.pending_identity =
        Identity{"wechat", "wxapp", openid, unionid, "", R"({"nickname":"Nick"})", now_.load()};
    LoginCommit c;
    c.now = now_;
    c.new_flow = p.flow;
    EXPECT_EQ(store_->commit_login(c), CommitResult::kOk);
    return p.flow;
  }

  // The flow's application as the store has it now.
  Application app_of(const FlowState& flow) {
    std::optional<Application> app = store_->find_application(flow.client_id);
    EXPECT_TRUE(app) << flow.client_id;
    return app.value_or(Application{});
  }

  Status send(const FlowState& flow, CodePurpose purpose, const std::string& target) {
    return await(
        verification().send(app_of(flow), flow, purpose, target, Language::kEnglish, device_));
  }

  // The code in the outbox's last message ("... is 123456. ...").
  std::string last_code() {
    std::ifstream in(outbox_path_);
    std::string line, last;
    while (std::getline(in, line)) last = line;
    if (last.empty()) return "";
    const std::string text(boost::json::parse(last).at("text").as_string());
    const auto at = text.find_first_of("0123456789");
    return at == std::string::npos ? "" : text.substr(at, 6);
  }

  int outbox_lines() {
    std::ifstream in(outbox_path_);
    int n = 0;
    for (std::string line; std::getline(in, line);) ++n;
    return n;
  }

  // ciamd_verification_refused_total{client_id,reason} so far.
  std::uint64_t refused(const std::string& client_id, const std::string& reason) {
    const std::string series = "ciamd_verification_refused_total{client_id=\"" + client_id +
                               "\",reason=\"" + reason + "\"} ";
    const std::string text = metrics_.render_prometheus();
    const auto at = text.find(series);
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + series.size()));
  }

  VerificationSettings settings_;
  Metrics metrics_;
  bool broken_ = false;
  std::string outbox_path_;
  std::unique_ptr<OutboxSender> outbox_;
  std::unique_ptr<Verification> verification_;
};

}  // namespace ciamd::testing
