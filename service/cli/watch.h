// File: service/cli/watch.h
//
// `render --watch` / `pack --watch`: run once, then again whenever one of
// the input files changes (inotify on their folders, so editors that save by
// renaming a new file into place are seen too; the process sleeps in
// poll() between changes — no busy polling). A failed run prints its errors
// and leaves the last good PDF in place (the write is atomic and only
// happens on success).
//
//   return WatchLoop([&](std::vector<std::string>* files) {
//     files->push_back(request_path);
//     return Render(args);
//   });
#ifndef PANELPAPER_SERVICE_CLI_WATCH_H_
#define PANELPAPER_SERVICE_CLI_WATCH_H_

#include <functional>
#include <string>
#include <vector>

namespace pp::cli {

// `run` renders once and names the files it read (it may name more or fewer
// each time: a pack's paper files). Returns only when watching fails (exit
// status 3); Ctrl-C ends the program.
int WatchLoop(const std::function<int(std::vector<std::string>* files)>& run);

}  // namespace pp::cli

#endif  // PANELPAPER_SERVICE_CLI_WATCH_H_
