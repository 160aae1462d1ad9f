// api/admin/audit: the audit trail ("who logged in from where", and every admin call).
//   GET /admin/v1/audit-events?user_id=&client_id=&event=&outcome=&from=&to=&order=&after=&limit=
//       oldest first (order=asc, the default) or newest first (order=desc) after the cursor
//       `after` (an event id, in that order); {"items":[...],"next":id|null}
//   GET /admin/v1/audit-events/export?<same filters and order>
//       the same events as JSON lines (application/x-ndjson), up to 10000 per request; the
//       X-Next-Cursor header (absent at the end) continues
// `from`/`to` are Unix seconds (at >= from, at < to).
#pragma once

#include "api/admin/admin_endpoint.hpp"
#include "net/router.hpp"

namespace ciamd {

void add_audit_routes(Router& router, const AdminServices& admin);

}  // namespace ciamd
