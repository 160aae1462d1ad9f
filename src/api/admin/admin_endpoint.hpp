// api/admin/admin_endpoint: the shape every admin API endpoint shares, written once:
//   Authorization: Bearer <admin token> (IDAAS.ADMIN.AUTH.0401) -> JSON body, for methods with one
//   (IDAAS.ADMIN.PARAM.0001) -> the endpoint's steps on the blocking pool -> JSON reply -> one
//   audit event ("admin": the token's name, the method and path, the HTTP status).
// Errors are {"error_code","error_msg"} of the IDAAS.ADMIN family; for an invalid argument the
// message says which (operators read it), in English after the localized catalog text.
//
//   return run_admin_endpoint(admin, http, [&admin](const AdminCall& call) -> Result<AdminReply> {
//     return AdminReply{.body = application_json(...)};  // runs on the pool: may block
//   });
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <string>
#include <utility>

#include "core/clock.hpp"
#include "core/model.hpp"
#include "core/result.hpp"
#include "exec/task.hpp"
#include "net/http.hpp"

namespace ciamd {

struct AdminFlows;
class BlockingPool;
class AuditLog;

// What admin handlers are given. Built once by app/; every member outlives the listener.
struct AdminServices {
  const AdminFlows& flows;  // the operator use cases (flows/admin/admin_flows.hpp)
  BlockingPool& pool;
  AuditLog& audit;
  Clock clock;
  // For POST /admin/v1/signing-keys/rotate: [tokens] key_publish_lead and key_reload_interval.
  std::int64_t key_publish_lead = 600;
  std::int64_t key_reload_interval = 30;
};

struct AdminCall {
  const HttpRequest& http;
  const AdminToken& actor;
  const boost::json::object& body;  // empty for GET and DELETE
};

// Built with designated initializers: AdminReply{.status = 201, .body = ..., .client_id = id}.
struct AdminReply {
  int status = 200;
  boost::json::value body{};     // serialized as JSON; a string body with `json_lines` as is
  bool json_lines = false;       // audit export: application/x-ndjson
  std::string user_id{};         // for the audit trail: the user the call was about, if one
  std::string client_id{};       // likewise, the application
  std::int64_t next_cursor = 0;  // json_lines: sent as X-Next-Cursor when not 0
};

using AdminSteps = std::function<Result<AdminReply>(const AdminCall&)>;

// `steps` runs on the blocking pool.
Task<HttpResponse> run_admin_endpoint(const AdminServices& admin, const HttpRequest& http,
                                      AdminSteps steps);

// The router handler of an endpoint whose steps are `steps(admin, call)`.
template <class Steps>
auto admin_handler(const AdminServices& admin, Steps steps) {
  return [&admin, steps](const HttpRequest& http) {
    return run_admin_endpoint(
        admin, http, [&admin, steps](const AdminCall& call) { return steps(admin, call); });
  };
}

// A query parameter, percent-decoded ("" when absent).
std::string query_param(const HttpRequest& http, std::string_view name);

// The `limit` query parameter of a list: 1 to 1000, 100 when absent.
Result<int> page_limit(const HttpRequest& http);

// An invalid-argument error whose message names the problem.
ApiError bad_argument(std::string what);

}  // namespace ciamd
