#include "integration/support/codes.hpp"

#include <openssl/rand.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "integration/support/json.hpp"

namespace it {
namespace {

std::string random_digits(std::size_t n) {
  std::string out;
  while (out.size() < n) {
    unsigned char b = 0;
    if (RAND_bytes(&b, 1) != 1) throw std::runtime_error("RAND_bytes failed");
    if (b < 250) out.push_back(static_cast<char>('0' + b % 10));
  }
  return out;
}

}  // namespace

std::string unique_mobile() {
  return "159" + random_digits(8);
}

std::string spaced_mobile(const std::string& m) {
  return "+86 " + m.substr(0, 3) + " " + m.substr(3, 4) + " " + m.substr(7);
}

std::string dashed_mobile(const std::string& m) {
  return "+86-" + m;
}

std::string unique_email() {
  return "user." + random_digits(10) + "@example.com";
}

std::string mixed_case(const std::string& s) {
  std::string out = s;
  bool upper = true;
  for (char& c : out) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      c = upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      upper = !upper;
    }
  }
  return out;
}

std::string start_flow(Env& env, const std::string& client, const std::string& code) {
  const HttpResult r = env.login_wechat(client, code);
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(r.body, ec);
  if (r.status != 200 || ec || !v.is_object()) {
    ADD_FAILURE() << "login did not start a flow: " << r.describe();
    return {};
  }
  const std::string status = string_at(v.as_object(), "status");
  if (status != "USER_REGISTER" && status != "SOCIAL_BIND") {
    ADD_FAILURE() << "login did not start a flow: " << r.describe();
    return {};
  }
  return string_at(v.as_object(), "state_token");
}

Headers flow_headers(const Env& env, const std::string& client, const std::string& state_token) {
  Headers h = env.login_headers(client);
  h.emplace_back("X-state-token", state_token);
  return h;
}

HttpResult post_flow(const Env& env, const std::string& path, const std::string& client,
                     const std::string& state_token, const boost::json::object& body,
                     const Headers& extra) {
  Headers h = flow_headers(env, client, state_token);
  for (const auto& [k, v] : extra) h = with(std::move(h), k, v);
  return request(env.port(), "POST", path, h, boost::json::serialize(body));
}

std::string code_in(const std::string& text) {
  static const std::regex six("(^|[^0-9])([0-9]{6})(?![0-9])");
  std::string found;
  int n = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), six); it != std::sregex_iterator();
       ++it) {
    found = (*it)[2].str();
    ++n;
  }
  return n == 1 ? found : std::string();
}

std::vector<OutboxMessage> outbox_messages(const Env& env) {
  std::vector<OutboxMessage> out;
  if (!std::filesystem::exists(env.outbox_path())) return out;
  std::istringstream lines(read_file(env.outbox_path()));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) {
      // A line still being written; the caller polls again.
      if (lines.eof()) break;
      throw std::runtime_error("outbox line is not a JSON object: " + line);
    }
    OutboxMessage m;
    m.raw = v.as_object();
    m.channel = string_at(m.raw, "channel");
    m.to = string_at(m.raw, "to");
    m.subject = string_at(m.raw, "subject");
    m.text = string_at(m.raw, "text");
    m.purpose = string_at(m.raw, "purpose");
    m.request_id = string_at(m.raw, "request_id");
    m.code = code_in(m.text);
    out.push_back(std::move(m));
  }
  return out;
}

OutboxMessage wait_outbox_message(const Env& env, std::size_t seen) {
  std::vector<OutboxMessage> all;
  const bool arrived = eventually(
      [&] {
        all = outbox_messages(env);
        return all.size() > seen;
      },
      std::chrono::seconds(5));
  if (!arrived) {
    ADD_FAILURE() << "no new message in the outbox " << env.outbox_path() << " (" << all.size()
                  << " there)";
    return {};
  }
  return all.at(seen);
}

std::string send_code(Env& env, const std::string& client, const std::string& state_token,
                      const std::string& field, const std::string& target,
                      const std::string& type) {
  const std::size_t seen = outbox_messages(env).size();
  const HttpResult r = post_flow(env, field == "mobile" ? kSmsSendPath : kEmailSendPath, client,
                                 state_token, {{field, target}, {"type", type}});
  if (auto ok = is_empty_ok(r); !ok) {
    ADD_FAILURE() << "send " << type << " to " << target << ": " << ok.message();
    return {};
  }
  const OutboxMessage m = wait_outbox_message(env, seen);
  EXPECT_EQ(m.purpose, type) << dump(m.raw);
  EXPECT_EQ(m.channel, field == "mobile" ? "sms" : "email") << dump(m.raw);
  EXPECT_EQ(m.code.size(), 6U) << "no single 6-digit code in " << dump(m.raw);
  return m.code;
}

void wait_out_resend_interval(const Env& env) {
  std::this_thread::sleep_for(std::chrono::seconds(env.options().verification.resend_interval + 1));
}

::testing::AssertionResult is_empty_ok(const HttpResult& r) {
  if (r.status != 200 || !r.body.empty()) {
    return ::testing::AssertionFailure()
           << "want HTTP 200 with an empty body, got " << r.describe();
  }
  return ::testing::AssertionSuccess();
}

boost::json::object api_claims(Env& env, const HttpResult& r, const std::string& client,
                               std::string* sub) {
  const std::string token = id_token_of(r);
  const boost::json::object jwks = env.fetch_jwks();
  EXPECT_TRUE(is_valid_id_token(token, jwks, client, 300, sub));
  try {
    const VerifiedJwt t = verify_jws(token, jwks);
    const std::string api = string_at(t.claims, "api");
    const boost::json::value v = parse_json(api, "api claim");
    if (v.is_object()) return v.as_object();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "id_token: " << e.what();
  }
  return {};
}

RowCounts db_state(Env& env) {
  RowCounts c = env.row_counts();
  c.erase("audit_events");
  c["flow_states.consumed"] =
      query_int(env.db(), "SELECT COALESCE(SUM(consumed), 0) FROM flow_states");
  c["verification_codes.used"] =
      query_int(env.db(), "SELECT COALESCE(SUM(used), 0) FROM verification_codes");
  return c;
}

WechatApp add_wechat_app(Env& env, const SimAppKnobs& knobs) {
  // The Env's own appid has the same shape: "wx" and 16 hex digits, a 32-hex-digit secret.
  WechatApp app{"wx" + random_digits(16), random_digits(32)};
  env.sim().add_wechat_app(app.appid, app.secret, knobs);
  return app;
}

std::string create_app_on(Env& env, const WechatApp& wechat, const AppSpec& spec) {
  std::vector<std::string> args{"app", "create", "--name", spec.name.value_or(unique_name("app"))};
  AppSpec s = spec;
  s.wechat = true;
  for (auto& f : app_flags(s, wechat.appid, wechat.secret, env.miniprogram())) {
    args.push_back(std::move(f));
  }
  args.emplace_back("--json");
  const RunResult r = env.cli(args);
  if (r.exit_code != 0) throw std::runtime_error("ciamd app create: " + r.err + r.out);
  const boost::json::value v = parse_json(r.out, "ciamd app create --json output");
  if (!v.is_object()) throw std::runtime_error("ciamd app create --json: " + r.out);
  return string_at(v.as_object(), "client_id");
}

}  // namespace it
