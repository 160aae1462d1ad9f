#include "api/render.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace ciamd {
namespace {

struct OutcomeBody {
  boost::json::object operator()(const LoginSuccess& s) const {
    boost::json::object o;
    o["session_token"] = s.session_token;
    o["expire"] = s.expire;
    o["status"] = "SUCCESS";
    o["id_token"] = s.id_token;
    return o;
  }
  boost::json::object operator()(const LoginStep& s) const {
    boost::json::object o;
    if (s.status == StepStatus::kMfaAuth) {
      o["status"] = to_string(s.status);
      o["state_token"] = s.state_token;
      o["data"] = s.data;
    } else {
      o["state_token"] = s.state_token;
      o["data"] = s.data;
      o["status"] = to_string(s.status);
    }
    return o;
  }
  boost::json::object operator()(const LoginDenied&) const {
    boost::json::object o;
    o["status"] = "ACCESS_DENIED";
    o["data"] = "Access Denied";
    return o;
  }
};

}  // namespace

HttpResponse render_error(const ApiError& error, Language lang, std::string_view request_id) {
  const ErrorInfo& info = error_info(error.code);
  if (!error.detail.empty()) {
    if (info.http_status >= 500) {
      spdlog::error("request {} {}: {}", request_id, info.code, error.detail);
    } else {
      spdlog::info("request {} {}: {}", request_id, info.code, error.detail);
    }
  }
  return HttpResponse::json(info.http_status, render_error_body(error.code, lang));
}

HttpResponse render_outcome(const LoginOutcome& outcome) {
  return HttpResponse::json(200, boost::json::serialize(std::visit(OutcomeBody{}, outcome)));
}

}  // namespace ciamd
