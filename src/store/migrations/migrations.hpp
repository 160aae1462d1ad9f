// store/migrations: the versioned schema, embedded in the binary.
//
// Every migrations/<NNN>_<name>.sql file becomes one Migration at build time
// (embed_migrations.cmake writes the table; versions must run 1, 2, 3, ... without gaps). A backend
// applies the pending ones in order, each in its own transaction, and records each in
// schema_migrations(version, name, applied_at). Files are never edited once released: a change
// to the schema is a new file. The SQL is shared by every backend, so it stays portable.
#pragma once

#include <span>
#include <string_view>

namespace ciamd {

struct Migration {
  int version;
  std::string_view name;  // "initial" for 001_initial.sql
  std::string_view sql;   // one or more statements, without BEGIN/COMMIT
};

// All migrations, ordered by version.
std::span<const Migration> embedded_migrations();

}  // namespace ciamd
