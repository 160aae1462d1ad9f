// idp-sim's logic layer, without sockets: the WeChat rules, faults, identifiers and the throwaway
// TLS material. The end-to-end behaviour of the binary is covered by the integration tests.
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "idp-sim/ids.hpp"
#include "idp-sim/sim_state.hpp"
#include "idp-sim/tls_setup.hpp"

namespace idp_sim {
namespace {

class IdpSimWechatState : public ::testing::Test {
 protected:
  IdpSimWechatState() : state_(SimOptions{600, [this] { return now_.load(); }}) {
    wechat().add_app("wxapp1", "secret1");
    wechat().add_app("wxapp2", "secret2");
    NewWechatUser spec;
    spec.user_key = "alice";
    spec.nickname = "Alice";
    user_ = wechat().add_user(spec).value();
  }

  WechatState& wechat() { return state_.wechat(); }

  std::string mint(const std::string& appid = "wxapp1", const std::string& user = "alice",
                   const std::string& scope = "", std::optional<std::int64_t> ttl = {}) {
    return wechat().mint_code(appid, user, scope, ttl).value().code;
  }

  WxResult<TokenGrant> exchange(const std::string& code, const std::string& appid = "wxapp1",
                                const std::string& secret = "secret1",
                                const std::string& grant_type = "authorization_code") {
    return wechat().exchange_code(CodeExchange{appid, secret, code, grant_type});
  }

  std::atomic<std::int64_t> now_{1'700'000'000};
  SimState state_;
  WechatUser user_;
};

int errcode_of(const WxResult<TokenGrant>& r) {
  return r ? 0 : r.error().errcode;
}

TEST_F(IdpSimWechatState, CodeExchangesOnceThen40163) {
  const std::string code = mint();
  const auto first = exchange(code);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->expires_in, 7200);
  EXPECT_EQ(first->scope, "snsapi_userinfo");
  EXPECT_EQ(first->openid, derive_openid("wxapp1", "alice"));
  EXPECT_EQ(first->unionid, user_.unionid);
  EXPECT_NE(first->access_token, first->refresh_token);

  const auto second = exchange(code);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().errcode, 40163);
  EXPECT_EQ(second.error().text, "code been used");
}

TEST_F(IdpSimWechatState, CodeExpiresAfterTtl) {
  const std::string fresh = mint();
  const std::string stale = mint();
  const std::string short_lived = mint("wxapp1", "alice", "", 5);
  now_ += 599;
  EXPECT_TRUE(exchange(fresh));
  EXPECT_EQ(errcode_of(exchange(short_lived)), 40029);
  now_ += 1;
  EXPECT_EQ(errcode_of(exchange(stale)), 40029);
}

TEST_F(IdpSimWechatState, ClockAdvanceExpiresCodes) {
  const std::string code = mint();
  state_.clock().advance(600);
  EXPECT_EQ(errcode_of(exchange(code)), 40029);
  state_.reset();
  EXPECT_EQ(state_.clock().offset(), 0);
}

TEST_F(IdpSimWechatState, AnotherAppsCodeIsInvalid) {
  const std::string code = mint("wxapp2");
  const auto r = exchange(code, "wxapp1", "secret1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errcode, 40029);
  EXPECT_EQ(r.error().text, "invalid code");
  EXPECT_TRUE(exchange(code, "wxapp2", "secret2")) << "the failed attempt must not consume it";
}

TEST_F(IdpSimWechatState, CredentialErrorsInDocumentedOrder) {
  const std::string code = mint();
  EXPECT_EQ(errcode_of(exchange(code, "", "", "")), 41002);
  EXPECT_EQ(errcode_of(exchange(code, "nosuchapp", "", "")), 40013);
  EXPECT_EQ(errcode_of(exchange(code, "wxapp1", "", "")), 41004);
  EXPECT_EQ(errcode_of(exchange(code, "wxapp1", "wrong", "")), 40125);
  EXPECT_EQ(errcode_of(exchange(code, "wxapp1", "secret1", "client_credential")), 40002);
  EXPECT_EQ(errcode_of(exchange("", "wxapp1", "secret1")), 41008);
  EXPECT_EQ(errcode_of(exchange("nosuchcode", "wxapp1", "secret1")), 40029);
  EXPECT_EQ(errcode_of(exchange(code, "wxapp2", "secret1")), 40125);
  EXPECT_TRUE(exchange(code)) << "none of the failures consumed the code";
}

TEST_F(IdpSimWechatState, ConcurrentExchangesOfOneCodeSucceedOnce) {
  const std::string code = mint();
  std::atomic<int> successes{0}, used{0};
  std::vector<std::jthread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      const auto r = exchange(code);
      if (r) ++successes;
      if (!r && r.error().errcode == 40163) ++used;
    });
  }
  threads.clear();
  EXPECT_EQ(successes, 1);
  EXPECT_EQ(used, 7);
}

