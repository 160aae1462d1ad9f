// flows/verification/verification: codes generated, stored hashed, expired, revoked, rate limited
// and delivered through a real OutboxSender, against a real SQLite store.
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "exec/async_event.hpp"
#include "flows_verify_support.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

constexpr const char* kPhone = "+8615907132852";

class VerificationTest : public testing::VerifyTest {
 protected:
  Result<VerificationCode> check(const FlowState& flow, const std::string& code,
                                 CodePurpose purpose = CodePurpose::kRegisterSms,
                                 const std::string& target = kPhone) {
    return await(
        pool_.run([&] { return verification().verify_blocking(flow.id, purpose, target, code); }));
  }

  Application app_ = add_app(app_with("client-v", UnboundPolicy::kRegister));
  FlowState flow_ = new_flow(app_, FlowKind::kSocialRegister);
};

TEST(VerificationCodes, AreSixDigitsAndSpreadOverAllValues) {
  std::set<std::string> seen;
  int first_digit[10] = {};
  for (int i = 0; i < 2000; ++i) {
    const std::string c = Verification::new_code();
    ASSERT_EQ(c.size(), 6u);
    for (char d : c) ASSERT_TRUE(d >= '0' && d <= '9');
    ++first_digit[c[0] - '0'];
    seen.insert(c);
  }
  EXPECT_GT(seen.size(), 1990u);
  for (int n : first_digit) EXPECT_GT(n, 120) << "leading digits are far from uniform";
}

TEST(VerificationTypes, ParseAndMapToChannelsAndFlows) {
  EXPECT_EQ(parse_code_purpose("REGISTER_SMS"), CodePurpose::kRegisterSms);
  EXPECT_EQ(parse_code_purpose("BIND_EMAIL_EMS"), CodePurpose::kBindEmailEms);
  EXPECT_EQ(parse_code_purpose("MFA_AUTH_SMS"), CodePurpose::kMfaSms);
  EXPECT_EQ(parse_code_purpose("MFA_AUTH_EMS"), CodePurpose::kMfaEmail);
  EXPECT_FALSE(parse_code_purpose("MFA_SMS"));
  EXPECT_FALSE(parse_code_purpose("register_sms"));
  EXPECT_EQ(channel_of(CodePurpose::kBindMobileSms), Channel::kSms);
  EXPECT_EQ(flow_kind_of(CodePurpose::kRegisterEms), FlowKind::kSocialRegister);
  EXPECT_EQ(purpose_for(FlowKind::kSocialBind, Channel::kEmail), CodePurpose::kBindEmailEms);
  EXPECT_EQ(channel_of(CodePurpose::kMfaEmail), Channel::kEmail);
  EXPECT_EQ(flow_kind_of(CodePurpose::kMfaSms), FlowKind::kMfa);
  EXPECT_EQ(purpose_for(FlowKind::kMfa, Channel::kSms), CodePurpose::kMfaSms);
}

TEST(VerificationEmails, AreTrimmedLowerCasedAndChecked) {
  EXPECT_EQ(normalize_email("  Alice@Example.COM "), "alice@example.com");
  EXPECT_FALSE(normalize_email(""));
  EXPECT_FALSE(normalize_email("alice"));
  EXPECT_FALSE(normalize_email("alice@example"));
  EXPECT_FALSE(normalize_email("a@b@example.com"));
  EXPECT_FALSE(normalize_email("al ice@example.com"));
  EXPECT_FALSE(normalize_email("@example.com"));
}

TEST_F(VerificationTest, SentCodeIsDeliveredStoredOnlyAsItsHmacAndVerifies) {
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  const std::string code = last_code();
  ASSERT_EQ(code.size(), 6u);
  std::optional<VerificationCode> row =
      store_->find_live_code(flow_.id, "REGISTER_SMS", kPhone, now_.load());
  ASSERT_TRUE(row);
  EXPECT_EQ(row->code_hash,
            crypto::hex_encode(crypto::hmac_sha256(sealer_.derive_key("verification-code"), code)));
  EXPECT_EQ(row->code_hash.find(code), std::string::npos);
  EXPECT_EQ(row->expires_at, now_.load() + 300);
  Result<VerificationCode> ok = check(flow_, code);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->id, row->id);
  // Another purpose or target does not match.
  EXPECT_FALSE(check(flow_, code, CodePurpose::kBindMobileSms));
  EXPECT_FALSE(check(flow_, code, CodePurpose::kRegisterSms, "+8613800000000"));
}

