// bench/micro/seeded_store: SQLite databases seeded with N users, each with one WeChat identity and
// one session, made once per N for the whole run (seeding 100,000 rows takes longer than the
// lookups measured on them) in a temporary directory that remove_seeded_stores() deletes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace ciamd::bench {

struct SeededStore {
  std::unique_ptr<Store> store;
  std::string provider_app_id;
  std::vector<std::string> subjects;      // subjects[i]: the openid of user i
  std::vector<std::string> token_hashes;  // token_hashes[i]: the hash of user i's session token
};

// The database of `rows` users, seeded on first use.
SeededStore& seeded_store(int rows);

// Closes every seeded database and removes its directory.
void remove_seeded_stores();

}  // namespace ciamd::bench
