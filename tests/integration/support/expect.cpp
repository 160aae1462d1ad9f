#include "integration/support/expect.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "integration/support/env.hpp"
#include "integration/support/json.hpp"
#include "integration/support/jwt_verify.hpp"

namespace it {
namespace {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

// The customer's codes (docs/errors.md, first block) with their exact messages, and those of
// verification codes, binding and the second factor, whose wording is pinned by docs/errors.md in
// both languages; the login's own codes (PARAM.0101-0106, LOGIN.1002, LOGIN.1003, and Weibo's
// PARAM.0026/0027, LOGIN.1004/1005) without wording on purpose.
const std::map<std::string, ExpectedError, std::less<>>& catalog() {
  static const std::map<std::string, ExpectedError, std::less<>> c = [] {
    std::map<std::string, ExpectedError, std::less<>> m;
    const auto add = [&](ExpectedError e) { m.emplace(e.code, e); };
    add({"IDAAS.SDK.PARAM.0001", 400, "Device information is incomplete", "设备信息不完整"});
    add({"IDAAS.SDK.PARAM.0002", 400, "clientId cannot be empty", "clientId不能为空"});
    add({"IDAAS.SDK.PARAM.0003", 400, "The app is not registered, please register the app first",
         "应用未注册,请先注册应用"});
    add({"IDAAS.SDK.PARAM.0011", 400, "WeChat authorization code cannot be empty",
         "微信授权码不能为空"});
    add({"IDAAS.SDK.USER.0001", 400, "User not found", "用户不存在"});
    add({"IDAAS.SDK.USER.0039", 400, "User is disabled", "用户已被禁用"});
    add({"IDAAS.SDK.COMMON.1007", 400, "state_token parameter error", "state_token参数错误"});
    add({"IDAAS.SDK.COMMON.0429", 429, "Too many requests, please try again later",
         "请求过于频繁,请稍后再试"});
    add({"IDAAS.SDK.PARAM.0110", 400, "Mobile number cannot be empty", "手机号不能为空"});
    add({"IDAAS.SDK.PARAM.0111", 400, "Invalid mobile number", "手机号格式不正确"});
    add({"IDAAS.SDK.PARAM.0112", 400, "Email cannot be empty", "邮箱不能为空"});
    add({"IDAAS.SDK.PARAM.0113", 400, "Invalid email address", "邮箱格式不正确"});
    add({"IDAAS.SDK.PARAM.0114", 400, "Invalid verification code type", "验证码类型不正确"});
    add({"IDAAS.SDK.PARAM.0115", 400, "Verification code cannot be empty", "验证码不能为空"});
    add({"IDAAS.SDK.PARAM.0116", 400, "This verification method is not enabled for the application",
         "该应用未启用此验证方式"});
    add({"IDAAS.SDK.PARAM.0117", 400, "This second factor is not available for the user",
         "该用户无法使用此二次认证方式"});
    add({"IDAAS.SDK.PARAM.0118", 400, "The mobile number or email is not the user's own",
         "手机号或邮箱不是该用户本人的"});
    add({"IDAAS.SDK.PARAM.0122", 400,
         "Mobile numbers of this country or region are not supported by the application",
         "该应用不支持此国家或地区的手机号"});
    add({"IDAAS.SDK.SOCIAL.0001", 400,
         "The account is already bound to another user of this provider",
         "该账号已绑定该平台的其他用户"});
    add({"IDAAS.SDK.CAPTCHA.0006", 400, "Failed to send verification code", "验证码发送失败"});
    add({"IDAAS.SDK.CAPTCHA.0007", 400, "Incorrect verification code", "验证码错误"});
    add({"IDAAS.SDK.COM.0002", 500, "System busy, please try again later", "系统繁忙,请稍后再试"});
    // The customer's documents name the English message; the Chinese one is the server catalog's
    // (docs/errors.md).
    add({"IDAAS.SDK.LOGIN.1001", 400, "WeChat mini program API call failed",
         "微信小程序接口调用失败"});
    add({"IDAAS.SDK.PARAM.0023", 400, "Invalid or expired session token", "会话令牌无效或已过期"});
    for (const char* own : {"IDAAS.SDK.PARAM.0101", "IDAAS.SDK.PARAM.0102", "IDAAS.SDK.PARAM.0103",
                            "IDAAS.SDK.PARAM.0104", "IDAAS.SDK.PARAM.0105", "IDAAS.SDK.PARAM.0106",
                            "IDAAS.SDK.LOGIN.1002", "IDAAS.SDK.LOGIN.1003",
                            // Weibo login (docs/api.md, that endpoint).
                            "IDAAS.SDK.PARAM.0026", "IDAAS.SDK.PARAM.0027", "IDAAS.SDK.LOGIN.1004",
                            "IDAAS.SDK.LOGIN.1005"}) {
      add({own, 400, "", ""});
    }
    return m;
  }();
  return c;
}

AssertionResult shape_failure(const HttpResult& r, const std::string& why) {
  return AssertionFailure() << why << "\n  response: " << r.describe();
}

// Parses the body as an object with exactly `keys`, or explains why not.
AssertionResult object_with_keys(const HttpResult& r, const std::set<std::string>& keys,
                                 boost::json::object& out) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return shape_failure(r, "body is not a JSON object");
  out = v.as_object();
  if (keys_of(out) != keys) {
    std::string want;
    for (const auto& k : keys) want += k + " ";
    return shape_failure(r, "keys differ; want exactly: " + want);
  }
  return AssertionSuccess();
}

bool is_string_field(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string();
}

AssertionResult is_compact_jws(const std::string& token) {
  try {
    const auto header = decode_jws_part(token, 0);
    (void)decode_jws_part(token, 1);
    if (string_at(header, "alg").empty()) return AssertionFailure() << "JWS header has no alg";
  } catch (const std::exception& e) {
    return AssertionFailure() << "not a compact JWS: " << e.what();
  }
  return AssertionSuccess();
}

}  // namespace

