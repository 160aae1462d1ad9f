// flows/session/session_refresh and flows/maintenance/purge against a real in-memory store, with
// the clock moved by hand: fixed and sliding lifetimes, the sliding cap, rotation and reuse,
// logout, the purge loop.
#include <gtest/gtest.h>

#include <string>

#include "flows/maintenance/purge.hpp"
#include "flows/session/session_issuer.hpp"
#include "flows/session/session_refresh.hpp"
#include "tokens/crypto.hpp"
#include "unit/flows_test_support.hpp"

namespace ciamd::testing {
namespace {

constexpr std::int64_t kTtl = 1000;

class SessionFlowTest : public FlowsTest {
 protected:
  SessionFlowTest() { user_ = add_user("u1"); }

  Application app(SessionLifetime lifetime, bool rotate = false, std::int64_t max = 5000) {
    Application a = app_with("client-" + std::to_string(++apps_), UnboundPolicy::kAutoCreate);
    a.wechat_session_ttl = kTtl;
    a.session_lifetime = lifetime;
    a.session_max_lifetime = max;
    a.rotate_session_token = rotate;
    return add_app(a);
  }

  // A WeChat session of user_ in `a`, started now; returns its clear token.
  std::string login(const Application& a) {
    IssuedSession issued = new_session(services_, a, user_, kProviderWechat, device_);
    LoginCommit c;
    c.now = now_;
    c.session = issued.session;
    EXPECT_EQ(store_->commit_login(c), CommitResult::kOk);
    return issued.token;
  }

  Result<RefreshedSession> refresh(const Application& a, const std::string& token) {
    const SessionRefresher sessions = refresher();
    return await(sessions.refresh(a, token));
  }

  Session stored(const std::string& token) {
    std::optional<Session> s = store_->find_session_by_hash(crypto::sha256_hex(token));
    if (!s) s = store_->find_session_by_retired_hash(crypto::sha256_hex(token));
    EXPECT_TRUE(s.has_value());
    return s.value_or(Session{});
  }

  static bool invalid(const Result<RefreshedSession>& r) {
    return !r && r.error().code == ErrorCode::kSessionTokenInvalid;
  }

  User user_;
  int apps_ = 0;
};

TEST_F(SessionFlowTest, FixedLifetimeKeepsTheEndAndSignsANewIdToken) {
  const Application a = app(SessionLifetime::kFixed);
  const std::string token = login(a);
  now_ += 400;
  Result<RefreshedSession> r = refresh(a, token);
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r.value().session_token, token);
  EXPECT_EQ(r.value().expire, kTtl - 400);
  EXPECT_EQ(verified_claims(r.value().id_token).at("sub").as_string(), user_.id);
  EXPECT_EQ(stored(token).expires_at, kStart + kTtl);
  EXPECT_EQ(stored(token).last_refreshed_at, kStart + 400);
  now_ += 600;  // exactly at the end
  EXPECT_TRUE(invalid(refresh(a, token)));
}

TEST_F(SessionFlowTest, SlidingLifetimeRestartsUpToTheMaximum) {
  const Application a = app(SessionLifetime::kSliding, false, /*max=*/2500);
  const std::string token = login(a);
  now_ += 900;
  ASSERT_EQ(refresh(a, token).value().expire, kTtl);  // ends at 1900 now
  now_ += 900;
  ASSERT_EQ(refresh(a, token).value().expire, 700);  // capped at login + 2500
  EXPECT_EQ(stored(token).expires_at, kStart + 2500);
  now_ += 700;
  EXPECT_TRUE(invalid(refresh(a, token)));
}

TEST_F(SessionFlowTest, RotationRetiresTheTokenAndItsReuseRevokesTheSession) {
  const Application a = app(SessionLifetime::kFixed, /*rotate=*/true);
  const std::string t1 = login(a);
  Result<RefreshedSession> r = refresh(a, t1);
  ASSERT_TRUE(r);
  const std::string t2 = r.value().session_token;
  EXPECT_NE(t2, t1);
  EXPECT_EQ(t2.size(), kSessionTokenLength);
  EXPECT_TRUE(invalid(refresh(a, t1)));
  EXPECT_TRUE(stored(t2).revoked);
  EXPECT_TRUE(invalid(refresh(a, t2)));
}

TEST_F(SessionFlowTest, OtherApplicationsDisabledUsersAndLogoutEndIt) {
  const Application a = app(SessionLifetime::kFixed);
  const Application b = app(SessionLifetime::kFixed);
  const std::string token = login(a);
  EXPECT_TRUE(invalid(refresh(b, token)));
  const SessionRefresher sessions = refresher();
  await(sessions.logout(b, token));  // not b's: nothing happens
  EXPECT_FALSE(stored(token).revoked);
  EXPECT_TRUE(refresh(a, token));

  ASSERT_TRUE(store_->set_user_status(user_.id, UserStatus::kDisabled, now_));
  EXPECT_TRUE(invalid(refresh(a, token)));
  ASSERT_TRUE(store_->set_user_status(user_.id, UserStatus::kActive, now_));

  const std::string second = login(a);
  await(sessions.logout(a, second));
  EXPECT_TRUE(stored(second).revoked);
  EXPECT_TRUE(invalid(refresh(a, second)));
  EXPECT_TRUE(invalid(refresh(a, "short")));
}

TEST_F(SessionFlowTest, PurgeRepeatsBatchesUntilNothingExpiredIsLeft) {
  const Application a = app(SessionLifetime::kFixed);
  for (int i = 0; i < 25; ++i) login(a);
  now_ += kTtl / 2;
  const std::string live = login(a);
  now_ += kTtl / 2 + 1;  // the first 25 have expired, `live` has not
  const PurgeTotals t = purge_expired_rows(*store_, now_, /*batch=*/10);
  EXPECT_EQ(t.sessions, 25);
  EXPECT_EQ(t.batches, 3);
  EXPECT_TRUE(refresh(a, live));
  EXPECT_EQ(purge_expired_rows(*store_, now_, 10).sessions, 0);
}

}  // namespace
}  // namespace ciamd::testing
