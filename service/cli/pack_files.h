// File: service/cli/pack_files.h
//
// What `panelpaper pack` does to a manifest before rendering it, locally or
// with --server: reads every agenda item's paper_file (a RenderPaperRequest
// file, relative to the manifest's folder) into the item's paper, and finds
// papers addressed to another meeting.
//
//   PaperFiles files = ResolvePaperFiles(manifest_path, &req);
//   for (const std::string& p : files.problems) std::cerr << p << "\n";
#ifndef PANELPAPER_SERVICE_CLI_PACK_FILES_H_
#define PANELPAPER_SERVICE_CLI_PACK_FILES_H_

#include <string>
#include <utility>
#include <vector>

#include "panelpaper/v1/pack.pb.h"

namespace pp::cli {

struct PaperFiles {
  // "items[3].paper_file: cannot read papers/x.json: No such file or
  // directory", or a positioned syntax error in that file; every one.
  std::vector<std::string> problems;
  bool io_failure = false;  // some file could not be read (exit 3, not 1)
  // Every file read (for --watch).
  std::vector<std::string> files;
};

// The folder paper files are relative to: the manifest's, or "" (the
// current folder) for "-".
std::string ManifestFolder(const std::string& manifest_path);

// Replaces each item's paper_file by the paper of the RenderPaperRequest it
// names. Items whose file fails keep paper_file (so nothing renders).
PaperFiles ResolvePaperFiles(const std::string& manifest_path,
                             panelpaper::v1::RenderAgendaPackRequest* req);

// (field, message) for every paper whose own meeting date or panel differs
// from the meeting's ("items[3].paper.meeting_date", ...).
std::vector<std::pair<std::string, std::string>> MeetingMismatches(
    const panelpaper::v1::RenderAgendaPackRequest& req);

}  // namespace pp::cli

#endif  // PANELPAPER_SERVICE_CLI_PACK_FILES_H_
