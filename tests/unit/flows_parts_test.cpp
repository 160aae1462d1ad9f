// The smaller flows pieces: session_issuer, flow_step, ids, outcome, signing_keys, app_directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "flows/app_directory.hpp"
#include "flows/flow_step.hpp"
#include "flows/ids.hpp"
#include "flows/keys/signing_keys.hpp"
#include "flows/outcome.hpp"
#include "flows/session/session_issuer.hpp"
#include "flows_test_support.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {
namespace {

using testing::FlowsTest;
using testing::kStart;

// --- session_issuer ----------------------------------------------------------------------------

TEST_F(FlowsTest, SessionTtlDependsOnTheProvider) {
  Application app;
  app.wechat_session_ttl = 1000;
  app.weibo_session_ttl = 2000;
  EXPECT_EQ(session_ttl_for(app, kProviderWechat), 1000);
  EXPECT_EQ(session_ttl_for(app, kProviderWeibo), 2000);
}

TEST_F(FlowsTest, NewSessionHoldsOnlyTheHashAndFinishSuccessSigns) {
  Application app;
  app.client_id = "client-session";
  app.id_token_ttl = 900;
  User user = add_user("u-session");
  IssuedSession issued = new_session(services_, app, user, kProviderWeibo, device_);
  EXPECT_EQ(issued.token.size(), 32u);
  EXPECT_TRUE(std::regex_match(issued.token, std::regex("[A-Za-z0-9]{32}")));
  EXPECT_EQ(issued.session.token_hash, crypto::sha256_hex(issued.token));
  EXPECT_EQ(issued.session.user_id, "u-session");
  EXPECT_EQ(issued.session.client_id, "client-session");
  EXPECT_EQ(issued.session.provider, "weibo");
  EXPECT_EQ(issued.session.device_fingerprint, "fp-1");
  EXPECT_EQ(issued.session.created_at, kStart);
  EXPECT_EQ(issued.session.expires_at, kStart + kDefaultWeiboSessionTtl);
  EXPECT_NE(new_session(services_, app, user, kProviderWeibo, device_).token, issued.token);

  LoginSuccess ok = finish_success(services_, app, user, issued);
  EXPECT_EQ(ok.session_token, issued.token);
  EXPECT_EQ(ok.expire, kDefaultWeiboSessionTtl);
  EXPECT_EQ(ok.user_id, "u-session");
  boost::json::object claims = verified_claims(ok.id_token);
  EXPECT_EQ(claims.at("sub").as_string(), "u-session");
  EXPECT_EQ(claims.at("aud").as_string(), "client-session");
  EXPECT_EQ(claims.at("exp").as_int64() - claims.at("iat").as_int64(), 900);
  EXPECT_EQ(claims.at("nbf").as_int64(), claims.at("iat").as_int64() - 120);
}

// --- flow_step ---------------------------------------------------------------------------------

TEST_F(FlowsTest, NewStepNamesAFlowRecordThroughItsStateToken) {
  Application app;
  app.client_id = "client-step";
  app.bind_methods = {BindMethod::kVerifyPhone};
  PendingStep p = new_step(services_, app, FlowKind::kSocialBind, device_);
  EXPECT_EQ(p.step.status, StepStatus::kSocialBind);
  EXPECT_EQ(p.step.data, R"({"socialBindOrRegisterFlow":["VERIFY_PHONE"]})");
  EXPECT_EQ(p.flow.kind, FlowKind::kSocialBind);
  EXPECT_EQ(p.flow.client_id, "client-step");
  EXPECT_EQ(p.flow.device_fingerprint, "fp-1");
  EXPECT_EQ(p.flow.created_at, kStart);
  EXPECT_EQ(p.flow.expires_at, kStart + 1800);
  EXPECT_FALSE(p.flow.consumed);

  std::optional<StateTokenClaims> c = state_tokens_.verify(p.step.state_token, "client-step", now_);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->flow_id, p.flow.id);
  EXPECT_EQ(c->flow, "social_bind");
  EXPECT_TRUE(state_tokens_.verify(p.step.state_token, "client-step", kStart + 1799));
  EXPECT_FALSE(state_tokens_.verify(p.step.state_token, "client-step", kStart + 1800));
  EXPECT_FALSE(state_tokens_.verify(p.step.state_token, "client-other", now_));

