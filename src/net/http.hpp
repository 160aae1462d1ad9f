// net/http: plain HTTP message values shared by the server, the router, the client and handlers.
// No Beast here: handlers see these structs only.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ciamd {

// Header fields in arrival order. Lookups are case-insensitive, as HTTP requires.
class Headers {
 public:
  // The first value of `name`, or "" when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  // Replaces every field called `name` with one field.
  void set(std::string name, std::string value);
  void add(std::string name, std::string value);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path plus query
  std::string path;    // percent-decoding is not applied
  std::string query;   // without the '?'
  Headers headers;
  std::string body;
  std::string peer_address;  // the TCP peer's IP: the only address rate limits may trust
  std::string request_id;    // assigned by the server; echoed in the X-Request-Id header
};

struct HttpResponse {
  int status = 200;
  Headers headers;
  std::string body;

  // A response with `Content-Type: application/json`.
  static HttpResponse json(int status, std::string body);
  // An empty-bodied response.
  static HttpResponse empty(int status);
};

// The value of `key` in an application/x-www-form-urlencoded string (a query or a form body),
// percent-decoded and with '+' as space; "" when absent.
std::string form_value(std::string_view form, std::string_view key);

// ASCII case-insensitive equality: header names, auth schemes.
bool iequals(std::string_view a, std::string_view b);

}  // namespace ciamd