TEST_F(IdpSimWechatState, OpenidIsDeterministicPerAppAndDiffersAcrossApps) {
  const std::string a1 = derive_openid("wxapp1", "alice");
  EXPECT_EQ(a1, derive_openid("wxapp1", "alice"));
  EXPECT_NE(a1, derive_openid("wxapp2", "alice"));
  EXPECT_NE(a1, derive_openid("wxapp1", "bob"));
  EXPECT_TRUE(std::regex_match(a1, std::regex("o[A-Za-z0-9_-]{27}")));

  const auto minted1 = wechat().mint_code("wxapp1", "alice", "", {}).value();
  const auto minted2 = wechat().mint_code("wxapp2", "alice", "", {}).value();
  EXPECT_EQ(minted1.openid, a1);
  EXPECT_EQ(exchange(minted1.code)->openid, minted1.openid);
  const auto g2 = exchange(minted2.code, "wxapp2", "secret2");
  EXPECT_EQ(g2->openid, minted2.openid);
  EXPECT_NE(minted1.openid, minted2.openid);
  EXPECT_EQ(minted1.unionid, minted2.unionid) << "unionid is per user, not per app";
}

TEST_F(IdpSimWechatState, UnionidOmittedForUserWithout) {
  NewWechatUser spec;
  spec.generate_unionid = false;
  const auto bob = wechat().add_user(spec).value();
  EXPECT_FALSE(bob.unionid);
  EXPECT_EQ(bob.user_key.rfind("user-", 0), 0u);
  const auto minted = wechat().mint_code("wxapp1", bob.user_key, "", {}).value();
  EXPECT_FALSE(minted.unionid);
  const auto grant = exchange(minted.code);
  ASSERT_TRUE(grant);
  EXPECT_FALSE(grant->unionid);
  const auto info = wechat().userinfo(grant->access_token, grant->openid);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->user.unionid);

  ASSERT_TRUE(user_.unionid);
  EXPECT_TRUE(std::regex_match(*user_.unionid, std::regex("o[A-Za-z0-9_-]{27}")));
}

TEST_F(IdpSimWechatState, AddUserValidates) {
  NewWechatUser dup;
  dup.user_key = "alice";
  EXPECT_EQ(wechat().add_user(dup).error().status, 400);
  EXPECT_EQ(wechat().mint_code("nosuchapp", "alice", "", {}).error().status, 404);
  EXPECT_EQ(wechat().mint_code("wxapp1", "nobody", "", {}).error().status, 404);
  EXPECT_EQ(wechat().mint_code("wxapp1", "alice", "snsapi_login", {}).error().status, 400);
}

TEST_F(IdpSimWechatState, UserinfoAndAuthErrors) {
  const auto grant = exchange(mint()).value();
  const auto info = wechat().userinfo(grant.access_token, grant.openid);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->user.nickname, "Alice");
  EXPECT_TRUE(wechat().check_token(grant.access_token, grant.openid));

  EXPECT_EQ(wechat().userinfo("", grant.openid).error().errcode, 41001);
  EXPECT_EQ(wechat().userinfo("bogus", grant.openid).error().errcode, 40014);
  EXPECT_EQ(wechat().userinfo(grant.access_token, "oOther").error().errcode, 40003);
  EXPECT_EQ(wechat().check_token(grant.access_token, "oOther").error().errcode, 40003);
  EXPECT_EQ(wechat().check_token("bogus", grant.openid).error().errcode, 40014);

  now_ += 7200;
  EXPECT_EQ(wechat().userinfo(grant.access_token, grant.openid).error().errcode, 42001);
  EXPECT_EQ(wechat().check_token(grant.access_token, grant.openid).error().errcode, 42001);
}

