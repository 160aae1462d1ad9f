// flows/admin/applications: validation of AppChanges and the operator actions, against a real
// SQLite store.
#include <gtest/gtest.h>

#include <string>

#include "flows/admin/applications.hpp"
#include "flows_test_support.hpp"

namespace ciamd {
namespace {

class AdminTest : public testing::FlowsTest {
 protected:
  ErrorCode create_error(const AppChanges& c) {
    Result<Application> r = apps_admin_.create(c, now_);
    if (r) return ErrorCode::kNotFound;  // "no error": never an admin code
    return r.error().code;
  }
};

TEST_F(AdminTest, CreateWithDefaults) {
  Result<Application> app = apps_admin_.create(AppChanges{}, now_);
  ASSERT_TRUE(app) << app.error().detail;
  EXPECT_EQ(app->client_id.size(), 32u);
  EXPECT_EQ(app->name, app->client_id);
  EXPECT_TRUE(app->enabled);
  EXPECT_EQ(app->unbound, UnboundPolicy::kRegister);
  EXPECT_EQ(app->access, AccessPolicy::kAll);
  EXPECT_EQ(app->mfa, MfaPolicy::kOff);
  EXPECT_EQ(app->mfa_factors, (std::vector<MfaFactor>{MfaFactor::kSms, MfaFactor::kEmail}));
  EXPECT_EQ(app->weibo_app_key, "");
  EXPECT_EQ(app->id_token_ttl, kDefaultIdTokenTtl);
  EXPECT_EQ(app->wechat_session_ttl, kDefaultWechatSessionTtl);
  EXPECT_EQ(app->weibo_session_ttl, kDefaultWeiboSessionTtl);
  EXPECT_EQ(app->miniprogram_session_ttl, kDefaultWechatSessionTtl);
  EXPECT_FALSE(app->wechat.configured());
  EXPECT_FALSE(app->miniprogram.configured());
  EXPECT_EQ(app->allowed_country_codes, std::vector<std::string>{"86"});
  EXPECT_EQ(app->hourly_send_budget, kDefaultHourlySendBudget);
  EXPECT_EQ(app->created_at, testing::kStart);
  EXPECT_EQ(app->updated_at, testing::kStart);

  Result<Application> again = apps_admin_.get(app->client_id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->name, app->client_id);
  EXPECT_NE(apps_admin_.create(AppChanges{}, now_)->client_id, app->client_id);
}

TEST_F(AdminTest, CreateWithEveryField) {
  AppChanges c;
  c.client_id = "demo-app_01";
  c.name = "Demo";
  c.unbound = "auto_create";
  c.bind_methods = "VERIFY_EMAIL, VERIFY_PHONE";
  c.access = "assigned";
  c.mfa = "new_device";
  c.mfa_factors = "EMAIL, SMS";
  c.weibo_app_key = "2882303761";
  c.wechat_appid = "wx123";
  c.wechat_secret = "s3cret";
  c.miniprogram_appid = "wxmini";
  c.miniprogram_secret = "m1ni";
  c.id_token_ttl = 600;
  c.wechat_session_ttl = 3600;
  c.miniprogram_session_ttl = 1800;
  c.weibo_session_ttl = 7200;
  c.allowed_country_codes = "86, +852,1,852";
  c.hourly_send_budget = 50;
  c.enabled = false;
  ASSERT_TRUE(apps_admin_.create(c, now_));

  Result<Application> app = apps_admin_.get("demo-app_01");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->name, "Demo");
  EXPECT_EQ(app->unbound, UnboundPolicy::kAutoCreate);
  EXPECT_EQ(app->bind_methods,
            (std::vector<BindMethod>{BindMethod::kVerifyEmail, BindMethod::kVerifyPhone}));
  EXPECT_EQ(app->access, AccessPolicy::kAssigned);
  EXPECT_EQ(app->mfa, MfaPolicy::kNewDevice);
  EXPECT_EQ(app->mfa_factors, (std::vector<MfaFactor>{MfaFactor::kEmail, MfaFactor::kSms}));
  EXPECT_EQ(app->weibo_app_key, "2882303761");
  EXPECT_EQ(app->wechat.appid, "wx123");
  EXPECT_EQ(app->wechat.secret, "s3cret");
  EXPECT_EQ(app->miniprogram.appid, "wxmini");
  EXPECT_EQ(app->miniprogram.secret, "m1ni");
  EXPECT_EQ(app->id_token_ttl, 600);
  EXPECT_EQ(app->wechat_session_ttl, 3600);
  EXPECT_EQ(app->miniprogram_session_ttl, 1800);
  EXPECT_EQ(app->weibo_session_ttl, 7200);
  // Trimmed, the "+" dropped, repeats dropped, in the order given.
  EXPECT_EQ(app->allowed_country_codes, (std::vector<std::string>{"86", "852", "1"}));
  EXPECT_EQ(app->hourly_send_budget, 50);
  EXPECT_FALSE(app->enabled);
}

TEST_F(AdminTest, CreateRejectsEachInvalidFieldAndWritesNothing) {
  const auto with = [](auto set) {
    AppChanges c;
    c.client_id = "valid-client";
    set(c);
    return c;
  };
  const std::vector<std::pair<std::string, AppChanges>> cases = {
      {"short client id", with([](AppChanges& c) { c.client_id = "abcdefg"; })},
      {"long client id", with([](AppChanges& c) { c.client_id = std::string(65, 'a'); })},
      {"client id chars", with([](AppChanges& c) { c.client_id = "bad id!!"; })},
      {"empty name", with([](AppChanges& c) { c.name = ""; })},
      {"long name", with([](AppChanges& c) { c.name = std::string(129, 'n'); })},
      {"unbound", with([](AppChanges& c) { c.unbound = "sometimes"; })},
      {"bind methods", with([](AppChanges& c) { c.bind_methods = "VERIFY_PHONE,SMS"; })},
      {"empty bind methods", with([](AppChanges& c) { c.bind_methods = ""; })},
      {"access", with([](AppChanges& c) { c.access = "everyone"; })},
      {"mfa", with([](AppChanges& c) { c.mfa = "sms"; })},
      {"mfa factors", with([](AppChanges& c) { c.mfa_factors = "SMS,TOTP"; })},
      {"mfa factors lower case", with([](AppChanges& c) { c.mfa_factors = "sms"; })},
      {"empty mfa factors", with([](AppChanges& c) { c.mfa_factors = ""; })},
      {"mfa factors only commas", with([](AppChanges& c) { c.mfa_factors = ","; })},
      {"weibo app key letters", with([](AppChanges& c) { c.weibo_app_key = "28823abc"; })},
      {"weibo app key sign", with([](AppChanges& c) { c.weibo_app_key = "-2882303761"; })},
      {"weibo app key space", with([](AppChanges& c) { c.weibo_app_key = " 2882303761"; })},
      {"id token ttl low", with([](AppChanges& c) { c.id_token_ttl = 59; })},
      {"id token ttl high", with([](AppChanges& c) { c.id_token_ttl = 24 * 3600 + 1; })},
      {"negative ttl", with([](AppChanges& c) { c.wechat_session_ttl = -1; })},
      {"session ttl high",
       with([](AppChanges& c) { c.weibo_session_ttl = 10LL * 365 * 24 * 3600 + 1; })},
      {"appid alone", with([](AppChanges& c) { c.wechat_appid = "wx1"; })},
      {"secret alone", with([](AppChanges& c) { c.wechat_secret = "s"; })},
      {"miniprogram appid alone", with([](AppChanges& c) { c.miniprogram_appid = "wx1"; })},
      {"miniprogram secret alone", with([](AppChanges& c) { c.miniprogram_secret = "s"; })},
      {"miniprogram secret with the wechat appid", with([](AppChanges& c) {
         c.wechat_appid = "wx1";
         c.miniprogram_secret = "s";
       })},
      {"miniprogram session ttl low", with([](AppChanges& c) { c.miniprogram_session_ttl = 59; })},
      {"empty country codes", with([](AppChanges& c) { c.allowed_country_codes = ""; })},
      {"country codes only commas", with([](AppChanges& c) { c.allowed_country_codes = ","; })},
      {"country code letters", with([](AppChanges& c) { c.allowed_country_codes = "86,CN"; })},
      {"country code too long", with([](AppChanges& c) { c.allowed_country_codes = "8612"; })},
      {"country code leading zero", with([](AppChanges& c) { c.allowed_country_codes = "086"; })},
      {"country code of no country", with([](AppChanges& c) { c.allowed_country_codes = "12"; })},
      {"budget zero", with([](AppChanges& c) { c.hourly_send_budget = 0; })},
      {"budget too high", with([](AppChanges& c) { c.hourly_send_budget = 1'000'001; })},
      {"miniprogram session ttl high",
       with([](AppChanges& c) { c.miniprogram_session_ttl = 10LL * 365 * 24 * 3600 + 1; })},
  };
  for (const auto& [what, c] : cases) {
    EXPECT_EQ(create_error(c), ErrorCode::kAdminInvalidArgument) << what;
  }
  EXPECT_TRUE(store_->list_applications().empty());
}

TEST_F(AdminTest, CreateAcceptsTheBoundaries) {
  AppChanges c;
  c.client_id = "abcdefgh";
  c.name = std::string(128, 'n');
  c.id_token_ttl = 60;
  c.wechat_session_ttl = 10LL * 365 * 24 * 3600;
  c.miniprogram_session_ttl = 60;
  EXPECT_TRUE(apps_admin_.create(c, now_));
  c.client_id = std::string(64, 'Z');
  c.name = "x";
  c.id_token_ttl = 24 * 3600;
  c.weibo_session_ttl = 60;
  c.miniprogram_session_ttl = 10LL * 365 * 24 * 3600;
  EXPECT_TRUE(apps_admin_.create(c, now_));
}

TEST_F(AdminTest, CreateTwiceIsAConflict) {
  AppChanges c;
  c.client_id = "same-client";
  ASSERT_TRUE(apps_admin_.create(c, now_));
  EXPECT_EQ(create_error(c), ErrorCode::kAdminConflict);
}

TEST_F(AdminTest, UpdateChangesOnlyWhatIsSet) {
  AppChanges c;
  c.client_id = "upd-client";
  c.name = "Before";
  c.wechat_appid = "wx1";
  c.wechat_secret = "one";
  ASSERT_TRUE(apps_admin_.create(c, now_));

  now_ += 100;
  AppChanges u;
  u.unbound = "reject";
  u.wechat_secret = "two";  // the appid is already set
  Result<Application> updated = apps_admin_.update("upd-client", u, now_);
  ASSERT_TRUE(updated) << updated.error().detail;

  Result<Application> app = apps_admin_.get("upd-client");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->name, "Before");
  EXPECT_EQ(app->unbound, UnboundPolicy::kReject);
  EXPECT_EQ(app->wechat.appid, "wx1");
  EXPECT_EQ(app->wechat.secret, "two");
  EXPECT_EQ(app->created_at, testing::kStart);
  EXPECT_EQ(app->updated_at, testing::kStart + 100);

