// Minimal libpq wrappers for the harness's own connections to the test cluster: creating and
// dropping per-Env databases (test_database.cpp) and reading tables (db_reader.cpp). Like the
// SQLite side, it links no ciamd module.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>

namespace it::pg {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultCloser {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using Result = std::unique_ptr<PGresult, ResultCloser>;

// Connects to `url` (a libpq connection URI); throws std::runtime_error when that fails.
Conn connect(const std::string& url);

// Runs `sql` (no parameters, text results); throws unless it succeeded.
Result exec(PGconn* conn, const std::string& sql);

// `name` as a double-quoted SQL identifier.
std::string ident(std::string_view name);

// `url` with its database (the path) replaced by `database`, query parameters kept:
// postgresql://postgres@127.0.0.1:5432/postgres -> postgresql://postgres@127.0.0.1:5432/<database>.
std::string with_database(const std::string& url, const std::string& database);

}  // namespace it::pg
