// idp-sim/wire: how simulated answers look on the wire, and the wrapper every simulated upstream
// route goes through (call counting, fault injection, one log line per request).
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "exec/task.hpp"
#include "idp-sim/outcome.hpp"
#include "idp-sim/sim_state.hpp"
#include "net/http.hpp"
#include "net/router.hpp"

namespace idp_sim {

// WeChat answers everything with HTTP 200 and this Content-Type
// (docs/providers.md#wechat-every-endpoint).
inline constexpr const char* kWechatContentType = "application/json; encoding=utf-8";

// A WeChat success body. WeChat's JSON escapes '/' as "\/" (an errmsg of 40125 shows
// "http:\/\/t.cn\/..."), so the simulator does too: clients must use a real JSON parser.
ciamd::HttpResponse wechat_json(const boost::json::object& body);
// {"errcode":N,"errmsg":"<text>, rid: xxxxxxxx-xxxxxxxx-xxxxxxxx"} with HTTP 200.
ciamd::HttpResponse wechat_error(const WxError& error);

// An nginx-style HTML error page with status `status`, as a gateway in front of WeChat sends.
ciamd::HttpResponse html_error(int status);
// HTTP 200 with the JSON content type and a truncated, unparsable body.
ciamd::HttpResponse garbage_body();

// A query parameter, percent-decoded; "" when absent (WeChat treats empty as missing).
std::string query_param(const ciamd::HttpRequest& request, std::string_view key);

// Control API answers: plain JSON, {"error": "..."} on failure.
ciamd::HttpResponse control_json(int status, const boost::json::value& body);
ciamd::HttpResponse control_error(const ControlError& error);

// What a simulated endpoint produced, and the provider error code to log (0: success).
struct UpstreamReply {
  ciamd::HttpResponse response;
  int errcode = 0;
};
UpstreamReply error_reply(const WxError& error);
using UpstreamHandler = std::function<ciamd::Task<UpstreamReply>(const ciamd::HttpRequest&)>;

// How a provider puts an injected errcode fault on the wire: `code` and its text (absent: the
// provider's own text for the code), for the route at `path`. Each provider has its error shape.
using FaultErrorRenderer = std::function<UpstreamReply(
    int code, const std::optional<std::string>& text, const std::string& path)>;
// WeChat's: HTTP 200 {"errcode":N,"errmsg":"<text>, rid: ..."}.
UpstreamReply wechat_fault_error(int code, const std::optional<std::string>& text,
                                 const std::string& path);

// Registers a simulated provider endpoint. Every call is counted; a queued fault for the path is
// applied (latency first, then an HTML status, garbage or an errcode rendered by `render_error`;
// an errcode -1 fault runs `handler` first so its side effects happen, see fault_runs_handler);
// one line is logged.
void add_upstream_route(ciamd::Router& router, SimState& state, std::string method,
                        const std::string& path, UpstreamHandler handler,
                        FaultErrorRenderer render_error = wechat_fault_error);

}  // namespace idp_sim
