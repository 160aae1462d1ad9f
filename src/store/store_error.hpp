// store/store_error: what every store role throws for an infrastructure failure (the database is
// unreachable, a statement fails for a reason other than the ones a method's result names). Flows
// let it pass; the endpoint boundary answers IDAAS.SDK.COM.0002.
#pragma once

#include <stdexcept>

namespace ciamd {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ciamd
