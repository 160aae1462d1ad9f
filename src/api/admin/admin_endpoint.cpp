#include "api/admin/admin_endpoint.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>
#include <exception>
#include <optional>

#include "api/json_body.hpp"
#include "core/utf8.hpp"
#include "exec/runtime.hpp"
#include "flows/admin/admin_flows.hpp"
#include "flows/audit.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kBearer = "Bearer ";

// The token of `Authorization: Bearer <token>`; "" when absent or of another scheme.
std::string_view bearer_token(const HttpRequest& http) {
  std::string_view v = http.headers.get("Authorization");
  // The scheme is case-insensitive (RFC 9110 11.1).
  if (v.size() <= kBearer.size() || !iequals(v.substr(0, kBearer.size()), kBearer)) return {};
  v.remove_prefix(kBearer.size());
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  return v;
}

bool has_body(const HttpRequest& http) {
  return http.method == "POST" || http.method == "PUT" || http.method == "PATCH";
}

HttpResponse render_admin_error(const ApiError& error, Language lang, std::string_view request_id) {
  const ErrorInfo& info = error_info(error.code);
  std::string message(info.message(lang));
  // A server fault's detail is for the log; an operator's mistake is for the operator.
  if (info.http_status >= 500) {
    spdlog::error("admin request {} {}: {}", request_id, info.code, error.detail);
  } else if (!error.detail.empty()) {
    message += ": " + error.detail;
  }
  boost::json::object body;
  body["error_code"] = info.code;
  body["error_msg"] = to_valid_utf8(message);  // the detail may quote what the operator sent
  return HttpResponse::json(info.http_status, boost::json::serialize(body));
}

struct Outcome {
  std::optional<AdminToken> actor;
  Result<AdminReply> reply = ApiError{ErrorCode::kAdminUnauthorized, {}};
};

Outcome run_blocking(const AdminServices& admin, const HttpRequest& http, std::string token,
                     const AdminSteps& steps) {
  Outcome out;
  out.actor = admin.flows.tokens.authenticate(token, admin.clock());
  if (!out.actor) return out;
  boost::json::object body;
  if (has_body(http) && !http.body.empty()) {
    Result<boost::json::object> parsed = parse_json_object(http);
    if (!parsed) {
      out.reply = bad_argument("the body must be a JSON object sent as application/json");
      return out;
    }
    body = std::move(parsed.value());
  }
  out.reply = steps(AdminCall{http, *out.actor, body});
  return out;
}

}  // namespace

std::string query_param(const HttpRequest& http, std::string_view name) {
  return form_value(http.query, name);
}

Result<int> page_limit(const HttpRequest& http) {
  constexpr int kDefaultPage = 100;
  constexpr int kMaxPage = 1000;
  const std::string limit = query_param(http, "limit");
  if (limit.empty()) return kDefaultPage;
  int n = 0;
  for (char ch : limit) {
    if (ch < '0' || ch > '9' || n > kMaxPage) return bad_argument("limit must be 1 to 1000");
    n = n * 10 + (ch - '0');
  }
  if (n < 1 || n > kMaxPage) return bad_argument("limit must be 1 to 1000");
  return n;
}

ApiError bad_argument(std::string what) {
  return ApiError{ErrorCode::kAdminInvalidArgument, std::move(what)};
}

Task<HttpResponse> run_admin_endpoint(const AdminServices& admin, const HttpRequest& http,
                                      AdminSteps steps) {
  const Language lang = language_from_header(http.headers.get("X-L"));
  std::string token(bearer_token(http));
  Outcome outcome;
  try {
    outcome = co_await admin.pool.run([&admin, &http, &token, &steps] {
      return run_blocking(admin, http, std::move(token), steps);
    });
  } catch (const std::exception& e) {
    outcome.reply = ApiError{ErrorCode::kSystemBusy, std::string("unexpected: ") + e.what()};
  }
  HttpResponse response;
  AuditEvent event;
  event.at = admin.clock();
  event.request_id = http.request_id;
  event.event = "admin";
  event.peer_address = http.peer_address;
  event.actor = outcome.actor ? outcome.actor->name : "";
  event.target = http.method + " " + http.path;
  if (outcome.reply) {
    AdminReply& reply = outcome.reply.value();
    if (reply.json_lines) {
      response = HttpResponse::json(reply.status, std::string(reply.body.as_string()));
      response.headers.set("Content-Type", "application/x-ndjson");
      if (reply.next_cursor != 0) {
        response.headers.set("X-Next-Cursor", std::to_string(reply.next_cursor));
      }
    } else if (reply.body.is_null()) {
      response = HttpResponse::empty(reply.status);
    } else {
      // Replies are built from records (already repaired) and from what the operator sent; this
      // keeps any other stored string from breaking the JSON.
      make_valid_utf8(reply.body);
      response = HttpResponse::json(reply.status, boost::json::serialize(reply.body));
    }
    event.user_id = std::move(reply.user_id);
    event.client_id = std::move(reply.client_id);
  } else {
    response = render_admin_error(outcome.reply.error(), lang, http.request_id);
  }
  event.outcome = std::to_string(response.status);
  admin.audit.record(std::move(event));
  co_return response;
}

}  // namespace ciamd