TEST_F(VerificationTest, MessageUsesTheTemplateOfTheLanguage) {
  settings_.sms_template_zh = "码{code}，{minutes}分钟";
  ASSERT_TRUE(await(verification().send(app_, flow_, CodePurpose::kRegisterSms, kPhone,
                                        Language::kChinese, device_)));
  std::ifstream in(outbox_path_);
  std::string line;
  std::getline(in, line);
  EXPECT_NE(line.find("5分钟"), std::string::npos) << line;
}

TEST_F(VerificationTest, CodeExpiresAfterTheTtl) {
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  const std::string code = last_code();
  now_ += 299;
  EXPECT_TRUE(check(flow_, code));
  now_ += 1;
  Result<VerificationCode> late = check(flow_, code);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kCodeIncorrect);
}

TEST_F(VerificationTest, FifthWrongTryRevokesTheCode) {
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  const std::string code = last_code();
  const std::string wrong = code == "000000" ? "000001" : "000000";
  for (int i = 0; i < 4; ++i) {
    Result<VerificationCode> r = check(flow_, wrong);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kCodeIncorrect);
  }
  EXPECT_TRUE(check(flow_, code)) << "four wrong tries leave the code usable";
  EXPECT_FALSE(check(flow_, wrong));
  EXPECT_FALSE(check(flow_, code)) << "the fifth wrong try revokes it";
}

TEST_F(VerificationTest, NewerCodeRevokesTheOlderOne) {
  settings_.resend_interval = 0;
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  const std::string first = last_code();
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  const std::string second = last_code();
  if (first != second) {
    EXPECT_FALSE(check(flow_, first));
  }
  EXPECT_TRUE(check(flow_, second));
}

TEST_F(VerificationTest, ResendWithinTheIntervalIsRefused) {
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  now_ += 59;
  Status again = send(flow_, CodePurpose::kRegisterSms, kPhone);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(outbox_lines(), 1);
  now_ += 1;
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  // Another target is not held back.
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterSms, "+8613800000000"));
}

TEST_F(VerificationTest, ConcurrentSendsToOneTargetDeliverOneCode) {
  constexpr int kRacers = 8;
  Verification& v = verification();
  std::vector<std::future<std::optional<Status>>> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.push_back(
        spawn(v.send(app_, flow_, CodePurpose::kRegisterSms, kPhone, Language::kEnglish, device_)));
  }
  int sent = 0;
  for (auto& f : racers) {
    Status s = std::move(*f.get());
    if (s) {
      ++sent;
    } else {
      EXPECT_EQ(s.error().code, ErrorCode::kTooManyRequests);
    }
  }
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(outbox_lines(), 1);
}

// A sender that holds every delivery until the test opens it: a send stays under way meanwhile.
class GatedSender final : public Sender {
 public:
  Task<Status> deliver(const Notification&) override {
    ++arrived;
    co_await gate->wait();
    co_return Done{};
  }
  std::shared_ptr<AsyncEvent> gate = std::make_shared<AsyncEvent>();
  std::atomic<int> arrived{0};
};