TEST_F(IdpSimWechatState, BaseScopeHasNoUnionidAndNoUserinfo) {
  const auto minted = wechat().mint_code("wxapp1", "alice", "snsapi_base", {}).value();
  EXPECT_FALSE(minted.unionid);
  const auto grant = exchange(minted.code).value();
  EXPECT_EQ(grant.scope, "snsapi_base");
  EXPECT_FALSE(grant.unionid);
  const auto info = wechat().userinfo(grant.access_token, grant.openid);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().errcode, 48001);
  EXPECT_EQ(info.error().text, "api unauthorized");
}

TEST_F(IdpSimWechatState, RefreshExtendsLiveTokenAndReplacesExpiredOne) {
  const auto grant = exchange(mint()).value();
  const auto refresh = [&](const std::string& appid, const std::string& rt) {
    return wechat().refresh(TokenRefresh{appid, "refresh_token", rt});
  };
  now_ += 7000;
  const auto kept = refresh("wxapp1", grant.refresh_token);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->access_token, grant.access_token);
  EXPECT_EQ(kept->refresh_token, grant.refresh_token);
  EXPECT_FALSE(kept->unionid);
  now_ += 7000;  // past the original expiry, inside the extended one
  EXPECT_TRUE(wechat().check_token(grant.access_token, grant.openid));

  now_ += 7200;
  const auto replaced = refresh("wxapp1", grant.refresh_token);
  ASSERT_TRUE(replaced);
  EXPECT_NE(replaced->access_token, grant.access_token);
  EXPECT_TRUE(wechat().userinfo(replaced->access_token, grant.openid));
  EXPECT_EQ(wechat().check_token(grant.access_token, grant.openid).error().errcode, 40014);

  EXPECT_EQ(refresh("wxapp2", grant.refresh_token).error().errcode, 40030);
  EXPECT_EQ(refresh("wxapp1", "bogus").error().errcode, 40030);
  EXPECT_EQ(refresh("wxapp1", "").error().errcode, 41003);
  EXPECT_EQ(wechat()
                .refresh(TokenRefresh{"wxapp1", "authorization_code", grant.refresh_token})
                .error()
                .errcode,
            40002);
  now_ += kRefreshTokenTtl;
  EXPECT_EQ(refresh("wxapp1", grant.refresh_token).error().errcode, 42002);
}

TEST_F(IdpSimWechatState, ResetKeepsAppsOnly) {
  const std::string code = mint();
  state_.faults().add("/sns/auth", Fault{});
  state_.faults().on_call("/sns/auth");
  state_.reset();
  EXPECT_TRUE(wechat().has_app("wxapp1"));
  EXPECT_EQ(errcode_of(exchange(code)), 40029);
  EXPECT_EQ(wechat().mint_code("wxapp1", "alice", "", {}).error().status, 404);
  EXPECT_TRUE(state_.faults().calls().empty());
}

TEST(IdpSimFaultBook, FaultsApplyInOrderAndCallsAreCounted) {
  FaultBook book;
  book.add_known_path("/sns/oauth2/access_token");
  book.add_known_path("/sns/userinfo");
  Fault quota;
  quota.errcode = 45011;
  quota.count = 2;
  Fault bad_gateway;
  bad_gateway.http_status = 502;
  book.add("/sns/oauth2/access_token", quota);
  book.add("/sns/oauth2/access_token", bad_gateway);

  const std::string path = "/sns/oauth2/access_token";
  EXPECT_EQ(book.on_call(path)->errcode, 45011);
  EXPECT_EQ(book.on_call(path)->errcode, 45011);
  EXPECT_EQ(book.on_call(path)->http_status, 502);
  EXPECT_FALSE(book.on_call(path));
  EXPECT_FALSE(book.on_call("/sns/userinfo"));

  const auto calls = book.calls();
  EXPECT_EQ(calls.at(path), 4);
  EXPECT_EQ(calls.at("/sns/userinfo"), 1);
  EXPECT_TRUE(book.is_known_path(path));
  EXPECT_FALSE(book.is_known_path("/sns/nosuch"));
  book.reset();
  EXPECT_EQ(book.calls().at(path), 0) << "known paths are listed with 0";
}