Headers lang_headers(Lang l) {
  if (l == Lang::kZh) return {{"X-L", "zh"}};
  return {};
}

const ExpectedError& expected_error(std::string_view code) {
  const auto it = catalog().find(code);
  if (it == catalog().end()) throw std::logic_error("no expectation for " + std::string(code));
  return it->second;
}

AssertionResult is_error(const HttpResult& r, std::string_view code, Lang lang) {
  const ExpectedError& e = expected_error(code);
  if (r.status != e.http_status) {
    return shape_failure(r, "want HTTP " + std::to_string(e.http_status) + " " + e.code);
  }
  boost::json::object o;
  if (auto ok = object_with_keys(r, {"error_code", "error_msg"}, o); !ok) return ok;
  if (!is_string_field(o, "error_code") || !is_string_field(o, "error_msg")) {
    return shape_failure(r, "error_code and error_msg must be strings");
  }
  if (string_at(o, "error_code") != e.code) return shape_failure(r, "want error_code " + e.code);
  const std::string msg = string_at(o, "error_msg");
  const std::string& want = lang == Lang::kZh ? e.zh : e.en;
  if (want.empty() ? msg.empty() : msg != want) {
    return shape_failure(r,
                         std::string("want the ") + to_string(lang) + " message \"" + want + "\"");
  }
  const auto ct = r.header("content-type");
  if (!ct || ct->find("application/json") == std::string::npos) {
    return shape_failure(r, "Content-Type is not application/json: " + ct.value_or("(none)"));
  }
  return AssertionSuccess();
}

AssertionResult messages_differ(const HttpResult& en, const HttpResult& zh) {
  boost::json::object a;
  boost::json::object b;
  if (auto ok = object_with_keys(en, {"error_code", "error_msg"}, a); !ok) return ok;
  if (auto ok = object_with_keys(zh, {"error_code", "error_msg"}, b); !ok) return ok;
  if (string_at(a, "error_code") != string_at(b, "error_code")) {
    return AssertionFailure() << "codes differ by language: " << en.body << " vs " << zh.body;
  }
  if (string_at(a, "error_msg") == string_at(b, "error_msg")) {
    return AssertionFailure() << "the zh message equals the en one: " << en.body;
  }
  return AssertionSuccess();
}

AssertionResult is_success(const HttpResult& r, std::int64_t expire) {
  if (r.status != 200) return shape_failure(r, "want HTTP 200 SUCCESS");
  boost::json::object o;
  if (auto ok = object_with_keys(r, {"session_token", "expire", "status", "id_token"}, o); !ok) {
    return ok;
  }
  if (string_at(o, "status") != "SUCCESS") return shape_failure(r, "status is not SUCCESS");
  const std::string st = string_at(o, "session_token");
  if (st.size() != 32 || st.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                              "0123456789") != std::string::npos) {
    return shape_failure(r, "session_token is not 32 chars of [A-Za-z0-9]");
  }
  const auto& ex = o.at("expire");
  if (!ex.is_int64() && !ex.is_uint64()) return shape_failure(r, "expire is not an integer");
  if (ex.to_number<std::int64_t>() != expire) {
    return shape_failure(r, "want expire " + std::to_string(expire));
  }
  if (!is_string_field(o, "id_token")) return shape_failure(r, "id_token is not a string");
  if (auto ok = is_compact_jws(string_at(o, "id_token")); !ok)
    return shape_failure(r, ok.message());
  return AssertionSuccess();
}