// Two nodes on one database: two Verification objects over one store.
TEST_F(VerificationTest, ASendUnderWayOnAnotherNodeIsRefused) {
  GatedSender gated;
  const Verification node_a(services_, *store_, *store_, *store_, settings_,
                            sealer_.derive_key("verification-code"), &gated, &gated);
  OutboxSender outbox(outbox_path_);
  const Verification node_b(services_, *store_, *store_, *store_, settings_,
                            sealer_.derive_key("verification-code"), &outbox, &outbox);
  auto first = spawn(
      node_a.send(app_, flow_, CodePurpose::kRegisterSms, kPhone, Language::kEnglish, device_));
  while (gated.arrived.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  Status second = await(
      node_b.send(app_, flow_, CodePurpose::kRegisterSms, kPhone, Language::kEnglish, device_));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(second.error().detail, "a send to this target is under way");
  // Another target (of another flow: one send of a flow at a time) is not held back.
  const FlowState other = new_flow(app_, FlowKind::kSocialRegister, "openid-2");
  EXPECT_TRUE(await(node_b.send(app_, other, CodePurpose::kRegisterSms, "+8613800000000",
                                Language::kEnglish, device_)));

  gated.gate->set();
  EXPECT_TRUE(*first.get());
  EXPECT_TRUE(store_->find_live_code(flow_.id, "REGISTER_SMS", kPhone, now_.load()));
  // Released once the code was stored.
  EXPECT_TRUE(
      store_->acquire_lease(std::string("send/") + kPhone, "probe", now_.load(), now_.load() + 1));
}

TEST_F(VerificationTest, ASendLeaseLeftByACrashedNodeExpires) {
  ASSERT_TRUE(store_->acquire_lease(std::string("send/") + kPhone, "crashed-node", now_.load(),
                                    now_.load() + 60));
  Status held = send(flow_, CodePurpose::kRegisterSms, kPhone);
  ASSERT_FALSE(held);
  EXPECT_EQ(held.error().code, ErrorCode::kTooManyRequests);
  now_ += 60;
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
}

TEST_F(VerificationTest, DailyCapPerTarget) {
  settings_.resend_interval = 0;
  settings_.daily_cap_per_target = 3;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  Status over = send(flow_, CodePurpose::kRegisterSms, kPhone);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kTooManyRequests);
  now_ += 86'400;
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
}

TEST_F(VerificationTest, DailyCapPerPeerAddressIgnoresTheReportedIp) {
  settings_.daily_cap_per_peer = 2;
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, "+8613800000001"));
  device_.reported_ip = "10.9.9.9";
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, "+8613800000002"));
  Status over = send(flow_, CodePurpose::kRegisterSms, "+8613800000003");
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().code, ErrorCode::kTooManyRequests);
  device_.peer_address = "127.0.0.2";
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterSms, "+8613800000003"));
}

TEST_F(VerificationTest, DeliveryFailureIsCaptcha0006StoresNothingAndIsNotCounted) {
  broken_ = true;
  settings_.daily_cap_per_target = 1;
  Status failed = send(flow_, CodePurpose::kRegisterSms, kPhone);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kCodeSendFailed);
  EXPECT_FALSE(store_->find_live_code(flow_.id, "REGISTER_SMS", kPhone, now_.load()));
  EXPECT_EQ(store_->count_sends(std::string("target:") + kPhone, 0), 0);
  EXPECT_EQ(store_->count_sends("peer:127.0.0.1", 0), 0);
  // Not held against the limits: with a working sender the next send goes out at once.
  OutboxSender outbox(outbox_path_);
  Verification fixed(services_, *store_, *store_, *store_, settings_,
                     sealer_.derive_key("verification-code"), &outbox, &outbox);
  EXPECT_TRUE(await(
      fixed.send(app_, flow_, CodePurpose::kRegisterSms, kPhone, Language::kEnglish, device_)));
}

TEST_F(VerificationTest, NoSenderConfiguredIsCaptcha0006) {
  Verification none(services_, *store_, *store_, *store_, settings_, "k", nullptr, nullptr);
  Status s = await(none.send(app_, flow_, CodePurpose::kRegisterEms, "a@example.com",
                             Language::kEnglish, device_));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kCodeSendFailed);
}

TEST_F(VerificationTest, SuccessfulSendsAreCountedPerTargetAndPeer) {
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterEms, "a@example.com"));
  EXPECT_EQ(store_->count_sends("target:a@example.com", 0), 1);
  EXPECT_EQ(store_->count_sends("peer:127.0.0.1", 0), 1);
}

// --- limits against SMS pumping (one flow, one device or one application sending to many numbers)

