// flows/admin/page: one page of a list an operator reads, and the cursor of the next. Every list
// of the admin API and the CLI pages the same way: by a key in a fixed order, never by offset, so
// rows written meanwhile neither repeat nor go missing across pages.
//
//   Page<User> p = users.search("", "", 100);
//   while (p.next) p = users.search("", *p.next, 100);
//
// The example above is compiled and run in tests/unit/contracts_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ciamd {

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next;  // pass as `after` for the next page; none on the last
};

}  // namespace ciamd