  AppChanges clear;
  clear.wechat_appid = "";
  clear.wechat_secret = "";
  ASSERT_TRUE(apps_admin_.update("upd-client", clear, now_));
  EXPECT_FALSE(apps_admin_.get("upd-client")->wechat.configured());
}

TEST_F(AdminTest, UpdateMiniProgramSettingsIndependently) {
  AppChanges c;
  c.client_id = "mini-client";
  c.wechat_appid = "wx-app";
  c.wechat_secret = "app-secret";
  ASSERT_TRUE(apps_admin_.create(c, now_));

  // Added to an app that has the mobile app's credentials, which stay as they were.
  AppChanges add;
  add.miniprogram_appid = "wx-mini";
  add.miniprogram_secret = "one";
  add.miniprogram_session_ttl = 86400;
  ASSERT_TRUE(apps_admin_.update("mini-client", add, now_));
  Result<Application> app = apps_admin_.get("mini-client");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->miniprogram.appid, "wx-mini");
  EXPECT_EQ(app->miniprogram.secret, "one");
  EXPECT_EQ(app->miniprogram_session_ttl, 86400);
  EXPECT_EQ(app->wechat.appid, "wx-app");
  EXPECT_EQ(app->wechat.secret, "app-secret");
  EXPECT_EQ(app->wechat_session_ttl, kDefaultWechatSessionTtl);

  // The secret alone, as its appid is set; then half a credential is refused.
  AppChanges rotate;
  rotate.miniprogram_secret = "two";
  ASSERT_TRUE(apps_admin_.update("mini-client", rotate, now_));
  EXPECT_EQ(apps_admin_.get("mini-client")->miniprogram.secret, "two");
  AppChanges half;
  half.miniprogram_secret = "";
  EXPECT_EQ(apps_admin_.update("mini-client", half, now_).error().code,
            ErrorCode::kAdminInvalidArgument);
  EXPECT_EQ(apps_admin_.get("mini-client")->miniprogram.secret, "two");

  AppChanges clear;
  clear.miniprogram_appid = "";
  clear.miniprogram_secret = "";
  ASSERT_TRUE(apps_admin_.update("mini-client", clear, now_));
  app = apps_admin_.get("mini-client");
  ASSERT_TRUE(app);
  EXPECT_FALSE(app->miniprogram.configured());
  EXPECT_TRUE(app->wechat.configured());
}

