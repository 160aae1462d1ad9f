// app/logging: the format of the server's log lines, `[log] format` in the configuration.
//
// "text" leaves spdlog's own pattern as it is. "json" writes one JSON object per line:
//
//   {"ts":"2026-11-21T13:29:26.123Z","level":"info","msg":"request 3f0c... LOGIN.1002: ...",
//    "request_id":"3f0c..."}
//
// `ts` is UTC with milliseconds; `level` is trace|debug|info|warn|error|critical; `msg` is the
// text line's message, with invalid UTF-8 replaced by U+FFFD. `request_id` is present when the
// message names a request the way the server's messages do: it starts with "request <id> " or
// "admin request <id> ", or ends with "(request <id>)", where <id> is 8 to 64 hex digits.
//
//   apply_log_format(cfg.log.format);   // after load_config, before anything is logged
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <string_view>

namespace ciamd {

// The request id the message names (see above), or "" when it names none.
std::string_view log_request_id(std::string_view message);

// Appends `text` to `out` as a JSON string literal (with the quotes).
void append_json_string(std::string& out, std::string_view text);

// One JSON object per log line, ending in '\n'.
class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

// "text": nothing changes; "json": every logger (and every logger made later) uses
// JsonLogFormatter. Anything else is a std::invalid_argument (load_config rejects it first).
void apply_log_format(std::string_view format);

}  // namespace ciamd