  PendingStep mfa = new_step(services_, app, FlowKind::kMfa, device_);
  EXPECT_EQ(mfa.step.status, StepStatus::kMfaAuth);
  EXPECT_TRUE(mfa.step.data.empty());
  EXPECT_NE(mfa.flow.id, p.flow.id);
  EXPECT_EQ(new_step(services_, app, FlowKind::kSocialRegister, device_).step.status,
            StepStatus::kUserRegister);
}

TEST(FlowStep, BindFlowDataKeepsTheConfiguredOrder) {
  Application app;
  EXPECT_EQ(bind_flow_data(app), R"({"socialBindOrRegisterFlow":["VERIFY_PHONE","VERIFY_EMAIL"]})");
  app.bind_methods = {BindMethod::kVerifyEmail, BindMethod::kVerifyPhone};
  EXPECT_EQ(bind_flow_data(app), R"({"socialBindOrRegisterFlow":["VERIFY_EMAIL","VERIFY_PHONE"]})");
}

// --- ids ---------------------------------------------------------------------------------------

TEST(Ids, UserIdHasTheProductFamilysForm) {
  const std::regex form(
      "(20[0-9]{2})(0[1-9]|1[0-2])([0-3][0-9])([0-2][0-9])([0-5][0-9]){2}"
      "[0-9]{3}-[0-9A-F]{4}-[0-9A-F]{9}");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string id = new_user_id();
    EXPECT_TRUE(std::regex_match(id, form)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 50u);
}

TEST(Ids, UsernameAndClientId) {
  const std::string name = new_username("wechat");
  EXPECT_TRUE(std::regex_match(name, std::regex("wechat_[a-z0-9]{10}"))) << name;
  EXPECT_NE(new_username("weibo"), new_username("weibo"));
  const std::string id = new_client_id();
  EXPECT_TRUE(std::regex_match(id, std::regex("[A-Za-z0-9]{32}"))) << id;
  EXPECT_NE(new_client_id(), id);
}

// --- outcome -----------------------------------------------------------------------------------

TEST(Outcome, StatusAndUserOfEachKind) {
  EXPECT_EQ(to_string(StepStatus::kUserRegister), "USER_REGISTER");
  EXPECT_EQ(to_string(StepStatus::kSocialBind), "SOCIAL_BIND");
  EXPECT_EQ(to_string(StepStatus::kMfaAuth), "MFA_AUTH");
  LoginOutcome ok = LoginSuccess{"tok", 10, "jwt", "u1"};
  EXPECT_EQ(status_of(ok), "SUCCESS");
  EXPECT_EQ(user_of(ok), "u1");
  LoginOutcome mfa = LoginStep{StepStatus::kMfaAuth, "st", "[\"SMS\"]", "u2"};
  EXPECT_EQ(status_of(mfa), "MFA_AUTH");
  EXPECT_EQ(user_of(mfa), "u2");
  LoginOutcome denied = LoginDenied{"u3"};
  EXPECT_EQ(status_of(denied), "ACCESS_DENIED");
  EXPECT_EQ(user_of(denied), "u3");
}

// --- signing_keys ------------------------------------------------------------------------------

class SigningKeysTest : public ::testing::Test {
 protected:
  SigningKeysTest() {
    dir_ = std::filesystem::temp_directory_path() / ("ciamd-flows-keys-" + crypto::random_hex(8));
    std::filesystem::create_directories(dir_);
  }
  ~SigningKeysTest() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Store> open(const Sealer& sealer) {
    auto store = open_store("sqlite://" + (dir_ / "keys.db").string(), sealer);
    store->migrate();
    return store;
  }

  Clock clock_ = [] { return kStart; };
  std::filesystem::path dir_;
};

