#include <cctype>
#include <memory>
#include <string>

#include "store/postgres/pg_connection.hpp"
#include "store/sql/sql_store.hpp"
#include "store/sqlite/sqlite_connection.hpp"
#include "store/store.hpp"

namespace ciamd {
namespace {

constexpr std::string_view kSqliteMemory = "sqlite::memory:";
constexpr std::string_view kSqliteFile = "sqlite://";  // + "/abs/path.db" or "relative/path.db"
constexpr std::string_view kSupported =
    "supported: sqlite:///absolute/path.db, sqlite://relative/path.db, sqlite::memory:, "
    "postgresql://user:password@host:port/database";

// The scheme of `url`, for error messages, if it looks like one. Never the rest of the URL: a
// database URL may carry a password.
std::string scheme_of(std::string_view url) {
  const auto colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 32) return {};
  for (char c : url.substr(0, colon)) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) == 0 && c != '+' && c != '-' && c != '.') return {};
  }
  return std::string(url.substr(0, colon));
}

std::unique_ptr<Store> sql_store(sql::ConnectionFactory factory, int pool_size,
                                 const Sealer& sealer) {
  return std::make_unique<SqlStore>(
      std::make_unique<sql::ConnectionPool>(std::move(factory), pool_size), sealer);
}

}  // namespace

std::unique_ptr<Store> open_store(std::string_view url, const Sealer& sealer, int pool_size) {
  // Each in-memory SQLite connection would be a database of its own: one connection.
  if (url == kSqliteMemory) return sql_store(sqlite::connection_factory(":memory:"), 1, sealer);
  if (url.starts_with(kSqliteFile)) {
    // "sqlite:///var/lib/x.db" leaves "/var/lib/x.db"; "sqlite://data/x.db" leaves "data/x.db",
    // relative to the working directory.
    const std::string path(url.substr(kSqliteFile.size()));
    if (path.empty() || path == "/") {
      throw StoreError("store: the database URL names no file (" + std::string(kSupported) + ")");
    }
    return sql_store(sqlite::connection_factory(path), pool_size, sealer);
  }
  // libpq reads the URL itself (host, port, database, user, password, sslmode, ...).
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return sql_store(postgres::connection_factory(std::string(url)), pool_size, sealer);
  }
  const std::string scheme = scheme_of(url);
  if (scheme == "sqlite") {
    throw StoreError("store: malformed sqlite database URL (" + std::string(kSupported) + ")");
  }
  if (scheme.empty()) {
    throw StoreError("store: the database URL is not a URL (" + std::string(kSupported) + ")");
  }
  throw StoreError("store: unsupported database URL scheme '" + scheme + "' (" +
                   std::string(kSupported) + ")");
}

}  // namespace ciamd
