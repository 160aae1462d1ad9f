// store/sqlite/sqlite_connection: the sql::Connection of SQLite, the embedded default.
//
//   sql::ConnectionPool pool(sqlite::connection_factory("/var/lib/ciamd/ciamd.db"), 8);
//
// Each connection: foreign keys on, busy_timeout 5 s, synchronous NORMAL, statements prepared
// once (SQLITE_PREPARE_PERSISTENT). The first connection of a file switches it to WAL, so readers
// run beside the one writer. Write transactions are BEGIN IMMEDIATE: they take the write lock up
// front, so two writers queue on busy_timeout instead of one failing when it upgrades from
// reading to writing; lock_key has nothing left to do.
#pragma once

#include <string>

#include "store/sql/connection.hpp"

namespace ciamd::sqlite {

// `path` is a file path (created if missing) or ":memory:" (a database per connection: give its
// pool a single connection).
sql::ConnectionFactory connection_factory(std::string path);

}  // namespace ciamd::sqlite