TEST_F(VerificationTest, AFlowSendsToAtMostThreeDifferentTargets) {
  settings_.resend_interval = 0;
  ASSERT_EQ(settings_.targets_per_flow, 3) << "the default";
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, "+8613800000001"));
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterEms, "a@example.com"));  // emails count too
  const int delivered = outbox_lines();

  Status fourth = send(flow_, CodePurpose::kRegisterSms, "+8613800000002");
  ASSERT_FALSE(fourth);
  EXPECT_EQ(fourth.error().code, ErrorCode::kTooManyRequests);
  // Refused: nothing delivered, stored or counted.
  EXPECT_EQ(outbox_lines(), delivered);
  EXPECT_FALSE(store_->find_live_code(flow_.id, "REGISTER_SMS", "+8613800000002", now_.load()));
  EXPECT_EQ(store_->count_sends("target:+8613800000002", 0), 0);
  EXPECT_EQ(store_->count_sends("peer:127.0.0.1", 0), 3);
  EXPECT_EQ(refused(app_.client_id, "flow_targets"), 1U);
  EXPECT_FALSE(send(flow_, CodePurpose::kRegisterEms, "b@example.com"));

  // The targets it has are still served (subject to the resend interval only) ...
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterEms, "a@example.com"));
  // ... and another flow may reach the fourth number.
  const FlowState other = new_flow(app_, FlowKind::kSocialRegister, "openid-2");
  EXPECT_TRUE(send(other, CodePurpose::kRegisterSms, "+8613800000002"));
}

TEST_F(VerificationTest, TheTargetsPerFlowAreConfigured) {
  settings_.targets_per_flow = 1;
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  Status second = send(flow_, CodePurpose::kRegisterSms, "+8613800000001");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kTooManyRequests);
}

// Sends of one flow to new targets at the same moment (on any nodes) cannot all pass the cap
// before the first is recorded: one send of a flow is under way at a time.
TEST_F(VerificationTest, ASecondSendOfAFlowUnderWayIsRefused) {
  GatedSender gated;
  const Verification node_a(services_, *store_, *store_, *store_, settings_,
                            sealer_.derive_key("verification-code"), &gated, &gated);
  auto first = spawn(
      node_a.send(app_, flow_, CodePurpose::kRegisterSms, kPhone, Language::kEnglish, device_));
  while (gated.arrived.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  Status second = send(flow_, CodePurpose::kRegisterSms, "+8613800000001");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(second.error().detail, "a send of this flow is under way");
  // Another flow is not held back.
  const FlowState other = new_flow(app_, FlowKind::kSocialRegister, "openid-2");
  EXPECT_TRUE(send(other, CodePurpose::kRegisterSms, "+8613800000001"));

  gated.gate->set();
  EXPECT_TRUE(*first.get());
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterSms, "+8613800000002"));  // released
}

TEST_F(VerificationTest, ADeviceFingerprintReachesAFewTargetsADay) {
  settings_.daily_targets_per_device = 2;
  ASSERT_EQ(VerificationSettings{}.daily_targets_per_device, 10) << "the default";
  // Each from a flow and a peer of its own: only the fingerprint is shared.
  auto fresh_flow = [this, n = 0]() mutable {
    device_.peer_address = "192.0.2." + std::to_string(++n);
    return new_flow(app_, FlowKind::kSocialRegister, "openid-d" + std::to_string(n));
  };
  ASSERT_TRUE(send(fresh_flow(), CodePurpose::kRegisterSms, kPhone));
  ASSERT_TRUE(send(fresh_flow(), CodePurpose::kRegisterEms, "a@example.com"));
  Status third = send(fresh_flow(), CodePurpose::kRegisterSms, "+8613800000001");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(store_->count_sends("target:+8613800000001", 0), 0);
  EXPECT_EQ(refused(app_.client_id, "device_targets"), 1U);

  now_ += 60;  // past the resend interval: a target it has is no new one
  EXPECT_TRUE(send(fresh_flow(), CodePurpose::kRegisterSms, kPhone));
  device_.fingerprint = "fp-2";
  EXPECT_TRUE(send(fresh_flow(), CodePurpose::kRegisterSms, "+8613800000001"));
  device_.fingerprint = "fp-1";
  now_ += 86'400;
  EXPECT_TRUE(send(fresh_flow(), CodePurpose::kRegisterSms, "+8613800000002"));
}

