#include "integration/support/miniprogram.hpp"

#include <boost/json/parse.hpp>
#include <exception>
#include <vector>

#include "integration/support/codes.hpp"
#include "integration/support/json.hpp"
#include "integration/support/jwt_verify.hpp"

namespace it {
PhoneUser new_phone_user(Env& env, boost::json::object extra) {
  PhoneUser p;
  p.phone = unique_mobile();
  extra["phone"] = p.phone;
  p.user_key = env.sim().create_user(extra).user_key;
  return p;
}

MiniProgramApp app_on_fresh_miniprogram(Env& env, AppSpec spec, const SimAppKnobs& knobs) {
  MiniProgramApp a;
  a.mini = add_wechat_app(env, knobs);
  spec.miniprogram_app = a.mini;
  a.client = env.create_app(spec);
  return a;
}

std::string subject_of(const HttpResult& r) {
  try {
    return string_at(decode_jws_part(id_token_of(r), 1), "sub");
  } catch (const std::exception&) {
    return {};
  }
}

std::string mobile_of(Env& env, const HttpResult& r, const std::string& client) {
  const boost::json::object api = api_claims(env, r, client);
  return string_at(api, "mobile");
}

std::string start_mini_flow(Env& env, const std::string& client, const std::string& user_key) {
  const HttpResult r = env.login_miniprogram(client, env.mint_mini_code(user_key));
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(r.body, ec);
  const std::string status = !ec && v.is_object() ? string_at(v.as_object(), "status") : "";
  if (r.status != 200 || (status != "USER_REGISTER" && status != "SOCIAL_BIND")) {
    ADD_FAILURE() << "the mini program login did not start a flow: " << r.describe();
    return {};
  }
  return string_at(v.as_object(), "state_token");
}

std::string phone_owner(Env& env, const PhoneUser& p) {
  const std::string client = env.create_app({.unbound = "auto_create"});
  const HttpResult r = env.login_phone(client, env.mint_phone_code(p.user_key).code);
  EXPECT_TRUE(is_success(r)) << "creating the owner of " << p.phone;
  return subject_of(r);
}

namespace {

RowCounts with_flags(Env& env, RowCounts c) {
  c["flow_states.consumed"] =
      query_int(env.db(), "SELECT COALESCE(SUM(consumed), 0) FROM flow_states");
  c["verification_codes.used"] =
      query_int(env.db(), "SELECT COALESCE(SUM(used), 0) FROM verification_codes");
  return c;
}

}  // namespace

RowCounts full_state(Env& env) {
  return with_flags(env, env.row_counts());
}

RowCounts full_state_after(Env& env, const RowCounts& before, std::int64_t audit_delta) {
  return with_flags(env, env.settle_audit(before, audit_delta));
}

std::pair<HttpResult, HttpResult> expect_refused(
    Env& env, const std::function<HttpResult(const Headers&)>& make, std::string_view code) {
  HttpResult answers[2];
  for (Lang lang : {Lang::kEn, Lang::kZh}) {
    SCOPED_TRACE(std::string("X-L ") + to_string(lang) + ", expecting " + std::string(code));
    const RowCounts before = full_state(env);
    const HttpResult r = make(lang_headers(lang));
    EXPECT_TRUE(is_error(r, code, lang));
    EXPECT_TRUE(
        counts_changed_by(before, full_state_after(env, before, 1), {{"audit_events", 1}}, true));
    answers[lang == Lang::kZh ? 1 : 0] = r;
  }
  if (expected_error(code).en.empty()) {
    EXPECT_TRUE(messages_differ(answers[0], answers[1]));
  }
  return {answers[0], answers[1]};
}

void expect_codes_refused(Env& env, const CodeSender& send,
                          const std::function<std::string()>& make_code, std::string_view error) {
  const std::vector<std::string> codes{make_code(), make_code()};
  std::size_t next = 0;
  expect_refused(
      env, [&](const Headers& h) { return send(codes.at(next++), h); }, error);
}

}  // namespace it
