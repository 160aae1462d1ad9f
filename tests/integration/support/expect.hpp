// Assertions on the API's exact response shapes, shared by the test files. Each returns an
// AssertionResult whose message shows the whole response, so a failure explains itself:
//
//   EXPECT_TRUE(is_error(r, "IDAAS.SDK.PARAM.0001", Lang::kZh));
//   EXPECT_TRUE(is_success(r));
#pragma once

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "integration/support/db_reader.hpp"
#include "integration/support/http_client.hpp"

namespace it {

enum class Lang { kEn, kZh };
inline const char* to_string(Lang l) {
  return l == Lang::kZh ? "zh" : "en";
}
// The X-L header for `l` (none for English: English is the default).
Headers lang_headers(Lang l);

// What the API documents for an error code. `en`/`zh` are empty for the project's own codes,
// whose wording the server's catalog owns: for those a test only requires two non-empty,
// different messages.
struct ExpectedError {
  std::string code;
  int http_status = 400;
  std::string en;
  std::string zh;
};
const ExpectedError& expected_error(std::string_view code);

// HTTP status, exactly {"error_code","error_msg"}, the code, and the message in `lang`.
::testing::AssertionResult is_error(const HttpResult& r, std::string_view code, Lang lang);
// For the project's own codes: both responses carry `code` and their messages differ.
::testing::AssertionResult messages_differ(const HttpResult& en, const HttpResult& zh);

// 200, exactly {"session_token","expire","status","id_token"}, status SUCCESS, a 32-char
// [A-Za-z0-9] session token, `expire` a number equal to `expire`, id_token a 3-part JWS.
::testing::AssertionResult is_success(const HttpResult& r, std::int64_t expire = 432000);
// 200, exactly {"state_token","data","status"}: the status, a 3-part JWS state token, and `data`
// the string {"socialBindOrRegisterFlow":[methods...]}.
::testing::AssertionResult is_flow(const HttpResult& r, std::string_view status,
                                   const std::vector<std::string>& methods);
// 200, exactly {"status":"ACCESS_DENIED","data":"Access Denied"}.
::testing::AssertionResult is_access_denied(const HttpResult& r);

// Verifies `id_token` against `jwks` with the independent verifier and checks every claim
// docs/api.md "Tokens" lists: iss, aud == client_id, sub, iat (near now), nbf == iat - 120, exp ==
// iat + ttl, jti, and `api` a JSON string of exactly {name, mobile, id, userName, email} with id ==
// sub. On success stores the subject in *sub when given.
::testing::AssertionResult is_valid_id_token(const std::string& id_token,
                                             const boost::json::object& jwks,
                                             std::string_view client_id, std::int64_t ttl = 300,
                                             std::string* sub = nullptr);

// Each table named in `deltas` changed by exactly that many rows; with `others_unchanged`, every
// other table kept its count.
::testing::AssertionResult counts_changed_by(const RowCounts& before, const RowCounts& after,
                                             const std::map<std::string, std::int64_t>& deltas,
                                             bool others_unchanged);

// The id_token of a SUCCESS response (empty when there is none).
std::string id_token_of(const HttpResult& r);

}  // namespace it
