// File: service/files.h
//
// The one routine that reads a whole file and the one that writes a file
// atomically, for both programs (panelpaperd's TLS, token and ICC files;
// the CLI's requests and PDFs, through service/cli/cli_files.h). "-" means
// standard input / standard output. Errors are absl::Status values whose
// message names the file and the operating system's reason ("cannot write
// out/x.pdf: Permission denied"), ready to print.
//
//   absl::StatusOr<std::string> pem = ReadFile(cert_path);
//   absl::Status written = WriteFileAtomically(out_path, pdf);
#ifndef PANELPAPER_SERVICE_FILES_H_
#define PANELPAPER_SERVICE_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace pp::service {

// The path meaning standard input (for reading) or standard output (for
// writing).
inline constexpr char kStdio[] = "-";

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

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_FILES_H_
