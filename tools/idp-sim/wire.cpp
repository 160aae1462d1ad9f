#include "idp-sim/wire.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <utility>

#include "idp-sim/ids.hpp"

namespace idp_sim {
namespace {

std::string escape_slashes(const std::string& json) {
  // '/' can only occur inside JSON strings, so a plain substitution is a valid re-escaping.
  std::string out;
  out.reserve(json.size() + 16);
  for (char c : json) {
    if (c == '/') out += '\\';
    out += c;
  }
  return out;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Temporarily Unavailable";
    case 504:
      return "Gateway Time-out";
    default:
      return "Error";
  }
}

ciamd::Task<void> delay(std::int64_t ms) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  timer.expires_after(std::chrono::milliseconds(ms));
  co_await timer.async_wait(boost::asio::use_awaitable);
}

ciamd::Task<UpstreamReply> apply_fault(const Fault& fault, const ciamd::HttpRequest& request,
                                       const std::string& path, const UpstreamHandler& handler,
                                       const FaultErrorRenderer& render_error) {
  if (fault.latency_ms > 0) co_await delay(fault.latency_ms);
  if (fault.http_status) co_return UpstreamReply{html_error(*fault.http_status), 0};
  if (fault.garbage) co_return UpstreamReply{garbage_body(), 0};
  if (fault.fields) {
    UpstreamReply reply = co_await handler(request);
    if (reply.errcode != 0 || reply.response.status != 200) co_return reply;
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(reply.response.body, ec);
    if (ec || !body.is_object()) co_return reply;
    for (const auto& [key, value] : *fault.fields) body.as_object()[key] = value;
    reply.response.body = boost::json::serialize(body);
    co_return reply;
  }
  if (fault.errcode) {
    if (fault_runs_handler(fault)) (void)co_await handler(request);
    co_return render_error(*fault.errcode, fault.errmsg, path);
  }
  co_return co_await handler(request);  // latency only
}

std::string describe(const Fault& fault) {
  std::string out = "fault";
  if (fault.latency_ms > 0) out += " latency=" + std::to_string(fault.latency_ms) + "ms";
  if (fault.http_status) out += " http=" + std::to_string(*fault.http_status);
  if (fault.garbage) out += " garbage";
  if (fault.errcode) out += " errcode=" + std::to_string(*fault.errcode);
  // The names only: the values are hostile on purpose (NUL, newlines, kilobytes).
  if (fault.fields) {
    out += " fields=";
    for (const auto& [key, value] : *fault.fields) out += std::string(key) + ",";
    out.pop_back();
  }
  return out;
}

}  // namespace

ciamd::HttpResponse wechat_json(const boost::json::object& body) {
  ciamd::HttpResponse response;
  response.status = 200;
  response.headers.set("Content-Type", kWechatContentType);
  response.body = escape_slashes(boost::json::serialize(body));
  return response;
}

ciamd::HttpResponse wechat_error(const WxError& error) {
  boost::json::object body;
  body["errcode"] = error.errcode;
  body["errmsg"] = wechat_errmsg(error.text);
  return wechat_json(body);
}

ciamd::HttpResponse html_error(int status) {
  const std::string title = std::to_string(status) + " " + reason_phrase(status);
  ciamd::HttpResponse response;
  response.status = status;
  response.headers.set("Content-Type", "text/html");
  response.body = "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
                  title + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
  return response;
}

ciamd::HttpResponse garbage_body() {
  ciamd::HttpResponse response;
  response.status = 200;
  response.headers.set("Content-Type", kWechatContentType);
  response.body = R"({"access_token":"ACCESS_TOKEN","expires_in":72)";
  return response;
}

std::string query_param(const ciamd::HttpRequest& request, std::string_view key) {
  return ciamd::form_value(request.query, key);
}

UpstreamReply error_reply(const WxError& error) {
  return UpstreamReply{wechat_error(error), error.errcode};
}

UpstreamReply wechat_fault_error(int code, const std::optional<std::string>& text,
                                 const std::string&) {
  return error_reply(WxError{code, text.value_or(default_wechat_errmsg(code))});
}

ciamd::HttpResponse control_json(int status, const boost::json::value& body) {
  return ciamd::HttpResponse::json(status, boost::json::serialize(body));
}

ciamd::HttpResponse control_error(const ControlError& error) {
  return control_json(error.status, boost::json::object{{"error", error.message}});
}

void add_upstream_route(ciamd::Router& router, SimState& state, std::string method,
                        const std::string& path, UpstreamHandler handler,
                        FaultErrorRenderer render_error) {
  state.faults().add_known_path(path);
  router.add(std::move(method), path,
             [&state, path, handler = std::move(handler), render_error = std::move(render_error)](
                 const ciamd::HttpRequest& request) -> ciamd::Task<ciamd::HttpResponse> {
               const std::optional<Fault> fault = state.faults().on_call(path);
               UpstreamReply reply;
               if (fault) {
                 reply = co_await apply_fault(*fault, request, path, handler, render_error);
               } else {
                 reply = co_await handler(request);
               }
               // Only the method, path and outcome: queries carry secrets, codes and tokens.
               spdlog::info("{} {} -> {} errcode={}{}", request.method, path, reply.response.status,
                            reply.errcode, fault ? " (" + describe(*fault) + ")" : "");
               co_return std::move(reply.response);
             });
}

}  // namespace idp_sim
