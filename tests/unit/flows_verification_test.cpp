// flows/verification/verification: codes generated, stored hashed, expired, revoked, rate limited
// and delivered through a real OutboxSender, against a real SQLite store.
#include <gtest/gtest.h>

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
  ASSERT_TRUE(await(
      verification().send(flow_, CodePurpose::kRegisterSms, kPhone, Language::kChinese, device_)));
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
        spawn(v.send(flow_, CodePurpose::kRegisterSms, kPhone, Language::kEnglish, device_)));
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
  auto first =
      spawn(node_a.send(flow_, CodePurpose::kRegisterSms, kPhone, Language::kEnglish, device_));
  while (gated.arrived.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  Status second =
      await(node_b.send(flow_, CodePurpose::kRegisterSms, kPhone, Language::kEnglish, device_));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(second.error().detail, "a send to this target is under way");
  // Another target is not held back.
  EXPECT_TRUE(await(node_b.send(flow_, CodePurpose::kRegisterSms, "+8613800000000",
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
  EXPECT_TRUE(
      await(fixed.send(flow_, CodePurpose::kRegisterSms, kPhone, Language::kEnglish, device_)));
}

TEST_F(VerificationTest, NoSenderConfiguredIsCaptcha0006) {
  Verification none(services_, *store_, *store_, *store_, settings_, "k", nullptr, nullptr);
  Status s = await(
      none.send(flow_, CodePurpose::kRegisterEms, "a@example.com", Language::kEnglish, device_));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kCodeSendFailed);
}

TEST_F(VerificationTest, SuccessfulSendsAreCountedPerTargetAndPeer) {
  ASSERT_TRUE(send(flow_, CodePurpose::kRegisterEms, "a@example.com"));
  EXPECT_EQ(store_->count_sends("target:a@example.com", 0), 1);
  EXPECT_EQ(store_->count_sends("peer:127.0.0.1", 0), 1);
}

}  // namespace
}  // namespace ciamd
