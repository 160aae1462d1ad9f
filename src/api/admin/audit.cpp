#include "api/admin/audit.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "api/admin/records.hpp"
#include "store/store.hpp"

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
  Result<std::int64_t> limit = number_param(http, "limit", default_limit);
  if (!limit) return limit.error();
  if (limit.value() < 1 || limit.value() > max_limit) {
    return bad_argument("limit must be 1 to " + std::to_string(max_limit));
  }
  q.limit = static_cast<int>(limit.value()) + 1;  // one more tells whether a next page exists
  return q;
}

// The events of `q`, and the cursor of the next page (0: none).
std::pair<std::vector<AuditEvent>, std::int64_t> page(Store& store, const AuditQuery& q) {
  std::vector<AuditEvent> events = store.query_audit_events(q);
  std::int64_t next = 0;
  if (static_cast<int>(events.size()) == q.limit) {
    events.pop_back();
    next = events.back().id;
  }
  return {std::move(events), next};
}

Result<AdminReply> list(const AdminServices& a, const AdminCall& call) {
  Result<AuditQuery> q = query_from(call.http, kPage, kMaxPage);
  if (!q) return q.error();
  auto [events, next] = page(a.store, q.value());
  boost::json::array items;
  for (const AuditEvent& e : events) items.push_back(audit_json(e));
  boost::json::object body{{"items", std::move(items)}};
  body["next"] = next == 0 ? boost::json::value(nullptr) : boost::json::value(next);
  return AdminReply{200, std::move(body)};
}

Result<AdminReply> export_lines(const AdminServices& a, const AdminCall& call) {
  Result<AuditQuery> q = query_from(call.http, kExportPage, kExportPage);
  if (!q) return q.error();
  auto [events, next] = page(a.store, q.value());
  std::string lines;
  for (const AuditEvent& e : events) {
    lines += boost::json::serialize(audit_json(e));
    lines += '\n';
  }
  AdminReply reply{200, boost::json::string(lines), true};
  reply.next_cursor = next;
  return reply;
}

}  // namespace

void add_audit_routes(Router& router, const AdminServices& admin) {
  router.add("GET", "/admin/v1/audit-events", admin_handler(admin, list));
  router.add("GET", "/admin/v1/audit-events/export", admin_handler(admin, export_lines));
}

}  // namespace ciamd
