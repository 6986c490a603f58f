#include "service/cli/watch.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <set>

#include "service/cli/command_line.h"

namespace pp::cli {
namespace {

// "dir/name" -> ("dir", "name"); "name" -> (".", "name").
std::pair<std::string, std::string> Split(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// Reads pending events; true when one concerns a watched file.
bool Relevant(int fd, const std::map<int, std::set<std::string>>& names) {
  alignas(inotify_event) char buffer[64 * 1024];
  bool relevant = false;
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    for (char* p = buffer; p < buffer + n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(p);
      auto it = names.find(e->wd);
      if (it != names.end() && e->len > 0 && it->second.count(e->name) > 0) relevant = true;
      if (e->mask & IN_Q_OVERFLOW) relevant = true;
      p += sizeof(inotify_event) + e->len;
    }
  }
  return relevant;
}

}  // namespace

int WatchLoop(const std::function<int(std::vector<std::string>* files)>& run) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    std::cerr << "panelpaper: --watch: inotify: " << std::strerror(errno) << "\n";
    return kExitFailure;
  }
  std::map<std::string, int> dirs;                // folder -> watch descriptor
  std::map<int, std::set<std::string>> names;     // watch descriptor -> watched names
  while (true) {
    std::vector<std::string> files;
    run(&files);
    names.clear();
    for (const std::string& f : files) {
      const auto [dir, name] = Split(f);
      auto it = dirs.find(dir);
      if (it == dirs.end()) {
        const int wd = ::inotify_add_watch(
            fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MODIFY);
        if (wd < 0) {
          std::cerr << "panelpaper: --watch: cannot watch " << dir << ": " << std::strerror(errno)
                    << "\n";
          continue;
        }
        it = dirs.emplace(dir, wd).first;
      }
      names[it->second].insert(name);
    }
    std::cerr << "panelpaper: watching " << files.size() << " file" << (files.size() == 1 ? "" : "s")
              << " for changes (Ctrl-C to stop)\n";
    // Sleep until a watched file changes, then until the changes settle
    // (an editor's save is several events).
    bool changed = false;
    while (!changed) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, -1) < 0 && errno != EINTR) {
        std::cerr << "panelpaper: --watch: " << std::strerror(errno) << "\n";
        ::close(fd);
        return kExitFailure;
      }
      changed = Relevant(fd, names);
    }
    while (true) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) break;
      Relevant(fd, names);
    }
  }
}

}  // namespace pp::cli
