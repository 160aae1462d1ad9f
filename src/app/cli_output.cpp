#include "app/cli_output.hpp"

#include <boost/json/serialize.hpp>
#include <iostream>

namespace ciamd {

void print_record(const boost::json::object& record, bool json) {
  if (json) {
    std::cout << boost::json::serialize(record) << "\n";
    return;
  }
  for (const auto& [key, value] : record) {
    std::cout << key << ": " << boost::json::serialize(value) << "\n";
  }
}

void report_failure(CliState& state, const ApiError& error) {
  std::cerr << error_info(error.code).code << ": " << error.detail << "\n";
  state.exit_code = 1;
}

}  // namespace ciamd
