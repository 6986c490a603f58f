// File: service/cli/cli_files.h
//
// What every panelpaper command does with files: read a request (or a
// token, a certificate) and write a PDF — the one reading and the one
// atomic-writing routine of the CLI. "-" means standard input / standard
// output. Errors are absl::Status values whose message names the file and
// the operating system's reason ("cannot write out/x.pdf: Permission
// denied"), ready to print.
//
//   absl::StatusOr<std::string> text = ReadFile(path);
//   absl::Status parsed = ParseRequestText(path, *text, &req);  // positions, hints
//   absl::Status written = WriteFileAtomically(out_path, pdf);
#ifndef PANELPAPER_SERVICE_CLI_CLI_FILES_H_
#define PANELPAPER_SERVICE_CLI_CLI_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace pp::cli {

// The path meaning standard input (for reading) or standard output (for
// writing).
inline constexpr char kStdio[] = "-";

// How a path is named in messages: "<stdin>" / "<stdout>" for "-".
std::string InputName(const std::string& path);
std::string OutputName(const std::string& path);

// The whole file, or standard input for "-". A folder, a missing or
// unreadable file is an error naming the file and the reason.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Whether `path` may be written: "-", a path that does not exist yet, or
// an existing regular file. Anything else — a symbolic link, a FIFO, a
// device (/dev/null, /dev/stdout), a folder — is FAILED_PRECONDITION
// (use "-" for standard output). Checked again by WriteFileAtomically; call
// it before a long render to fail early.
absl::Status CheckOutputPath(const std::string& path);

// Writes `bytes` to standard output for "-"; otherwise to a new temporary
// file beside `path` (created exclusively, permissions as the umask
// allows), flushed to disk, then renamed over `path`. On any failure the
// temporary file is removed and `path` is untouched.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes);

// Parses `text` (read from `path`) into `message`: text format when the
// name ends in .textproto or .txtpb (or, for "-", when the text does not
// start with '{'), else proto3 JSON (unknown fields refused). A leading
// UTF-8 byte-order mark is ignored. On failure the status message is
// "FILE:LINE:COLUMN: message", the offending line and a caret; an unknown
// enum value lists the valid ones, an unknown field name suggests the
// nearest known one.
absl::Status ParseRequestText(const std::string& path, absl::string_view text,
                              google::protobuf::Message* message);

}  // namespace pp::cli

#endif  // PANELPAPER_SERVICE_CLI_CLI_FILES_H_
