// File: service/cli/cli_files.h
//
// What every panelpaper command does with files: read a request (or a
// token, a certificate) and write a PDF, with service/files.h's routines
// ("-" means standard input / standard output; errors name the file and the
// operating system's reason, "cannot write out/x.pdf: Permission denied"),
// and parse requests with errors people can act on.
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
#include "service/files.h"

namespace pp::cli {

// Reading and writing files: one routine each, shared with the server
// (service/files.h).
using pp::service::CheckOutputPath;
using pp::service::kStdio;
using pp::service::ReadFile;
using pp::service::WriteFileAtomically;

// How a path is named in messages: "<stdin>" / "<stdout>" for "-".
std::string InputName(const std::string& path);
std::string OutputName(const std::string& path);

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