TEST_F(AdminTest, UpdateRejectsInvalidChangesAndKeepsTheStoredApp) {
  AppChanges c;
  c.client_id = "keep-client";
  c.name = "Kept";
  ASSERT_TRUE(apps_admin_.create(c, now_));

  AppChanges bad;
  bad.name = "Changed";
  bad.mfa = "sometimes";
  EXPECT_EQ(apps_admin_.update("keep-client", bad, now_).error().code,
            ErrorCode::kAdminInvalidArgument);
  AppChanges rename;
  rename.client_id = "other-client";
  EXPECT_EQ(apps_admin_.update("keep-client", rename, now_).error().code,
            ErrorCode::kAdminInvalidArgument);
  AppChanges half;
  half.wechat_appid = "wx-only";
  EXPECT_EQ(apps_admin_.update("keep-client", half, now_).error().code,
            ErrorCode::kAdminInvalidArgument);
  EXPECT_EQ(apps_admin_.get("keep-client")->name, "Kept");
  EXPECT_EQ(apps_admin_.get("keep-client")->mfa, MfaPolicy::kOff);

  AppChanges same;
  same.client_id = "keep-client";
  same.enabled = false;
  ASSERT_TRUE(apps_admin_.update("keep-client", same, now_));
  EXPECT_FALSE(apps_admin_.get("keep-client")->enabled);
}

