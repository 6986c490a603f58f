// File: service/cli_files.h
//
// What both command-line front ends (service/cli_main.cc and
// service/archive/archive_cli.cc) do with files: read a request, parse it
// as proto3 JSON or text format, and write a PDF atomically.
//
//   std::string text;
//   if (!ReadFile(path, &text) || !ParseRequestText(path, text, &req)) return 1;
//   if (!WriteFileAtomically(out_path, pdf)) return 3;
#ifndef PANELPAPER_SERVICE_CLI_FILES_H_
#define PANELPAPER_SERVICE_CLI_FILES_H_

#include <string>

#include "google/protobuf/message.h"

namespace pp::service {

// The whole file; false when it cannot be read.
bool ReadFile(const std::string& path, std::string* out);

// Writes `bytes` to a temporary file beside `path`, then renames it over
// `path`; false (and no temporary file left) on any failure.
bool WriteFileAtomically(const std::string& path, const std::string& bytes);

// Parses `text` (the contents of `path`) into `message`: text format when
// the name ends in .textproto or .txtpb, else proto3 JSON (unknown fields
// refused). On a syntax error prints the first one, with `path`, to
// standard error and returns false.
bool ParseRequestText(const std::string& path, const std::string& text,
                      google::protobuf::Message* message);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_CLI_FILES_H_
