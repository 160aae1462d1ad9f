#include "integration/support/pg_client.hpp"

#include <stdexcept>

namespace it::pg {

Conn connect(const std::string& url) {
  Conn conn(PQconnectdb(url.c_str()));
  if (!conn) throw std::runtime_error("postgres: out of memory connecting to " + url);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("postgres: cannot connect to " + url + ": " +
                             PQerrorMessage(conn.get()));
  }
  // Notices (say, "database does not exist, skipping") would clutter the test output.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

Result exec(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error("postgres: " + sql + ": " + PQerrorMessage(conn));
  }
  return r;
}

std::string ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string with_database(const std::string& url, const std::string& database) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::runtime_error("not a postgres URL: " + url);
  const auto authority = scheme_end + 3;
  const auto query = url.find('?', authority);
  const auto path = url.find('/', authority);
  const auto host_end = path != std::string::npos && (query == std::string::npos || path < query)
                            ? path
                            : (query == std::string::npos ? url.size() : query);
  const std::string rest = query == std::string::npos ? "" : url.substr(query);
  return url.substr(0, host_end) + "/" + database + rest;
}

}  // namespace it::pg