TEST_F(AdminTest, UpdateWeiboAppKeyAndMfaFactors) {
  AppChanges c;
  c.client_id = "weibo-client";
  ASSERT_TRUE(apps_admin_.create(c, now_));

  AppChanges set;
  set.weibo_app_key = "2882303761";
  set.mfa_factors = "EMAIL";
  ASSERT_TRUE(apps_admin_.update("weibo-client", set, now_));
  Result<Application> app = apps_admin_.get("weibo-client");
  ASSERT_TRUE(app);
  EXPECT_EQ(app->weibo_app_key, "2882303761");
  EXPECT_EQ(app->mfa_factors, std::vector<MfaFactor>{MfaFactor::kEmail});

  // Invalid values are refused and change nothing, the valid field of the same update included.
  for (const auto& [key, factors] : {std::pair<std::string, std::string>{"123", "SMS,FAX"},
                                     std::pair<std::string, std::string>{"12a", "SMS"}}) {
    AppChanges bad;
    bad.weibo_app_key = key;
    bad.mfa_factors = factors;
    EXPECT_EQ(apps_admin_.update("weibo-client", bad, now_).error().code,
              ErrorCode::kAdminInvalidArgument)
        << key << " " << factors;
  }
  AppChanges no_factors;
  no_factors.mfa_factors = "";
  EXPECT_EQ(apps_admin_.update("weibo-client", no_factors, now_).error().code,
            ErrorCode::kAdminInvalidArgument);
  app = apps_admin_.get("weibo-client");
  EXPECT_EQ(app->weibo_app_key, "2882303761");
  EXPECT_EQ(app->mfa_factors, std::vector<MfaFactor>{MfaFactor::kEmail});

  // "" removes the Weibo app; repeats in the factor list are dropped.
  AppChanges clear;
  clear.weibo_app_key = "";
  clear.mfa_factors = "SMS,SMS,EMAIL";
  ASSERT_TRUE(apps_admin_.update("weibo-client", clear, now_));
  app = apps_admin_.get("weibo-client");
  EXPECT_EQ(app->weibo_app_key, "");
  EXPECT_EQ(app->mfa_factors, (std::vector<MfaFactor>{MfaFactor::kSms, MfaFactor::kEmail}));
}

