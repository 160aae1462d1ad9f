#include "api/admin/audit.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "flows/admin/admin_flows.hpp"
#include "render/records.hpp"

namespace ciamd {
namespace {

constexpr int kPage = 100;
constexpr int kMaxPage = 1000;
constexpr int kExportPage = 10000;

// A non-negative integer query parameter; `fallback` when absent.
Result<std::int64_t> number_param(const HttpRequest& http, std::string_view name,
                                  std::int64_t fallback) {
  const std::string v = query_param(http, name);
  if (v.empty()) return fallback;
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < 0) {
    return bad_argument(std::string(name) + " must be a non-negative integer");
  }
  return n;
}

Result<AuditQuery> query_from(const HttpRequest& http, int default_limit, int max_limit) {
  AuditQuery q;
  q.user_id = query_param(http, "user_id");
  q.client_id = query_param(http, "client_id");
  q.event = query_param(http, "event");
  q.outcome = query_param(http, "outcome");
  for (auto [name, field] :
       {std::pair{"from", &q.from}, std::pair{"to", &q.to}, std::pair{"after", &q.after_id}}) {
    Result<std::int64_t> n = number_param(http, name, 0);
    if (!n) return n.error();
    *field = n.value();
  }
  // order=desc: newest first, and `after` then pages towards older events.
  const std::string order = query_param(http, "order");
  if (order == "desc") {
    q.order = AuditOrder::kNewestFirst;
  } else if (!order.empty() && order != "asc") {
    return bad_argument("order must be asc (oldest first, the default) or desc (newest first)");
  }
  Result<std::int64_t> limit = number_param(http, "limit", default_limit);
  if (!limit) return limit.error();
  if (limit.value() < 1 || limit.value() > max_limit) {
    return bad_argument("limit must be 1 to " + std::to_string(max_limit));
  }
  q.limit = static_cast<int>(limit.value());
  return q;
}

Result<AdminReply> list(const AdminServices& a, const AdminCall& call) {
  Result<AuditQuery> q = query_from(call.http, kPage, kMaxPage);
  if (!q) return q.error();
  const AuditPage page = a.flows.audit_trail.page(q.value());
  boost::json::array items;
  for (const AuditEvent& e : page.events) items.push_back(audit_json(e));
  boost::json::object body{{"items", std::move(items)}};
  body["next"] = page.next == 0 ? boost::json::value(nullptr) : boost::json::value(page.next);
  return AdminReply{.body = std::move(body)};
}

Result<AdminReply> export_lines(const AdminServices& a, const AdminCall& call) {
  Result<AuditQuery> q = query_from(call.http, kExportPage, kExportPage);
  if (!q) return q.error();
  const AuditPage page = a.flows.audit_trail.page(q.value());
  std::string lines;
  for (const AuditEvent& e : page.events) {
    lines += boost::json::serialize(audit_json(e));
    lines += '\n';
  }
  return AdminReply{
      .body = boost::json::string(lines), .json_lines = true, .next_cursor = page.next};
}

}  // namespace

void add_audit_routes(Router& router, const AdminServices& admin) {
  router.add("GET", "/admin/v1/audit-events", admin_handler(admin, list));
  router.add("GET", "/admin/v1/audit-events/export", admin_handler(admin, export_lines));
}

}  // namespace ciamd
