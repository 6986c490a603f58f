#include "service/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace pp::service {
namespace {

std::string Reason(int error) { return std::strerror(error); }

// What kind of non-regular file `st` is, for a refusal.
std::string KindOf(const struct stat& st) {
  if (S_ISLNK(st.st_mode)) return "a symbolic link";
  if (S_ISFIFO(st.st_mode)) return "a FIFO";
  if (S_ISCHR(st.st_mode)) return "a character device";
  if (S_ISBLK(st.st_mode)) return "a block device";
  if (S_ISSOCK(st.st_mode)) return "a socket";
  if (S_ISDIR(st.st_mode)) return "a folder";
  return "not a regular file";
}

// 0, or the errno of the failed write.
int WriteAll(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = STDIN_FILENO;
  if (path != kStdio) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", path));
    }
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return absl::FailedPreconditionError(
          absl::StrCat("cannot read ", path, ": it is a folder, not a file"));
    }
  }
  std::string out;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      if (fd != STDIN_FILENO) ::close(fd);
      return absl::DataLossError(absl::StrCat("cannot read ", (path == kStdio ? std::string("standard input") : path), ": ", Reason(error)));
    }
    if (n == 0) break;
    out.append(buffer, static_cast<size_t>(n));
  }
  if (fd != STDIN_FILENO) ::close(fd);
  return out;
}

absl::Status CheckOutputPath(const std::string& path) {
  if (path == kStdio) return absl::OkStatus();
  if (path.empty()) return absl::InvalidArgumentError("no output file given");
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat("cannot write ", path, ": ", Reason(errno)));
  }
  if (S_ISREG(st.st_mode)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to write ", path, ": it is ", KindOf(st),
      ", not a regular file (the PDF would replace it); use -o - for standard output"));
}

absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes) {
  if (path == kStdio) {
    if (const int error = WriteAll(STDOUT_FILENO, bytes); error != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write standard output: ", Reason(error)));
    }
    return absl::OkStatus();
  }
  if (absl::Status s = CheckOutputPath(path); !s.ok()) return s;
  auto failed = [&](int error) {
    return absl::FailedPreconditionError(absl::StrCat("cannot write ", path, ": ", Reason(error)));
  };
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tmp = absl::StrCat(dir, ".", base, ".XXXXXX");
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return failed(errno);
  auto abandon = [&](int error) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return failed(error);
  };
  // mkstemp makes the file 0600; give it what a plain create would (0666
  // less the umask).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0666 & ~mask) != 0) return abandon(errno);
  if (const int error = WriteAll(fd, bytes); error != 0) return abandon(error);
  if (::fsync(fd) != 0) return abandon(errno);
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    return failed(error);
  }
  // The path may have become something else meanwhile: check again.
  if (absl::Status s = CheckOutputPath(path); !s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(tmp.c_str());
    return failed(error);
  }
  return absl::OkStatus();
}

}  // namespace pp::service