TEST(IdpSimFaultBook, ForeverFaultNeverRunsOut) {
  FaultBook book;
  Fault slow;
  slow.latency_ms = 50;
  slow.count = -1;
  book.add("/sns/auth", slow);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(book.on_call("/sns/auth")->latency_ms, 50);
  book.clear();
  EXPECT_FALSE(book.on_call("/sns/auth"));
}

TEST_F(IdpSimWechatState, SystemErrorFaultStillConsumesTheCode) {
  // What the HTTP layer does for a call of /sns/oauth2/access_token with a -1 fault queued.
  Fault busy;
  busy.errcode = -1;
  state_.faults().add("/sns/oauth2/access_token", busy);
  const std::string code = mint();
  const auto fault = state_.faults().on_call("/sns/oauth2/access_token");
  ASSERT_TRUE(fault);
  ASSERT_TRUE(fault_runs_handler(*fault));
  EXPECT_TRUE(exchange(code));  // the answer is discarded; the client sees -1
  EXPECT_EQ(default_wechat_errmsg(-1), "system error");
  EXPECT_EQ(errcode_of(exchange(code)), 40163) << "the retry finds the code used";

  Fault quota;
  quota.errcode = 45011;
  EXPECT_FALSE(fault_runs_handler(quota));
  busy.http_status = 502;
  EXPECT_FALSE(fault_runs_handler(busy));
}

TEST(IdpSimIds, RidFormatAndErrmsgSuffix) {
  const std::regex rid("[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}");
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    const std::string r = new_rid();
    EXPECT_TRUE(std::regex_match(r, rid)) << r;
    seen.insert(r);
  }
  EXPECT_EQ(seen.size(), 50u);
  const std::string msg = wechat_errmsg("invalid code");
  EXPECT_TRUE(
      std::regex_match(msg, std::regex("invalid code, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}")))
      << msg;
}

TEST(IdpSimIds, CodesAndTokensHaveTheirShapes) {
  EXPECT_TRUE(std::regex_match(new_code(), std::regex("[0-9A-Za-z]{32}")));
  EXPECT_TRUE(std::regex_match(new_token(), std::regex("[0-9A-Za-z_-]{86}")));
  EXPECT_NE(new_code(), new_code());
}

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};

std::unique_ptr<X509, Deleter<X509_free>> read_first_cert(const std::filesystem::path& path) {
  std::unique_ptr<FILE, Deleter<std::fclose>> f(std::fopen(path.c_str(), "r"));
  if (!f) return nullptr;
  return std::unique_ptr<X509, Deleter<X509_free>>(
      PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
}

TEST(IdpSimTlsSetup, ServerCertificateChainsToTheCaWithLocalhostNames) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("idp_sim_tls_" + random_chars(kAlnum, 8));
  const TlsMaterial tls = generate_tls_material(dir);

  const auto ca = read_first_cert(tls.ca_file);
  const auto leaf = read_first_cert(tls.chain_file);
  ASSERT_TRUE(ca);
  ASSERT_TRUE(leaf);
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_host(leaf.get(), "example.com", 0, 0, nullptr), 1);

  std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>> store(X509_STORE_new());
  ASSERT_EQ(X509_STORE_add_cert(store.get(), ca.get()), 1);
  std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
  ASSERT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr), 1);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  EXPECT_EQ(X509_verify_cert(ctx.get()), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));

  struct stat st {};
  ASSERT_EQ(::stat(tls.key_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace idp_sim
