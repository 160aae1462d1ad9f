#include "app/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>

#include "tokens/base64.hpp"

namespace ciamd {
namespace {

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "ciamd-config-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml";
  }
  void TearDown() override {
    std::remove(path_.c_str());
    unsetenv("CIAMD_SERVER_LISTEN");
    unsetenv("CIAMD_SERVER_THREADS");
    unsetenv("CIAMD_SERVER_DEVELOPMENT");
    unsetenv("CIAMD_UPSTREAM_WEIBO_BASE_URL");
  }
  const std::string& write(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }
  std::string path_;
};

TEST_F(ConfigFile, DefaultsWithoutAFile) {
  const Config cfg = load_config("");
  EXPECT_EQ(cfg.server.listen, "127.0.0.1:8080");
  EXPECT_EQ(cfg.upstream.wechat_base_url, "https://api.weixin.qq.com");
  EXPECT_EQ(cfg.upstream.weibo_base_url, "https://api.weibo.com");
  EXPECT_EQ(cfg.server.max_header_bytes, 8192);
  EXPECT_EQ(cfg.server.max_body_bytes, 65536);
}

TEST_F(ConfigFile, FileValuesApply) {
  const Config cfg = load_config(write(
      "[server]\nlisten = \"0.0.0.0:9000\"\nthreads = 3\n[database]\nurl = \"sqlite://x.db\"\n"));
  EXPECT_EQ(cfg.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(cfg.server.threads, 3);
  EXPECT_EQ(cfg.database.url, "sqlite://x.db");
}

TEST_F(ConfigFile, EnvironmentOverridesTheFile) {
  setenv("CIAMD_SERVER_LISTEN", "127.0.0.1:7000", 1);
  setenv("CIAMD_SERVER_THREADS", "5", 1);
  const Config cfg = load_config(write("[server]\nlisten = \"0.0.0.0:9000\"\nthreads = 3\n"));
  EXPECT_EQ(cfg.server.listen, "127.0.0.1:7000");
  EXPECT_EQ(cfg.server.threads, 5);
}

TEST_F(ConfigFile, WeiboBaseUrlFromTheFileAndTheEnvironment) {
  const std::string& path = write("[upstream]\nweibo_base_url = \"http://127.0.0.1:9100\"\n");
  EXPECT_EQ(load_config(path).upstream.weibo_base_url, "http://127.0.0.1:9100");
  setenv("CIAMD_UPSTREAM_WEIBO_BASE_URL", "https://weibo.test", 1);
  EXPECT_EQ(load_config(path).upstream.weibo_base_url, "https://weibo.test");
}

TEST_F(ConfigFile, BooleansFromTomlAndEnvironment) {
  EXPECT_FALSE(load_config("").server.development);
  EXPECT_TRUE(load_config(write("[server]\ndevelopment = true\n")).server.development);
  EXPECT_THROW(load_config(write("[server]\ndevelopment = 1\n")), ConfigError);
  setenv("CIAMD_SERVER_DEVELOPMENT", "true", 1);
  EXPECT_TRUE(load_config("").server.development);
  setenv("CIAMD_SERVER_DEVELOPMENT", "yes", 1);
  EXPECT_THROW(load_config(""), ConfigError);
}

TEST_F(ConfigFile, OutboxNeedsDevelopmentModeAndSendersAreKnown) {
  try {
    load_config(write("[notify]\nsms = \"outbox\"\n"));
    ADD_FAILURE() << "outbox accepted without development mode";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("[server] development"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_config(write("[notify]\nemail = \"outbox\"\n")), ConfigError);
  EXPECT_THROW(load_config(write("[notify]\nsms = \"carrier-pigeon\"\n")), ConfigError);
  EXPECT_THROW(load_config(write("[notify]\nsmtp_security = \"ssl\"\n")), ConfigError);
  const Config cfg = load_config(
      write("[server]\ndevelopment = true\n[notify]\nsms = \"outbox\"\nemail = \"outbox\"\n"
            "[verification]\ncode_ttl = 120\n"));
  EXPECT_EQ(cfg.notify.sms, "outbox");
  EXPECT_EQ(cfg.verification.code_ttl, 120);
  EXPECT_EQ(cfg.verification.max_attempts, 5);
}

TEST_F(ConfigFile, UnknownKeysAndBadValuesAreErrors) {
  EXPECT_THROW(load_config(write("[server]\nlisten_port = 1\n")), ConfigError);
  EXPECT_THROW(load_config(write("[nosuch]\nx = 1\n")), ConfigError);
  EXPECT_THROW(load_config(write("[server]\nthreads = \"many\"\n")), ConfigError);
  EXPECT_THROW(load_config(write("[server]\nthreads = 100000\n")), ConfigError);
  EXPECT_THROW(load_config(write("[server]\nlisten = true\n")), ConfigError);
  EXPECT_THROW(load_config(write("[server\n")), ConfigError);
  setenv("CIAMD_SERVER_THREADS", "x", 1);
  EXPECT_THROW(load_config(""), ConfigError);
}

TEST_F(ConfigFile, MasterKeyMustBe32Bytes) {
  Config cfg;
  EXPECT_THROW(master_key_bytes(cfg), ConfigError);
  cfg.security.master_key = base64_encode(std::string(16, 'k'));
  EXPECT_THROW(master_key_bytes(cfg), ConfigError);
  cfg.security.master_key = base64_encode(std::string(32, 'k'));
  EXPECT_EQ(master_key_bytes(cfg).size(), 32u);
  cfg.security.master_key.clear();
  cfg.security.master_key_file = write(base64_encode(std::string(32, 'q')) + "\n");
  EXPECT_EQ(master_key_bytes(cfg), std::string(32, 'q'));
}

}  // namespace
}  // namespace ciamd
