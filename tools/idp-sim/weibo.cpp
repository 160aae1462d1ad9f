#include "idp-sim/weibo.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "idp-sim/wire.hpp"

namespace idp_sim {
namespace {

namespace json = boost::json;

// Weibo's API servers are Java; this is their Content-Type. Slashes are not escaped.
constexpr const char* kWeiboContentType = "application/json;charset=UTF-8";
constexpr const char* kTokenInfoPath = "/oauth2/get_token_info";
constexpr const char* kUsersShowPath = "/2/users/show.json";

ciamd::HttpResponse weibo_json(int status, const json::object& body) {
  ciamd::HttpResponse response;
  response.status = status;
  response.headers.set("Content-Type", kWeiboContentType);
  response.body = json::serialize(body);
  return response;
}

UpstreamReply weibo_error(const WeiboError& error, const std::string& path) {
  json::object body;
  body["error"] = error.error;
  body["error_code"] = error.error_code;
  body["request"] = path;
  return UpstreamReply{weibo_json(400, body), error.error_code};
}

UpstreamReply weibo_fault_error(int code, const std::optional<std::string>& text,
                                const std::string& path) {
  return weibo_error(WeiboError{code, text.value_or(default_weibo_error(code))}, path);
}

// An id as a JSON number, or as a string with the app's string_fields knob. Ids are validated
// digits that fit an int64 (is_weibo_id), so the fallback only guards a broken invariant.
json::value id_json(const std::string& id, bool as_string) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), n);
  if (as_string || ec != std::errc{} || end != id.data() + id.size()) return json::value(id);
  return json::value(n);
}

json::value number_json(std::int64_t n, bool as_string) {
  return as_string ? json::value(std::to_string(n)) : json::value(n);
}

bool is_form(std::string_view content_type) {
  constexpr std::string_view kForm = "application/x-www-form-urlencoded";
  if (content_type.size() < kForm.size()) return false;
  for (std::size_t i = 0; i < kForm.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(content_type[i])) != kForm[i]) return false;
  }
  return true;
}

// As a servlet's getParameter: the query first, then a form body. A body of another type is not
// read as parameters.
std::string param(const ciamd::HttpRequest& req, std::string_view key) {
  std::string value = query_param(req, key);
  if (value.empty() && is_form(req.headers.get("Content-Type"))) {
    value = ciamd::form_value(req.body, key);
  }
  return value;
}

UpstreamReply token_info_reply(const WeiboTokenInfo& info) {
  const bool s = info.string_fields;
  json::object body;
  body["uid"] = id_json(info.uid, s);
  body["appkey"] = id_json(info.app_key, s);
  body["scope"] = nullptr;
  body["create_at"] = number_json(info.create_at, s);
  body["expire_in"] = number_json(info.expire_in, s);
  return UpstreamReply{weibo_json(200, body), 0};
}

UpstreamReply user_reply(const WeiboUser& user) {
  const std::string image = "https://tvax1.sinaimg.cn/crop.0.0.180.180.";
  const std::string file = "/" + user.uid + "ly8gsim0000.jpg";
  json::object body;
  body["id"] = id_json(user.uid, false);
  body["idstr"] = user.uid;
  body["class"] = 1;
  body["screen_name"] = user.screen_name;
  body["name"] = user.screen_name;
  body["province"] = user.province;
  body["city"] = user.city;
  body["location"] = user.location;
  body["description"] = "";
  body["url"] = "";
  body["profile_image_url"] = image + "50" + file;
  body["profile_url"] = "u/" + user.uid;
  body["domain"] = "";
  body["weihao"] = "";
  body["gender"] = user.gender;
  body["followers_count"] = 12;
  body["friends_count"] = 34;
  body["pagefriends_count"] = 0;
  body["statuses_count"] = 56;
  body["favourites_count"] = 0;
  body["created_at"] = weibo_time(user.created_at);
  body["following"] = false;
  body["allow_all_act_msg"] = false;
  body["geo_enabled"] = true;
  body["verified"] = false;
  body["verified_type"] = -1;
  body["remark"] = "";
  body["allow_all_comment"] = true;
  body["avatar_large"] = image + "180" + file;
  body["avatar_hd"] = image + "1024" + file;
  body["verified_reason"] = "";
  body["follow_me"] = false;
  body["online_status"] = 0;
  body["bi_followers_count"] = 3;
  body["lang"] = "zh-cn";
  return UpstreamReply{weibo_json(200, body), 0};
}

}  // namespace

void add_weibo_routes(ciamd::Router& router, SimState& state) {
  WeiboState& weibo = state.weibo();
  using Req = const ciamd::HttpRequest&;

  add_upstream_route(
      router, state, "POST", kTokenInfoPath,
      [&weibo](Req req) -> ciamd::Task<UpstreamReply> {
        const auto info = weibo.token_info(param(req, "access_token"));
        co_return info ? token_info_reply(info.value()) : weibo_error(info.error(), kTokenInfoPath);
      },
      weibo_fault_error);
  // Weibo answers a GET here with invalid_request, whatever the parameters; it is counted and can
  // be faulted under the one path, like the POST.
  add_upstream_route(
      router, state, "GET", kTokenInfoPath,
      [](Req) -> ciamd::Task<UpstreamReply> {
        co_return weibo_error(WeiboError{21323, "invalid_request"}, kTokenInfoPath);
      },
      weibo_fault_error);

  add_upstream_route(
      router, state, "GET", kUsersShowPath,
      [&weibo](Req req) -> ciamd::Task<UpstreamReply> {
        const auto user =
            weibo.show_user(query_param(req, "access_token"), query_param(req, "uid"));
        co_return user ? user_reply(user.value()) : weibo_error(user.error(), kUsersShowPath);
      },
      weibo_fault_error);
}

}  // namespace idp_sim
