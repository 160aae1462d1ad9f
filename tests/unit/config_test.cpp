#include "app/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tokens/base64.hpp"

namespace ciamd {
namespace {

// The message of the ConfigError `f` throws, or "(no error)".
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

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
    unsetenv("CIAMD_SERVR_LISTEN");
    unsetenv("CIAMD_SECURITY_MASTER_KEY_FILE");
    unsetenv("CIAMD_TOTALLY_UNRELATED");
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

TEST_F(ConfigFile, UnknownKeysSuggestTheKeyTheyResemble) {
  const std::string path = write("[server]\nlistn = \"0.0.0.0:1\"\n");
  const std::string message = error_of([&] { load_config(path); });
  EXPECT_NE(message.find(path + ": unknown key [server] listn"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean [server] listen?"), std::string::npos) << message;
}

TEST_F(ConfigFile, UnknownCiamdEnvironmentVariablesAreErrors) {
  setenv("CIAMD_SERVR_LISTEN", "0.0.0.0:9000", 1);
  const std::string message = error_of([] { load_config(""); });
  EXPECT_NE(message.find("environment variable CIAMD_SERVR_LISTEN names no configuration key"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("did you mean CIAMD_SERVER_LISTEN?"), std::string::npos) << message;
  unsetenv("CIAMD_SERVR_LISTEN");
  // Nothing like any key: refused all the same, without a suggestion.
  setenv("CIAMD_TOTALLY_UNRELATED", "1", 1);
  EXPECT_EQ(error_of([] { load_config(""); }).find("did you mean"), std::string::npos);
  EXPECT_NE(error_of([] { load_config(""); }).find("CIAMD_TOTALLY_UNRELATED"), std::string::npos);
  unsetenv("CIAMD_TOTALLY_UNRELATED");
  // The variables the project's own tools set are not configuration keys and are let through.
  for (const char* name : {"CIAMD_CONFIG", "CIAMD_TEST_DATABASE", "CIAMD_DEMO_PORT"}) {
    const bool was_set = std::getenv(name) != nullptr;
    if (!was_set) setenv(name, "x", 1);
    EXPECT_EQ(error_of([] { load_config(""); }), "(no error)") << name;
    if (!was_set) unsetenv(name);
  }
}

TEST_F(ConfigFile, CaFilesAreCheckedAtLoadWithTheKeyThePathAndTheReason) {
  const std::string missing = path_ + ".missing-ca.pem";
  {
    const std::string message =
        error_of([&] { load_config(write("[upstream]\nca_file = \"" + missing + "\"\n")); });
    EXPECT_NE(message.find("[upstream] ca_file (set in " + path_ + ") names " + missing),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  }
  {
    setenv("CIAMD_NOTIFY_SMTP_CA_FILE", missing.c_str(), 1);
    const std::string message = error_of([] { load_config(""); });
    unsetenv("CIAMD_NOTIFY_SMTP_CA_FILE");
    EXPECT_NE(message.find("[notify] smtp_ca_file (set by CIAMD_NOTIFY_SMTP_CA_FILE)"),
              std::string::npos)
        << message;
  }
  const std::string not_pem = path_ + ".not-pem";
  std::ofstream(not_pem) << "hello";
  const std::string message =
      error_of([&] { load_config(write("[upstream]\nca_file = \"" + not_pem + "\"\n")); });
  EXPECT_NE(message.find("holds no PEM certificate"), std::string::npos) << message;
  std::remove(not_pem.c_str());
}

TEST_F(ConfigFile, MasterKeyFileMessagesSayWhyAndWhichSettingNamesIt) {
  const std::string missing = path_ + ".missing-key";
  {
    const std::string message = error_of([&] {
      master_key_bytes(load_config(write("[security]\nmaster_key_file = \"" + missing + "\"\n")));
    });
    EXPECT_NE(message.find("the master key file " + missing), std::string::npos) << message;
    EXPECT_NE(message.find("[security] master_key_file (set in " + path_ + ")"), std::string::npos)
        << message;
    EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  }
  {
    setenv("CIAMD_SECURITY_MASTER_KEY_FILE", missing.c_str(), 1);
    const std::string message = error_of([] { master_key_bytes(load_config("")); });
    EXPECT_NE(message.find("(set by CIAMD_SECURITY_MASTER_KEY_FILE)"), std::string::npos)
        << message;
    unsetenv("CIAMD_SECURITY_MASTER_KEY_FILE");
  }
  Config cfg;
  const std::string key_file = path_ + ".key";
  const auto key_file_holding = [&](const std::string& text) {
    std::ofstream(key_file) << text;
    cfg.security.master_key_file = key_file;
    return error_of([&] { master_key_bytes(cfg); });
  };
  EXPECT_NE(key_file_holding(base64_encode(std::string(16, 'k'))).find("decodes to 16 bytes"),
            std::string::npos);
  EXPECT_NE(key_file_holding("not base64 at all!").find("is not base64"), std::string::npos);
  EXPECT_NE(key_file_holding("").find(key_file + ", named by [security] master_key_file (or "
                                                 "CIAMD_SECURITY_MASTER_KEY_FILE), is empty"),
            std::string::npos);
  if (::geteuid() != 0) {  // root reads any file
    key_file_holding(base64_encode(std::string(32, 'k')));
    ::chmod(key_file.c_str(), 0);
    const std::string message = error_of([&] { master_key_bytes(cfg); });
    EXPECT_NE(message.find("cannot be read by ciamd's user"), std::string::npos) << message;
  }
  std::remove(key_file.c_str());
  cfg.security.master_key_file = ::testing::TempDir();
  EXPECT_NE(error_of([&] { master_key_bytes(cfg); }).find("is a directory"), std::string::npos);
}

TEST_F(ConfigFile, StartupWarningsForUnsafeSettings) {
  const std::string key_file = path_ + ".key";
  std::ofstream(key_file) << base64_encode(std::string(32, 'k')) << "\n";
  ::chmod(key_file.c_str(), 0600);
  Config cfg;
  cfg.security.master_key_file = key_file;
  EXPECT_TRUE(startup_warnings(cfg).empty());  // the defaults: loopback listener and issuer

  ::chmod(key_file.c_str(), 0644);
  std::vector<std::string> w = startup_warnings(cfg);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("the master key file " + key_file), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("mode 0644"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("chmod 600 " + key_file), std::string::npos) << w[0];
  ::chmod(key_file.c_str(), 0600);

  // A loopback issuer or development mode are fine on a loopback listener...
  cfg.server.development = true;
  EXPECT_TRUE(startup_warnings(cfg).empty());
  // ...and warned about on any other.
  cfg.server.listen = "0.0.0.0:8080";
  cfg.notify.sms = "outbox";
  w = startup_warnings(cfg);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("[tokens] issuer (or CIAMD_TOKENS_ISSUER) is http://127.0.0.1:8080, a "
                      "loopback address, while [server] listen is 0.0.0.0:8080"),
            std::string::npos)
      << w[0];
  EXPECT_NE(w[1].find("[server] development (or CIAMD_SERVER_DEVELOPMENT) is true"),
            std::string::npos)
      << w[1];
  EXPECT_NE(w[1].find("outbox file outbox.jsonl"), std::string::npos) << w[1];
  for (const char* issuer : {"http://localhost:8080", "http://[::1]:8080/base"}) {
    cfg.tokens.issuer = issuer;
    EXPECT_EQ(startup_warnings(cfg).size(), 2u) << issuer;
  }
  cfg.server.development = false;
  cfg.tokens.issuer = "https://login.example.com";
  EXPECT_TRUE(startup_warnings(cfg).empty());
  std::remove(key_file.c_str());
}

}  // namespace
}  // namespace ciamd
