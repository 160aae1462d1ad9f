// store/postgres/pg_connection: the PostgreSQL backend of store/sql, over libpq.
//
//   sql::ConnectionPool pool(postgres::connection_factory("postgresql://ciamd:pw@db:5432/ciamd"),
//   8); auto conn = pool.acquire(); sql::Transaction tx(*conn);                          // BEGIN
//   (READ COMMITTED) conn->lock_key("send:+8613800138000");               // pg_advisory_xact_lock
//   auto stmt = conn->prepare("UPDATE users SET status = ?1 WHERE id = ?2");   // sent as $1, $2
//   stmt.bind_all("disabled", user_id);
//   stmt.execute();
//   tx.commit();                                         // throws if the transaction had failed
//
// Each connection sets connect_timeout=5 (unless the URL sets it), application_name=ciamd (unless
// the URL sets it), client_encoding=UTF8 and lock_timeout=10s. Statements are prepared on first
// execution with the parameter types of their binds (bigint, text, unknown for NULL), once per
// SQL text and type signature per connection. Errors never carry the URL's password or a bound
// value.
#pragma once

#include <string>
#include <string_view>

#include "store/sql/connection.hpp"

namespace ciamd::postgres {

// Opens connections to a PostgreSQL database named by a libpq URL
// ("postgresql://user:pw@host:port/db?..."). Each call of the factory connects or throws
// StoreError.
sql::ConnectionFactory connection_factory(std::string url);

// `?1, ?2, ...` become `$1, $2, ...`, except inside '...' literals, "..." identifiers and
// comments. Used by prepare(); declared here for the tests.
std::string dollar_placeholders(std::string_view sql);

}  // namespace ciamd::postgres
