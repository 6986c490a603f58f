#include "service/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "absl/base/const_init.h"
#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/stubs/logging.h"

namespace pp::service {
namespace log_internal {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
}  // namespace log_internal

namespace {

std::atomic<int> g_format{static_cast<int>(LogFormat::kText)};

ABSL_CONST_INIT absl::Mutex g_sink_mu(absl::kConstInit);
std::function<void(std::string_view)>* g_sink ABSL_GUARDED_BY(g_sink_mu) = nullptr;

std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

void WriteAll(const std::string& line) {
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report a failing stderr
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
}

void ProtobufLogHandler(google::protobuf::LogLevel level, const char* filename, int line,
                        const std::string& message) {
  // FATAL aborts in protobuf after the handler returns; say it loudly.
  const LogLevel ours = level == google::protobuf::LOGLEVEL_FATAL ? LogLevel::kError : LogLevel::kDebug;
  Log(ours, absl::StrCat("protobuf: ", message));
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel* out) {
  const std::string t = absl::AsciiStrToLower(std::string(text));
  if (t == "debug") *out = LogLevel::kDebug;
  else if (t == "info") *out = LogLevel::kInfo;
  else if (t == "warning" || t == "warn") *out = LogLevel::kWarning;
  else if (t == "error") *out = LogLevel::kError;
  else if (t == "off" || t == "none") *out = LogLevel::kOff;
  else return false;
  return true;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kWarning: return "WARNING";
    case LogLevel::kError: return "ERROR";
    case LogLevel::kOff: return "OFF";
  }
  return "?";
}

bool ParseLogFormat(std::string_view text, LogFormat* out) {
  const std::string t = absl::AsciiStrToLower(std::string(text));
  if (t == "text") *out = LogFormat::kText;
  else if (t == "json") *out = LogFormat::kJson;
  else return false;
  return true;
}

void SetLogFormat(LogFormat format) { g_format.store(static_cast<int>(format)); }
LogFormat GetLogFormat() { return static_cast<LogFormat>(g_format.load()); }

namespace {

// `v` in double quotes, with '"' and '\\' escaped by a backslash and every
// byte outside printable ASCII as `escape` followed by two hex digits
// (JSON: "\\u00", logfmt: "\\x").
std::string Quoted(std::string_view v, std::string_view escape) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  out.reserve(v.size() + 2);
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7F) {
      out += escape;
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::string JsonString(std::string_view v) { return Quoted(v, "\\u00"); }

std::string FormatLogfmt(std::string_view message, const std::vector<LogField>& fields) {
  std::string out(message);
  for (const LogField& f : fields) {
    out += ' ';
    out += f.key;
    out += '=';
    out += f.number ? f.value : LogfmtValue(f.value);
  }
  return out;
}

void SetLogLevel(LogLevel level) { log_internal::g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(log_internal::g_level.load()); }

namespace {

// Writes a formatted line (text: "<LEVEL> <text>"; JSON: the object) to the
// test sink or, with the time in front (text) and a newline, to stderr.
void Emit(LogLevel level, std::string body, bool json) {
  {
    absl::MutexLock lock(&g_sink_mu);
    if (g_sink != nullptr) {
      (*g_sink)(body);
      return;
    }
  }
  std::string line;
  if (!json) {
    line = Timestamp();
    line += ' ';
  }
  line += body;
  line += '\n';
  WriteAll(line);
}

std::string JsonHead(LogLevel level, std::string_view message) {
  return "{\"time\":\"" + Timestamp() + "\",\"level\":\"" + std::string(LogLevelName(level)) +
         "\",\"msg\":" + JsonString(message);
}

}  // namespace

void Log(LogLevel level, std::string_view text) {
  if (!LogEnabled(level)) return;
  if (GetLogFormat() == LogFormat::kJson) {
    Emit(level, JsonHead(level, text) + "}", true);
    return;
  }
  Emit(level, std::string(LogLevelName(level)) + " " + std::string(text), false);
}

void LogAlways(LogLevel level, std::string_view text) {
  if (GetLogFormat() == LogFormat::kJson) {
    Emit(level, JsonHead(level, text) + "}", true);
    return;
  }
  std::string line(text);
  line += '\n';
  WriteAll(line);
}

void LogEvent(LogLevel level, std::string_view message, const std::vector<LogField>& fields) {
  if (!LogEnabled(level)) return;
  if (GetLogFormat() == LogFormat::kJson) {
    std::string line = JsonHead(level, message);
    for (const LogField& f : fields) {
      absl::StrAppend(&line, ",", JsonString(f.key), ":", f.number ? f.value : JsonString(f.value));
    }
    line += '}';
    Emit(level, std::move(line), true);
    return;
  }
  Emit(level, std::string(LogLevelName(level)) + " " + FormatLogfmt(message, fields), false);
}

std::string LogfmtValue(std::string_view v) {
  if (v.empty()) return "\"\"";
  bool bare = true;
  for (unsigned char c : v) {
    if (c <= 0x20 || c == '"' || c == '\\' || c == '=' || c >= 0x7F) bare = false;
  }
  if (bare) return std::string(v);
  return Quoted(v, "\\x");
}

void SetLogSinkForTesting(std::function<void(std::string_view line)> sink) {
  absl::MutexLock lock(&g_sink_mu);
  delete g_sink;
  g_sink = sink ? new std::function<void(std::string_view)>(std::move(sink)) : nullptr;
}

void RouteProtobufLogs() { google::protobuf::SetLogHandler(&ProtobufLogHandler); }

}  // namespace pp::service