TEST_F(AdminTest, UnknownApplicationIsNotFound) {
  EXPECT_EQ(apps_admin_.get("nobody-here").error().code, ErrorCode::kAdminNotFound);
  AppChanges u;
  u.name = "x";
  EXPECT_EQ(apps_admin_.update("nobody-here", u, now_).error().code, ErrorCode::kAdminNotFound);
}

TEST_F(AdminTest, AssignUserToApplication) {
  AppChanges c;
  c.client_id = "assign-client";
  c.access = "assigned";
  ASSERT_TRUE(apps_admin_.create(c, now_));
  add_user("u-1");

  EXPECT_EQ(apps_admin_.assign("assign-client", "nobody").error().code, ErrorCode::kAdminNotFound);
  EXPECT_EQ(apps_admin_.assign("no-such-app", "u-1").error().code, ErrorCode::kAdminNotFound);
  EXPECT_FALSE(store_->is_assigned("assign-client", "u-1"));
  EXPECT_TRUE(apps_admin_.assign("assign-client", "u-1"));
  EXPECT_TRUE(apps_admin_.assign("assign-client", "u-1")) << "idempotent";
  EXPECT_TRUE(store_->is_assigned("assign-client", "u-1"));
}

TEST_F(AdminTest, DisableAndEnableAUser) {
  add_user("u-2");
  EXPECT_EQ(users_admin_.get("nobody").error().code, ErrorCode::kAdminNotFound);
  EXPECT_EQ(users_admin_.set_enabled("nobody", false, now_).error().code,
            ErrorCode::kAdminNotFound);

  now_ += 10;
  Result<User> off = users_admin_.set_enabled("u-2", false, now_);
  ASSERT_TRUE(off);
  EXPECT_EQ(off->status, UserStatus::kDisabled);
  EXPECT_EQ(off->updated_at, testing::kStart + 10);
  EXPECT_EQ(users_admin_.get("u-2")->status, UserStatus::kDisabled);

  Result<User> on = users_admin_.set_enabled("u-2", true, now_);
  ASSERT_TRUE(on);
  EXPECT_EQ(on->status, UserStatus::kActive);
  EXPECT_EQ(users_admin_.get("u-2")->name, "Name u-2");
}

}  // namespace
}  // namespace ciamd
