// JSON helpers for assertions on exact response shapes.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <set>
#include <string>
#include <string_view>

namespace it {

namespace json = boost::json;

// Parses or throws std::runtime_error naming `what` and quoting the text.
json::value parse_json(std::string_view text, std::string_view what = "text");
// The object's keys, sorted: compare with EXPECT_EQ(keys_of(o), (std::set<std::string>{...})).
std::set<std::string> keys_of(const json::object& o);
// o[key] as a string, or "" when absent or not a string (assertions then say what was there).
std::string string_at(const json::object& o, std::string_view key);
// Compact serialization, for messages.
std::string dump(const json::value& v);

}  // namespace it
