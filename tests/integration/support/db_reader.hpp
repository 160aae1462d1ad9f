// Read-only peeks into the server's SQLite file with the sqlite3 C API, so tests can prove that a
// rejected request changed nothing and that secrets are not stored in clear. A fresh connection per
// call always sees the latest committed state (the server writes in WAL mode).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace it {

// Row count of every table except SQLite's own, by name.
using RowCounts = std::map<std::string, std::int64_t>;

RowCounts count_rows(const std::filesystem::path& db);

// Every cell of `table` (all columns, all rows) as text; blobs are included byte for byte.
// Throws when the table does not exist.
std::vector<std::string> table_cells(const std::filesystem::path& db, std::string_view table);

// The column names of `table`, in order.
std::vector<std::string> table_columns(const std::filesystem::path& db, std::string_view table);

// The single integer a query such as "SELECT SUM(used) FROM verification_codes" yields (0 for
// NULL). Throws when the query fails or yields no row.
std::int64_t query_int(const std::filesystem::path& db, const std::string& sql);

// "audit_events: 3 -> 4, users: 1 -> 2" for the tables whose counts differ; "" when equal.
std::string diff_counts(const RowCounts& before, const RowCounts& after);

}  // namespace it
