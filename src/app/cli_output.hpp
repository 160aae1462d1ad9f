// app/cli_output: how every command prints a record, an error and its exit code, written once.
#pragma once

#include <boost/json/object.hpp>

#include "app/commands.hpp"
#include "core/result.hpp"

namespace ciamd {

// One JSON line with --json, else "key: value" lines.
void print_record(const boost::json::object& record, bool json);

// "CODE: detail" on stderr, and exit code 1.
void report_failure(CliState& state, const ApiError& error);

// Prints the record `to_json` makes of a result, or its error.
template <class T, class ToJson>
void finish(CliState& state, const Result<T>& result, bool json, ToJson to_json) {
  if (!result) {
    report_failure(state, result.error());
    return;
  }
  print_record(to_json(result.value()), json);
}

}  // namespace ciamd
