// api/oauth2_keys with the keys from flows/keys/signing_keys: the JWKS's caching headers, ETag
// revalidation with If-None-Match (RFC 9110 section 13.1.2) and the discovery document.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>
#include <string>

#include "api/oauth2_keys/keys.hpp"
#include "api/services.hpp"
#include "api_test_support.hpp"
#include "flows/app_directory.hpp"
#include "flows/audit.hpp"
#include "flows/keys/signing_keys.hpp"
#include "flows/verification/verification.hpp"
#include "flows_test_support.hpp"
#include "idp/server_token.hpp"
#include "idp/wechat_mini.hpp"
#include "idp/wechat_open.hpp"
#include "idp/weibo.hpp"
#include "net/client.hpp"

namespace ciamd {
namespace {

TEST(IfNoneMatch, WeakComparisonOverAList) {
  const std::string etag = R"("abc")";
  EXPECT_TRUE(if_none_match_matches(R"("abc")", etag));
  EXPECT_TRUE(if_none_match_matches(R"(W/"abc")", etag)) << "weak comparison ignores W/";
  EXPECT_TRUE(if_none_match_matches(R"("x", "abc")", etag));
  EXPECT_TRUE(if_none_match_matches(R"("x",W/"abc" , "y")", etag));
  EXPECT_TRUE(if_none_match_matches(" \t\"abc\"\t", etag));
  EXPECT_TRUE(if_none_match_matches("*", etag));
  EXPECT_TRUE(if_none_match_matches(R"(W/"abc")", R"(W/"abc")"));

  EXPECT_FALSE(if_none_match_matches("", etag));
  EXPECT_FALSE(if_none_match_matches(R"("abcd")", etag));
  EXPECT_FALSE(if_none_match_matches(R"("ab")", etag));
  EXPECT_FALSE(if_none_match_matches("abc", etag)) << "an unquoted tag is no entity tag";
  EXPECT_FALSE(if_none_match_matches(R"("x", "y")", etag));
  EXPECT_FALSE(if_none_match_matches(R"("abc)", etag)) << "unterminated";
  EXPECT_FALSE(if_none_match_matches(R"(w/"abc")", etag)) << "W/ is case-sensitive";
  EXPECT_TRUE(if_none_match_matches(R"(junk, "abc")", etag));
}

class KeysEndpointTest : public testing::FlowsTest {
 protected:
  KeysEndpointTest() {
    keys_.replace({});
    load_signing_keys(*store_, sealer_, keys_, clock());
  }

  static HttpRequest get(std::initializer_list<std::pair<const char*, const char*>> headers = {}) {
    HttpRequest r;
    r.method = "GET";
    r.path = std::string(kJwksPath);
    r.target = r.path;
    for (const auto& [name, value] : headers) r.headers.add(name, value);
    return r;
  }

  HttpResponse jwks(const HttpRequest& http) { return await(handle_jwks(api_, http)); }

  FlowServices flows_{pool_, keys_, state_tokens_,
                      TokenSettings{"https://ciamd.test", 1800, /*jwks_max_age=*/120}, clock()};
  testing::OfflineApi offline_{*store_, pool_, runtime_, flows_};
  const ApiServices& api_ = offline_.api;
};

TEST_F(KeysEndpointTest, JwksCarriesCacheControlAndTheRingsEtag) {
  const HttpResponse r = jwks(get());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, keys_.jwks_json());
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(r.headers.get("Cache-Control"), "public, max-age=120");
  EXPECT_EQ(r.headers.get("ETag"), keys_.jwks_etag());
  // Both algorithms' keys are published.
  const boost::json::value doc = boost::json::parse(r.body);
  std::set<std::string> algs;
  for (const auto& k : doc.at("keys").as_array()) algs.emplace(k.at("alg").as_string());
  EXPECT_EQ(algs, (std::set<std::string>{"RS256", "ES256"}));
}

TEST_F(KeysEndpointTest, AMatchingIfNoneMatchGets304WithTheValidatorsAndNoBody) {
  const std::string etag = keys_.jwks_etag();
  for (const std::string& condition : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    const HttpResponse r = jwks(get({{"If-None-Match", condition.c_str()}}));
    EXPECT_EQ(r.status, 304) << condition;
    EXPECT_TRUE(r.body.empty()) << condition;
    EXPECT_EQ(r.headers.get("ETag"), etag) << condition;
    EXPECT_EQ(r.headers.get("Cache-Control"), "public, max-age=120") << condition;
  }
  // Two fields are one list.
  const std::string quoted_other = "\"other\"";
  EXPECT_EQ(
      jwks(get({{"If-None-Match", quoted_other.c_str()}, {"if-none-match", etag.c_str()}})).status,
      304);
  EXPECT_EQ(jwks(get({{"If-None-Match", quoted_other.c_str()}})).status, 200);
}

TEST_F(KeysEndpointTest, ARotationChangesTheEtagSoCachedCopiesAreRefetched) {
  const std::string old_etag = keys_.jwks_etag();
  rotate_signing_key(*store_, sealer_, JwsAlg::kES256, now_, 600, 300, 30);
  reload_signing_keys(*store_, sealer_, keys_, clock());
  const HttpResponse r = jwks(get({{"If-None-Match", old_etag.c_str()}}));
  EXPECT_EQ(r.status, 200) << "the new key is published before it signs";
  EXPECT_NE(r.headers.get("ETag"), old_etag);
  EXPECT_EQ(boost::json::parse(r.body).at("keys").as_array().size(), 3u);
}

TEST_F(KeysEndpointTest, DiscoveryNamesBothAlgorithmsAndTheJwks) {
  const HttpResponse r = await(handle_openid_configuration(api_, HttpRequest{}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Cache-Control"), "public, max-age=120");
  const boost::json::value doc = boost::json::parse(r.body);
  EXPECT_EQ(doc.at("jwks_uri").as_string(), "https://ciamd.test/api/v1/oauth2/keys");
  EXPECT_EQ(boost::json::serialize(doc.at("id_token_signing_alg_values_supported")),
            R"(["RS256","ES256"])");
}

}  // namespace
}  // namespace ciamd
