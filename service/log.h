// File: service/log.h
//
// The server's logging: one line per event on stderr, written with a single
// write(2) so concurrent lines never interleave. Abseil 20220623 has no
// absl/log, hence this small replacement.
//
//   2026-11-26T14:05:53.123Z INFO access method=RenderPaper peer=ipv4:127.0.0.1:50312 ...
//
// Lines are "<UTC time> <LEVEL> <text>". Levels below the configured one are
// dropped (--log_level). Nothing here ever logs request text: callers pass
// sizes, counts, codes and field paths only.
//
// --log_format=json writes every line as one JSON object instead:
//   {"time":"2026-11-26T14:05:53.123Z","level":"INFO","msg":"access","method":"RenderPaper",...}
// A line with fields (LogEvent: the access line, a call's error with its
// request_id) gets them as members, numbers unquoted; a plain Log line is
// {"time","level","msg"}. Strings are JSON-escaped, and every byte outside
// printable ASCII is written as \u00XX (its byte value), so a line is one
// line of ASCII and always valid JSON.
//
//   pp::service::SetLogLevel(pp::service::LogLevel::kWarning);
//   pp::service::Log(LogLevel::kInfo, "serving on 127.0.0.1:50051");
#ifndef PANELPAPER_SERVICE_LOG_H_
#define PANELPAPER_SERVICE_LOG_H_

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pp::service {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

// "debug", "info", "warning", "error", "off" (case-insensitive). False on
// anything else.
bool ParseLogLevel(std::string_view text, LogLevel* out);
std::string_view LogLevelName(LogLevel level);  // "DEBUG", "INFO", ...

enum class LogFormat { kText, kJson };
// "text" or "json". False on anything else.
bool ParseLogFormat(std::string_view text, LogFormat* out);
void SetLogFormat(LogFormat format);
LogFormat GetLogFormat();

// One `key=value` field of a line; `number`: written unquoted in JSON (the
// value must then be a JSON number).
struct LogField {
  std::string key;
  std::string value;
  bool number = false;
};

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
inline bool LogEnabled(LogLevel level);

// Writes one line (a trailing newline is added) if `level` is enabled.
void Log(LogLevel level, std::string_view text);
// A line with fields: text "<message> k=v k=v" (values through LogfmtValue),
// JSON {"time","level","msg":message,"k":v,...}.
void LogEvent(LogLevel level, std::string_view message, const std::vector<LogField>& fields);
// Writes `text` whatever the level: as it is in the text format (no time or
// level: the start-up line scripts wait for), as {"time","level","msg"} in
// JSON.
void LogAlways(LogLevel level, std::string_view text);
// The text form of LogEvent's line (without time and level).
std::string FormatLogfmt(std::string_view message, const std::vector<LogField>& fields);
// `value` as a JSON string literal (quotes included), ASCII only.
std::string JsonString(std::string_view value);

// A value for a `key=value` log field (logfmt): as it is when it is
// non-empty printable ASCII without space, '"', '\\' or '='; otherwise
// double-quoted with '"' and '\\' escaped and every other byte outside
// printable ASCII (controls, DEL, non-ASCII) written as \xNN — so a value
// (a peer, a client identity, a paper id) can never break a line or forge a
// field, and lines stay ASCII.
std::string LogfmtValue(std::string_view value);

// Tests: receive every enabled line (without the newline) instead of stderr:
// "<LEVEL> <text>" in the text format, the whole JSON object in JSON. Pass
// nullptr to restore stderr. Not for concurrent reconfiguration.
void SetLogSinkForTesting(std::function<void(std::string_view line)> sink);

// Routes protobuf's own log messages (e.g. "String field ... contains invalid
// UTF-8 data") into Log at DEBUG level: they are about client input, which
// the service already answers with INVALID_ARGUMENT, and must not let a
// client fill the server's log.
void RouteProtobufLogs();

// ---- implementation ----
namespace log_internal {
extern std::atomic<int> g_level;
}
inline bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= log_internal::g_level.load(std::memory_order_relaxed) &&
         level != LogLevel::kOff;
}

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_LOG_H_