TEST_F(SigningKeysTest, FirstStartCreatesSealedKeysAndLaterStartsReuseThem) {
  Sealer sealer(testing::master_key('a'));
  std::string rsa_kid, ec_kid;
  {
    auto store = open(sealer);
    KeyRing ring;
    load_signing_keys(*store, sealer, ring, clock_);
    ASSERT_TRUE(ring.has_signer(JwsAlg::kRS256));
    ASSERT_TRUE(ring.has_signer(JwsAlg::kES256));
    rsa_kid = ring.signer_kid(JwsAlg::kRS256);
    ec_kid = ring.signer_kid(JwsAlg::kES256);
    std::vector<SigningKeyRecord> records = store->list_signing_keys();
    ASSERT_EQ(records.size(), 2u);
    for (const SigningKeyRecord& r : records) {
      EXPECT_EQ(r.kid, r.algorithm == "RS256" ? rsa_kid : ec_kid);
      EXPECT_EQ(r.state, "active");
      EXPECT_EQ(r.created_at, kStart);
      EXPECT_EQ(r.activates_at, kStart);
      EXPECT_EQ(r.sealed_private_key.find("PRIVATE KEY"), std::string::npos);
      EXPECT_TRUE(sealer.open(r.sealed_private_key, r.kid));
    }
  }
  auto store = open(sealer);
  KeyRing ring;
  load_signing_keys(*store, sealer, ring, clock_);
  EXPECT_EQ(ring.signer_kid(JwsAlg::kRS256), rsa_kid);
  EXPECT_EQ(ring.signer_kid(JwsAlg::kES256), ec_kid);
  EXPECT_EQ(store->list_signing_keys().size(), 2u);
  // A token signed after the restart verifies under the same key.
  std::optional<JwsParts> parts = ring.verify(ring.sign(R"({"sub":"x"})", JwsAlg::kRS256));
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->header.at("kid").as_string(), rsa_kid);
}

TEST_F(SigningKeysTest, AWrongMasterKeyStopsTheServer) {
  Sealer right(testing::master_key('a'));
  {
    auto store = open(right);
    KeyRing ring;
    load_signing_keys(*store, right, ring, clock_);
  }
  Sealer wrong(testing::master_key('b'));
  auto store = open(wrong);
  KeyRing ring;
  EXPECT_THROW(load_signing_keys(*store, wrong, ring, clock_), std::runtime_error);
  EXPECT_FALSE(ring.has_signer(JwsAlg::kRS256));
  EXPECT_EQ(store->list_signing_keys().size(), 2u) << "no further key may be created";
}

// --- app_directory -----------------------------------------------------------------------------

TEST_F(FlowsTest, AppDirectoryFindsAndCachesApplications) {
  AppDirectory apps(*store_, pool_, std::chrono::hours(1));
  add_app(app_with("client-cached", UnboundPolicy::kRegister));
  AppDirectory::AppPtr found = await(apps.find("client-cached"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "App client-cached");

  // Within the TTL a change does not show; after invalidate() it does.
  Application changed = *found;
  changed.name = "Renamed";
  changed.enabled = false;
  ASSERT_TRUE(store_->update_application(changed));
  EXPECT_EQ(await(apps.find("client-cached"))->name, "App client-cached");
  apps.invalidate();
  AppDirectory::AppPtr reread = await(apps.find("client-cached"));
  ASSERT_TRUE(reread);
  EXPECT_EQ(reread->name, "Renamed");
  EXPECT_FALSE(reread->enabled) << "a disabled application is still found";
}

TEST_F(FlowsTest, AppDirectoryCachesUnknownClientIdsToo) {
  AppDirectory apps(*store_, pool_, std::chrono::hours(1));
  EXPECT_FALSE(await(apps.find("client-late")));
  add_app(app_with("client-late", UnboundPolicy::kRegister));
  EXPECT_FALSE(await(apps.find("client-late"))) << "the miss is cached";
  apps.invalidate();
  EXPECT_TRUE(await(apps.find("client-late")));
}

TEST_F(FlowsTest, AppDirectoryRereadsOnceTheTtlHasPassed) {
  // A zero TTL: every entry is stale at once, so every find reads the store.
  AppDirectory apps(*store_, pool_, std::chrono::milliseconds(0));
  EXPECT_FALSE(await(apps.find("client-ttl")));
  Application app = add_app(app_with("client-ttl", UnboundPolicy::kRegister));
  ASSERT_TRUE(await(apps.find("client-ttl")));
  app.name = "Second";
  ASSERT_TRUE(store_->update_application(app));
  EXPECT_EQ(await(apps.find("client-ttl"))->name, "Second");
}

}  // namespace
}  // namespace ciamd
