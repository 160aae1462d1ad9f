// The common checks and body validation of POST /api/v2/sdk/login/wechat, in the order of
// docs/api.md "Common rules": device headers -> client id -> application -> body. Every rejection
// is checked in English and Chinese, must leave the database unchanged (only the audit trail grows)
// and must never reach the upstream provider.
#include <gtest/gtest.h>

#include <functional>

#include "integration/support/suite.hpp"

namespace it {
namespace {

constexpr const char* kExchangePath = "/sns/oauth2/access_token";
const char* const kDeviceHeaders[] = {"X-operating-sys-version", "X-device-fingerprint", "X-agent"};

struct Req {
  Headers headers;
  std::string body;
};

// Audit rows a rejection writes. Every outcome of the login endpoint is audited (issue 2); a
// request the HTTP layer refuses before routing (oversized head or body) is not a login outcome.
constexpr int kAudited = 1;
constexpr int kNotRouted = 0;

class CommonChecks : public EnvSuite {
 protected:
  void SetUp() override {
    EnvSuite::SetUp();
    if (!HasFatalFailure()) client_ = env().create_app();
  }

  Req valid_request() const { return {env().login_headers(client_), R"({"code":"abc"})"}; }

  // Sends make() once per language; each answer must be `code` in that language, change no table
  // but audit_events (by `audit`), and cause no upstream call. For the project's own codes the
  // two messages must differ, unless `lang_known` is false (the server could not read X-L).
  void expect_rejected(const std::function<Req()>& make, std::string_view code,
                       int audit = kAudited, bool lang_known = true) {
    HttpResult answers[2];
    for (Lang lang : {Lang::kEn, Lang::kZh}) {
      SCOPED_TRACE(std::string("X-L ") + to_string(lang) + ", expecting " + std::string(code));
      Req req = make();
      for (const auto& [k, v] : lang_headers(lang)) req.headers = with(req.headers, k, v);
      const auto calls_before = env().sim().calls()[kExchangePath];
      const RowCounts before = env().row_counts();
      const HttpResult r = env().post_login(req.headers, req.body, audit > 0);
      if (lang_known) {
        EXPECT_TRUE(is_error(r, code, lang));
      } else {
        EXPECT_TRUE(is_error(r, code, Lang::kEn) || is_error(r, code, Lang::kZh)) << r.describe();
      }
      EXPECT_TRUE(counts_changed_by(before, env().settle_audit(before, audit),
                                    {{"audit_events", audit}}, true));
      EXPECT_EQ(env().sim().calls()[kExchangePath], calls_before) << "rejected input went upstream";
      answers[lang == Lang::kZh ? 1 : 0] = r;
    }
    if (lang_known && expected_error(code).en.empty()) {
      EXPECT_TRUE(messages_differ(answers[0], answers[1]));
    }
  }