AssertionResult is_flow(const HttpResult& r, std::string_view status,
                        const std::vector<std::string>& methods) {
  if (r.status != 200) return shape_failure(r, "want HTTP 200 " + std::string(status));
  boost::json::object o;
  if (auto ok = object_with_keys(r, {"state_token", "data", "status"}, o); !ok) return ok;
  if (string_at(o, "status") != status) {
    return shape_failure(r, "want status exactly \"" + std::string(status) + "\"");
  }
  if (!is_string_field(o, "data")) return shape_failure(r, "data must be a string");
  boost::json::array list;
  for (const auto& m : methods) list.emplace_back(m);
  const std::string want_data =
      boost::json::serialize(boost::json::object{{"socialBindOrRegisterFlow", list}});
  if (string_at(o, "data") != want_data) return shape_failure(r, "want data " + want_data);
  if (!is_string_field(o, "state_token")) return shape_failure(r, "state_token is not a string");
  if (auto ok = is_compact_jws(string_at(o, "state_token")); !ok) {
    return shape_failure(r, ok.message());
  }
  return AssertionSuccess();
}

AssertionResult is_access_denied(const HttpResult& r) {
  if (r.status != 200) return shape_failure(r, "want HTTP 200 ACCESS_DENIED");
  boost::json::object o;
  if (auto ok = object_with_keys(r, {"status", "data"}, o); !ok) return ok;
  if (string_at(o, "status") != "ACCESS_DENIED" || string_at(o, "data") != "Access Denied") {
    return shape_failure(r, "want {\"status\":\"ACCESS_DENIED\",\"data\":\"Access Denied\"}");
  }
  return AssertionSuccess();
}

AssertionResult is_valid_id_token(const std::string& id_token, const boost::json::object& jwks,
                                  std::string_view client_id, std::int64_t ttl, std::string* sub) {
  VerifiedJwt t;
  try {
    // Either algorithm an application may choose (--id-token-alg); the header's alg must match
    // the kid's key type, and callers that care which one was used check the header themselves.
    t = verify_jws(id_token, jwks);
  } catch (const std::exception& e) {
    return AssertionFailure() << "id_token does not verify: " << e.what()
                              << "\n  token: " << id_token;
  }
  const auto& c = t.claims;
  const auto fail = [&](const std::string& why) {
    return AssertionFailure() << why << "\n  header: " << dump(t.header)
                              << "\n  claims: " << dump(c);
  };
  const auto integer = [&](const char* key) -> std::optional<std::int64_t> {
    const auto* v = c.if_contains(key);
    if (v == nullptr || !(v->is_int64() || v->is_uint64())) return std::nullopt;
    return v->to_number<std::int64_t>();
  };
  if (string_at(c, "iss") != kIssuer) return fail("iss is not the configured issuer");
  if (!c.contains("aud") || !c.at("aud").is_string() || c.at("aud").as_string() != client_id) {
    return fail("aud is not the client id " + std::string(client_id));
  }
  const std::string subject = string_at(c, "sub");
  if (subject.empty()) return fail("sub is missing or not a string");
  if (string_at(c, "jti").empty()) return fail("jti is missing or not a string");
  const auto iat = integer("iat");
  const auto nbf = integer("nbf");
  const auto exp = integer("exp");
  if (!iat || !nbf || !exp) return fail("iat, nbf and exp must be integers");
  if (*nbf != *iat - 120) return fail("nbf != iat - 120");
  if (*exp != *iat + ttl) return fail("exp != iat + " + std::to_string(ttl));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (*iat < now - 60 || *iat > now + 60) return fail("iat is not close to now");
  const auto* api = c.if_contains("api");
  if (api == nullptr || !api->is_string()) return fail("api must be a JSON string");
  boost::system::error_code ec;
  const boost::json::value inner = boost::json::parse(api->as_string(), ec);
  if (ec || !inner.is_object()) return fail("api does not hold a JSON object");
  const std::set<std::string> want{"name", "mobile", "id", "userName", "email"};
  if (keys_of(inner.as_object()) != want) {
    return fail("api must have exactly name, mobile, id, userName, email");
  }
  if (string_at(inner.as_object(), "id") != subject) return fail("api.id != sub");
  if (sub != nullptr) *sub = subject;
  return AssertionSuccess();
}

AssertionResult counts_changed_by(const RowCounts& before, const RowCounts& after,
                                  const std::map<std::string, std::int64_t>& deltas,
                                  bool others_unchanged) {
  for (const auto& [table, delta] : deltas) {
    if (!before.contains(table) || !after.contains(table)) {
      return AssertionFailure() << "no table " << table << " in the database";
    }
  }
  std::string wrong;
  for (const auto& [table, count] : after) {
    const auto d = deltas.find(table);
    if (d == deltas.end() && !others_unchanged) continue;
    const std::int64_t want = d == deltas.end() ? 0 : d->second;
    const std::int64_t was = before.contains(table) ? before.at(table) : 0;
    if (count - was != want) {
      wrong += " " + table + " changed by " + std::to_string(count - was) + " (want " +
               std::to_string(want) + ");";
    }
  }
  if (!wrong.empty()) {
    return AssertionFailure() << "row counts:" << wrong
                              << " all changes: " << diff_counts(before, after);
  }
  return AssertionSuccess();
}

std::string id_token_of(const HttpResult& r) {
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(r.body, ec);
  if (ec || !v.is_object()) return {};
  return string_at(v.as_object(), "id_token");
}

}  // namespace it