TEST_F(VerificationTest, AnApplicationSpendsAtMostItsHourlyBudgetAndWarnsOncePerHour) {
  ASSERT_EQ(Application{}.hourly_send_budget, 1000) << "the default";
  app_.hourly_send_budget = 2;
  ASSERT_TRUE(store_->update_application(app_));
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  spdlog::default_logger()->sinks().push_back(sink);
  const auto warnings = [&sink] {
    int n = 0;
    for (const std::string& line : sink->last_formatted()) {
      n += line.find("hourly send budget") != std::string::npos ? 1 : 0;
    }
    return n;
  };
  auto fresh_flow = [this, n = 0]() mutable {
    device_.peer_address = "192.0.2." + std::to_string(++n);
    device_.fingerprint = "fp-b" + std::to_string(n);
    return new_flow(app_, FlowKind::kSocialRegister, "openid-b" + std::to_string(n));
  };
  ASSERT_TRUE(send(fresh_flow(), CodePurpose::kRegisterSms, kPhone));
  ASSERT_TRUE(send(fresh_flow(), CodePurpose::kRegisterEms, "a@example.com"));
  for (int i = 0; i < 3; ++i) {
    Status over =
        send(fresh_flow(), CodePurpose::kRegisterSms, "+861380000000" + std::to_string(i));
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, ErrorCode::kTooManyRequests);
  }
  EXPECT_EQ(outbox_lines(), 2);
  EXPECT_EQ(refused(app_.client_id, "budget"), 3U);
  EXPECT_EQ(warnings(), 1) << "one warning, not one per request";

  // Another application has its own budget.
  const Application other = add_app(app_with("client-w", UnboundPolicy::kRegister));
  EXPECT_TRUE(send(new_flow(other, FlowKind::kSocialRegister, "openid-w"),
                   CodePurpose::kRegisterSms, "+8613800000009"));
  // An hour after the first send, there is room again; the next time it runs out, a new warning.
  now_ += 3600;
  EXPECT_TRUE(send(fresh_flow(), CodePurpose::kRegisterSms, "+8613800000005"));
  EXPECT_TRUE(send(fresh_flow(), CodePurpose::kRegisterSms, "+8613800000006"));
  EXPECT_FALSE(send(fresh_flow(), CodePurpose::kRegisterSms, "+8613800000007"));
  EXPECT_EQ(warnings(), 2);
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());
}

TEST_F(VerificationTest, ANumberOfACountryTheAppDoesNotAllowIsRefusedBeforeAnything) {
  ASSERT_EQ(app_.allowed_country_codes, std::vector<std::string>{"86"}) << "the default";
  const std::string hong_kong = "+85291234567";
  // Its lease held elsewhere: a refusal that took the lease first would be 429.
  ASSERT_TRUE(
      store_->acquire_lease("send/" + hong_kong, "elsewhere", now_.load(), now_.load() + 60));
  Status refused_send = send(flow_, CodePurpose::kRegisterSms, hong_kong);
  ASSERT_FALSE(refused_send);
  EXPECT_EQ(refused_send.error().code, ErrorCode::kCountryNotAllowed);
  EXPECT_EQ(outbox_lines(), 0);
  EXPECT_EQ(store_->count_sends("target:" + hong_kong, 0), 0);
  EXPECT_EQ(store_->count_sends("peer:127.0.0.1", 0), 0);
  EXPECT_EQ(store_->count_sends("flow:" + flow_.id, 0), 0);
  EXPECT_EQ(refused(app_.client_id, "country"), 1U);
  store_->release_lease("send/" + hong_kong, "elsewhere");

  // Refusing it took none of the flow's targets: three others still go out.
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterSms, kPhone));
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterSms, "+8613800000001"));
  EXPECT_TRUE(send(flow_, CodePurpose::kRegisterEms, "a@example.com"));  // emails: any address

  // Allowed once the application lists the country; +1 stays refused.
  app_.allowed_country_codes = {"86", "852"};
  ASSERT_TRUE(store_->update_application(app_));
  const FlowState other = new_flow(app_, FlowKind::kSocialRegister, "openid-2");
  EXPECT_TRUE(send(other, CodePurpose::kRegisterSms, hong_kong));
  Status us = send(other, CodePurpose::kRegisterSms, "+14155550123");
  ASSERT_FALSE(us);
  EXPECT_EQ(us.error().code, ErrorCode::kCountryNotAllowed);
}

}  // namespace
}  // namespace ciamd
