#include "service/cli/pack_files.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_join.h"
#include "panelpaper/v1/paper_service.pb.h"
#include "service/cli/cli_files.h"

namespace pp::cli {
namespace {

namespace pb = ::panelpaper::v1;

// Upper case, runs of white space as one space: "Audit  panel" == "AUDIT PANEL".
std::string Normalized(const std::string& s) {
  return absl::AsciiStrToUpper(absl::StrJoin(absl::StrSplit(s, absl::ByAnyChar(" \t\n"), absl::SkipEmpty()), " "));
}

}  // namespace

std::string ManifestFolder(const std::string& manifest_path) {
  if (manifest_path == kStdio) return "";
  const size_t slash = manifest_path.rfind('/');
  return slash == std::string::npos ? "" : manifest_path.substr(0, slash + 1);
}

PaperFiles ResolvePaperFiles(const std::string& manifest_path, pb::RenderAgendaPackRequest* req) {
  PaperFiles out;
  const std::string folder = ManifestFolder(manifest_path);
  for (int i = 0; i < req->items_size(); ++i) {
    pb::AgendaItem* item = req->mutable_items(i);
    if (item->paper_source_case() != pb::AgendaItem::kPaperFile) continue;
    const std::string field = absl::StrCat("items[", i, "].paper_file");
    const std::string& name = item->paper_file();
    if (name.empty()) {
      out.problems.push_back(absl::StrCat(field, ": empty (a file name, or leave it out)"));
      continue;
    }
    const std::string path = name[0] == '/' ? name : folder + name;
    out.files.push_back(path);
    absl::StatusOr<std::string> text = ReadFile(path);
    if (!text.ok()) {
      out.problems.push_back(absl::StrCat(field, ": ", text.status().message()));
      out.io_failure = true;
      continue;
    }
    pb::RenderPaperRequest paper;
    if (absl::Status s = ParseRequestText(path, *text, &paper); !s.ok()) {
      out.problems.push_back(absl::StrCat(field, ": ", s.message()));
      continue;
    }
    if (!paper.has_paper()) {
      out.problems.push_back(absl::StrCat(field, ": ", path, " has no paper"));
      continue;
    }
    *item->mutable_paper() = std::move(*paper.mutable_paper());  // clears paper_file
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> MeetingMismatches(
    const pb::RenderAgendaPackRequest& req) {
  std::vector<std::pair<std::string, std::string>> out;
  const pb::Meeting& m = req.meeting();
  for (int i = 0; i < req.items_size(); ++i) {
    if (!req.items(i).has_paper()) continue;
    const pb::Paper& p = req.items(i).paper();
    const std::string at = absl::StrCat("items[", i, "].paper.");
    if (!p.meeting_date().empty() && !m.date().empty() && p.meeting_date() != m.date()) {
      out.emplace_back(at + "meeting_date", absl::StrCat("the paper is dated ", p.meeting_date(),
                                                         ", the meeting is on ", m.date()));
    }
    if (!p.panel_name().empty() && !m.panel_name().empty() &&
        Normalized(p.panel_name()) != Normalized(m.panel_name())) {
      out.emplace_back(at + "panel_name", absl::StrCat("the paper is addressed to ", p.panel_name(),
                                                       ", the meeting is of ", m.panel_name()));
    }
  }
  return out;
}

}  // namespace pp::cli
