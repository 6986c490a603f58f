// File: service/cli/json_scan.h
//
// A position-tracking scan of JSON text, used only after protobuf's JSON
// parser has refused a request (protobuf 3.21 reports no line or column).
// It accepts what protobuf's parser accepts (single-quoted strings, bare
// identifier keys, a trailing comma before } or ]) so that it never blames
// text protobuf took; when it finds no syntax error the caller falls back to
// protobuf's message. On the way it records where each field path starts,
// in protobuf's spelling ("items[3].paper.title"), so semantic errors
// ("(meeting) pannelName: Cannot find field.") get a position too.
//
//   JsonScan scan = ScanJson(text);
//   if (scan.error) Report(scan.error->offset, scan.error->message);
#ifndef PANELPAPER_SERVICE_CLI_JSON_SCAN_H_
#define PANELPAPER_SERVICE_CLI_JSON_SCAN_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace pp::cli {

struct JsonSyntaxError {
  size_t offset = 0;  // byte offset into the text
  std::string message;
};

struct JsonPlace {
  size_t key = 0;    // byte offset of the key (of the value, for array elements)
  size_t value = 0;  // byte offset of the value
};

struct JsonScan {
  std::optional<JsonSyntaxError> error;
  // Field path -> where it is; filled up to the error (or the end).
  std::map<std::string, JsonPlace> places;
};

JsonScan ScanJson(absl::string_view text);

// 1-based line and column (in characters, UTF-8) of `offset`.
struct TextPosition {
  int line = 1;
  int column = 1;
};
TextPosition PositionOf(absl::string_view text, size_t offset);

// "FILE:LINE:COLUMN: message" plus the offending line and a caret under
// the column (long lines are cut to a window around it).
std::string FormatAt(absl::string_view file, absl::string_view text, size_t offset,
                     absl::string_view message);

}  // namespace pp::cli

#endif  // PANELPAPER_SERVICE_CLI_JSON_SCAN_H_