  std::string client_;
};

TEST_F(CommonChecks, EachMissingDeviceHeaderIsIncompleteDeviceInfo) {
  for (const char* h : kDeviceHeaders) {
    SCOPED_TRACE(std::string("without ") + h);
    expect_rejected(
        [&] {
          return Req{without(valid_request().headers, h), R"({"code":"abc"})"};
        },
        "IDAAS.SDK.PARAM.0001");
  }
}

TEST_F(CommonChecks, EachBlankDeviceHeaderIsIncompleteDeviceInfo) {
  for (const char* h : kDeviceHeaders) {
    for (const char* blank : {"", "   "}) {
      SCOPED_TRACE(std::string(h) + " = '" + blank + "'");
      expect_rejected(
          [&] {
            return Req{with(valid_request().headers, h, blank), R"({"code":"abc"})"};
          },
          "IDAAS.SDK.PARAM.0001");
    }
  }
}

TEST_F(CommonChecks, DeviceHeadersAreCheckedBeforeTheClientId) {
  expect_rejected(
      [&] {
        return Req{without(without(valid_request().headers, "X-agent"), "X-client-id"), "{}"};
      },
      "IDAAS.SDK.PARAM.0001");
}

TEST_F(CommonChecks, MissingOrBlankClientIdIsClientIdEmpty) {
  expect_rejected(
      [&] {
        return Req{without(valid_request().headers, "X-client-id"), "{}"};
      },
      "IDAAS.SDK.PARAM.0002");
  expect_rejected(
      [&] {
        return Req{with(valid_request().headers, "X-client-id", ""), "{}"};
      },
      "IDAAS.SDK.PARAM.0002");
}

TEST_F(CommonChecks, ClientIdIsCheckedBeforeTheBody) {
  expect_rejected(
      [&] {
        return Req{without(valid_request().headers, "X-client-id"), "{not json"};
      },
      "IDAAS.SDK.PARAM.0002");
}

TEST_F(CommonChecks, UnknownClientIdIsAppNotRegistered) {
  expect_rejected(
      [&] {
        return Req{with(valid_request().headers, "X-client-id", unique_name("no-such-client")),
                   R"({"code":"abc"})"};
      },
      "IDAAS.SDK.PARAM.0003");
}

TEST_F(CommonChecks, DisabledAppIsAppNotRegistered) {
  const RunResult r = env().cli({"app", "disable", client_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_rejected([&] { return valid_request(); }, "IDAAS.SDK.PARAM.0003");
}

TEST_F(CommonChecks, AppDisabledWhileInUseIsRefusedWithinTheCacheBound) {
  // The app is in use (so cached by the server) when an admin disables it; the server promises
  // the change within [server] app_cache_ttl_ms. Probe with code-less bodies: no upstream calls.
  EXPECT_TRUE(is_flow(env().login_wechat(client_, env().fresh_code()), "USER_REGISTER",
                      {"VERIFY_PHONE", "VERIFY_EMAIL"}));
  const RunResult r = env().cli({"app", "disable", client_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  HttpResult last;
  ASSERT_TRUE(eventually(
      [&] {
        last = env().post_login(env().login_headers(client_), "{}");
        return is_error(last, "IDAAS.SDK.PARAM.0003", Lang::kEn);
      },
      std::chrono::milliseconds(kAppCacheTtlMs + 2000)))
      << "still served after the cache bound: " << last.describe();
  expect_rejected([&] { return valid_request(); }, "IDAAS.SDK.PARAM.0003");
}

TEST_F(CommonChecks, MissingEmptyOrBlankCodeIsCodeEmpty) {
  for (const char* body : {"{}", R"({"code":""})", R"({"code":"   "})", R"({"other":"x"})"}) {
    SCOPED_TRACE(body);
    expect_rejected([&] { return Req{valid_request().headers, body}; }, "IDAAS.SDK.PARAM.0011");
  }
}

TEST_F(CommonChecks, CodeOfTheWrongJsonTypeIsWrongType) {
  for (const char* body : {R"({"code":123})", R"({"code":null})", R"({"code":{"a":1}})",
                           R"({"code":["abc"]})", R"({"code":true})"}) {
    SCOPED_TRACE(body);
    expect_rejected([&] { return Req{valid_request().headers, body}; }, "IDAAS.SDK.PARAM.0106");
  }
}

TEST_F(CommonChecks, MalformedJsonIsNotJson) {
  for (const char* body :
       {R"({"code":)", "not json", R"({"code":"abc"} trailing)", "{'code':'a'}"}) {
    SCOPED_TRACE(body);
    expect_rejected([&] { return Req{valid_request().headers, body}; }, "IDAAS.SDK.PARAM.0101");
  }
}

TEST_F(CommonChecks, JsonThatIsNotAnObjectIsRejected) {
  for (const char* body : {R"([{"code":"abc"}])", R"("abc")", "42"}) {
    SCOPED_TRACE(body);
    expect_rejected([&] { return Req{valid_request().headers, body}; }, "IDAAS.SDK.PARAM.0102");
  }
}

TEST_F(CommonChecks, NonJsonContentTypeIsRejected) {
  expect_rejected(
      [&] {
        return Req{with(valid_request().headers, "Content-Type", "text/plain"),
                   R"({"code":"abc"})"};
      },
      "IDAAS.SDK.PARAM.0103");
  expect_rejected(
      [&] {
        return Req{without(valid_request().headers, "Content-Type"), R"({"code":"abc"})"};
      },
      "IDAAS.SDK.PARAM.0103");
}

TEST_F(CommonChecks, BodyOver64KiBIsTooLarge) {
  const std::string body = R"({"code":")" + std::string(64 * 1024, 'a') + R"("})";
  expect_rejected(
      [&] {
        return Req{valid_request().headers, body};
      },
      "IDAAS.SDK.PARAM.0104", kNotRouted);
}

TEST_F(CommonChecks, BodyOfExactly64KiBIsRead) {
  // Whitespace pads a code-less object to the limit: the body is read and judged on its content.
  std::string body = "{" + std::string(64 * 1024 - 2, ' ') + "}";
  ASSERT_EQ(body.size(), 65536U);
  expect_rejected([&] { return Req{valid_request().headers, body}; }, "IDAAS.SDK.PARAM.0011");
}

TEST_F(CommonChecks, HeaderBlockOver8KiBIsTooLarge) {
  // The server cannot honour X-L in a head it refused to parse, so either language is accepted.
  expect_rejected(
      [&] {
        return Req{with(valid_request().headers, "X-Padding", std::string(9 * 1024, 'p')),
                   R"({"code":"abc"})"};
      },
      "IDAAS.SDK.PARAM.0105", kNotRouted, /*lang_known=*/false);
}

TEST_F(CommonChecks, ServerKeepsServingAfterRejections) {
  expect_rejected(
      [&] {
        return Req{with(valid_request().headers, "X-Padding", std::string(9 * 1024, 'p')), "{}"};
      },
      "IDAAS.SDK.PARAM.0105", kNotRouted, false);
  EXPECT_TRUE(is_flow(env().login_wechat(client_, env().fresh_code()), "USER_REGISTER",
                      {"VERIFY_PHONE", "VERIFY_EMAIL"}));
}

}  // namespace
}  // namespace it
