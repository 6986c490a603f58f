// panelpaper: the command-line tool (service/cli/).
//
//   panelpaper render REQUEST -o OUT.pdf [--fonts DIR | --server HOST:PORT ...]
//   panelpaper pack MANIFEST -o PACK.pdf [--edition public|members] [--duplex true|false]
//                   [--fonts DIR | --server HOST:PORT ...]
//
// A pack's items may name their paper by file (AgendaItem.paper_file, relative
// to the manifest's folder): read here, before rendering locally or on a
// server. `pack` prints every warning with its item path, and warns about
// papers dated or addressed to another meeting.
//   panelpaper archive | get | verify | list ...   (service/cli/archive_cli.h)
//   panelpaper store check | backup | restore ...   (service/cli/store_cli.h)
//   panelpaper health --server HOST:PORT ...   (service/cli/health_command.h)
//   panelpaper help [COMMAND] | COMMAND --help | --version
//
// One argument parser (CLI11, service/cli/command_line.h) for every command.
// REQUEST is a panelpaper.v1.RenderPaperRequest in proto3 JSON, or in text
// format when its name ends in .textproto or .txtpb; "-" reads standard
// input. A syntax error is reported as FILE:LINE:COLUMN with the line and
// a caret; otherwise every validation violation is printed, one per line,
// as "<field path>: <description>" — by the local renderer, or, with
// --server, from the google.rpc.BadRequest / QuotaFailure details the
// server returns (StreamPaper, so PDFs of any size arrive). "-o -" writes
// the PDF to standard output (the summary then goes to standard error).
//
// Exit status: 0 success; 1 the request was rejected (syntax, validation or
// a limit); 2 usage error; 3 the file could not be read or written,
// rendering failed, or the server could not be reached or failed.
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "panelpaper/v1/pack.pb.h"
#include "panelpaper/v1/paper.pb.h"
#include "renderers/renderer.h"
#include "renderers/text/font_set.h"
#include "service/cli/archive_cli.h"
#include "service/cli/cli_files.h"
#include "service/cli/command_line.h"
#include "service/cli/health_command.h"
#include "service/cli/pack_files.h"
#include "service/cli/watch.h"
#include "service/cli/remote_client.h"
#include "service/cli/store_cli.h"
#include "service/request_converter.h"
#include "service/status_mapping.h"
#include "service/word_guard.h"

namespace {

namespace pb = ::panelpaper::v1;
using pp::cli::kExitFailure;
using pp::cli::kExitRejected;
using pp::cli::kExitUsage;
using pp::cli::kStdio;

// Where the summary line and the progress bar go: standard error when the
// PDF itself goes to standard output.
std::ostream& Info(const std::string& out_path) {
  return out_path == kStdio ? std::cerr : std::cout;
}

// Prints "<request>: N problems:" and one "  <field>: <description>" line
// per violation, limit violations first (the same for local and remote).
void PrintProblems(const std::string& request_path, const std::vector<pp::service::FieldViolation>& exhausted,
                   const std::vector<pp::service::FieldViolation>& invalid, size_t total) {
  std::cerr << pp::cli::InputName(request_path) << ": " << total << " problem"
            << (total == 1 ? "" : "s") << ":\n";
  for (const auto& x : exhausted) {
    std::cerr << "  " << (x.field.empty() ? "(request)" : x.field) << ": " << x.description << "\n";
  }
  for (const auto& x : invalid) {
    std::cerr << "  " << (x.field.empty() ? "(request)" : x.field) << ": " << x.description << "\n";
  }
  const size_t listed = exhausted.size() + invalid.size();
  if (total > listed) std::cerr << "  ... and " << total - listed << " more\n";
}

// The violation count the status message states ("request has 12 invalid
// fields: ..."), or `fallback` when it says none.
size_t StatedCount(absl::string_view message, size_t fallback) {
  const size_t at = message.find("request has ");
  if (at == absl::string_view::npos) return fallback;
  size_t n = 0;
  size_t i = at + 12;
  if (i >= message.size() || message[i] < '0' || message[i] > '9') return fallback;
  for (; i < message.size() && message[i] >= '0' && message[i] <= '9'; ++i) n = n * 10 + (message[i] - '0');
  return std::max(n, fallback);
}

// Prints a remote call's error like the local path does; returns the exit status.
int RemoteFailure(const std::string& request_path, const absl::Status& s) {
  const auto invalid = pp::service::BadRequestViolations(s);
  const auto exhausted = pp::service::QuotaFailureViolations(s);
  const bool rejected = s.code() == absl::StatusCode::kInvalidArgument ||
                        s.code() == absl::StatusCode::kResourceExhausted;
  if (rejected && !(invalid.empty() && exhausted.empty())) {
    PrintProblems(request_path, exhausted, invalid,
                  StatedCount(s.message(), invalid.size() + exhausted.size()));
  } else {
    std::cerr << pp::cli::InputName(request_path) << ": " << absl::StatusCodeToString(s.code())
              << ": " << s.message() << "\n";
  }
  return rejected ? kExitRejected : kExitFailure;
}

// Prints a failed read, parse or write; returns the exit status (1 for a
// request that does not parse, 3 for I/O).
int FileFailure(const absl::Status& s) {
  std::cerr << (s.code() == absl::StatusCode::kInvalidArgument ? "" : "panelpaper: ") << s.message()
            << "\n";
  return s.code() == absl::StatusCode::kInvalidArgument ? kExitRejected : kExitFailure;
}

// Reads and parses a request file.
template <typename Message>
absl::Status LoadRequest(const std::string& path, Message* req) {
  absl::StatusOr<std::string> text = pp::cli::ReadFile(path);
  if (!text.ok()) return text.status();
  return pp::cli::ParseRequestText(path, *text, req);
}

// What render and pack share: the input, the output, and where to render.
struct CommonArgs {
  std::string request_path, out_path, fonts_dir;
  pp::cli::ServerFlags server;
  bool watch = false;
};

void AddCommonFlags(CLI::App* c, CommonArgs* args, const std::string& input,
                    const std::string& input_help) {
  c->add_option(input, args->request_path, input_help)->type_name("FILE")->required();
  c->add_option("-o,--output", args->out_path, "where to write the PDF; - for standard output")
      ->type_name("FILE")
      ->required();
  CLI::Option* fonts =
      c->add_option("--fonts", args->fonts_dir,
                    "font folder for local rendering (default: $PANELPAPER_FONTS_DIR, else "
                    "<bin>/../fonts)")
          ->type_name("DIR");
  pp::cli::AddServerFlags(c, &args->server, /*required=*/false);
  fonts->excludes(c->get_option("--server"));
  c->add_flag("--watch", args->watch,
              "render again whenever the input changes (inotify); errors are printed and the "
              "last good PDF is kept. Ctrl-C stops");
}

// Runs `once` — under --watch, again at every change of the files it read.
int RunOrWatch(const CommonArgs& args, const std::function<int(std::vector<std::string>*)>& once) {
  if (!args.watch) return once(nullptr);
  if (args.request_path == kStdio || args.out_path == kStdio) {
    std::cerr << "panelpaper: --watch needs files, not - (standard input or output)\n";
    return kExitUsage;
  }
  return pp::cli::WatchLoop(once);
}

// The fonts for local rendering, or nullptr (after saying why).
std::shared_ptr<const pp::text::FontSet> LoadFonts(const std::string& dir) {
  auto fonts = pp::text::FontSet::Load(dir.empty() ? pp::text::DefaultFontsDir() : dir);
  if (!fonts.ok()) {
    std::cerr << "panelpaper: " << fonts.status().message() << "\n";
    return nullptr;
  }
  return *fonts;
}

// Prints a local render's failure like a remote one (a refusal layout
// decided lists its field, as the server's BadRequest / QuotaFailure would);
// returns the exit status.
int LocalFailure(const std::string& request_path, const absl::Status& s) {
  return RemoteFailure(request_path, pp::service::WithRequestDetails(s));
}

void PrintWarning(const std::string& request_path, const std::string& field,
                  const std::string& message) {
  std::cerr << pp::cli::InputName(request_path) << ": warning: "
            << (field.empty() ? "" : field + ": ") << message << "\n";
}

int Render(const CommonArgs& args) {
  const std::string& request_path = args.request_path;
  const std::string& out_path = args.out_path;
  if (absl::Status s = pp::cli::CheckOutputPath(out_path); !s.ok()) return FileFailure(s);
  pb::RenderPaperRequest req;
  if (absl::Status s = LoadRequest(request_path, &req); !s.ok()) return FileFailure(s);

  if (!args.server.remote.server.empty()) {
    const pp::service::RemoteOptions remote = args.server.Options();
    absl::StatusOr<pp::service::RemotePdf> pdf = pp::service::RenderRemotely(remote, req);
    if (!pdf.ok()) return RemoteFailure(request_path, pdf.status());
    if (absl::Status s = pp::cli::WriteFileAtomically(out_path, pdf->bytes); !s.ok()) {
      return FileFailure(s);
    }
    Info(out_path) << pp::cli::OutputName(out_path) << ": " << pdf->info.page_count() << " pages, "
                   << pdf->bytes.size() << " bytes (rendered by " << remote.server << ", sha256 "
                   << pdf->info.sha256() << ")\n";
    for (const auto& w : pdf->info.warnings()) PrintWarning(request_path, w.field(), w.message());
    return 0;
  }

  const std::shared_ptr<const pp::text::FontSet> fonts = LoadFonts(args.fonts_dir);
  if (fonts == nullptr) return kExitFailure;

  // Validate everything and print every violation (not just the payload's
  // bounded list).
  pp::service::Limits limits;
  pp::service::Violations v;
  v.max_recorded = std::numeric_limits<size_t>::max();
  pp::doc::Paper paper;
  if (!req.has_paper()) {
    v.AddInvalid("paper", "required");
  } else {
    pp::service::ConvertPaper(req.paper(), "paper", *fonts, limits, &paper, &v);
  }
  // The same guard as the server's (words the line breaker would take
  // minutes over).
  pp::service::CheckWordLengths(req, pp::service::kDefaultMaxWordChars, &v);
  if (!v.empty()) {
    PrintProblems(request_path, v.exhausted, v.invalid, v.count());
    return kExitRejected;
  }

  pp::RenderOptions options;
  options.compress_content = !req.options().uncompressed();
  options.max_pages = limits.max_pages;
  auto pdf = pp::RenderPaper(paper, *fonts, options);
  if (!pdf.ok()) return LocalFailure(request_path, pdf.status());
  if (absl::Status s = pp::cli::WriteFileAtomically(out_path, pdf->bytes); !s.ok()) {
    return FileFailure(s);
  }
  Info(out_path) << pp::cli::OutputName(out_path) << ": " << pdf->page_count << " pages, "
                 << pdf->bytes.size() << " bytes\n";
  for (const pp::RenderWarning& w : pdf->warnings) PrintWarning(request_path, w.field, w.message);
  return 0;
}

// The progress bar of `pack`, drawn on standard output (standard error
// with -o -) when that is a terminal ("\r" redraws; a newline ends it).
class ProgressBar {
 public:
  explicit ProgressBar(std::ostream& out, int fd) : out_(out), enabled_(isatty(fd) == 1) {}
  void Update(int done, int total) {
    if (!enabled_ || total <= 0) return;
    constexpr int kWidth = 30;
    const int filled = kWidth * done / total;
    out_ << "\rlaying out items [" << std::string(static_cast<size_t>(filled), '#')
         << std::string(static_cast<size_t>(kWidth - filled), '-') << "] " << done << "/" << total
         << std::flush;
    shown_ = true;
  }
  void End() {
    if (shown_) out_ << "\n";
    shown_ = false;
  }
  ~ProgressBar() { End(); }

 private:
  std::ostream& out_;
  bool enabled_;
  bool shown_ = false;
};

struct PackArgs {
  CommonArgs common;
  std::string edition;  // "", "public" or "members"
  std::string duplex;   // "", "true" or "false"
};

// `watched` (optional) receives the files read: the manifest, paper files.
int Pack(const PackArgs& args, std::vector<std::string>* watched) {
  const CommonArgs& common = args.common;
  if (watched != nullptr) watched->push_back(common.request_path);
  if (absl::Status s = pp::cli::CheckOutputPath(common.out_path); !s.ok()) return FileFailure(s);
  pb::RenderAgendaPackRequest req;
  if (absl::Status s = LoadRequest(common.request_path, &req); !s.ok()) return FileFailure(s);
  if (args.edition == "public") req.set_edition(pb::PUBLIC);
  if (args.edition == "members") req.set_edition(pb::MEMBERS);
  if (!args.duplex.empty()) req.set_duplex(args.duplex == "true");
  // paper_file items: read here, sent as papers (also with --server).
  const pp::cli::PaperFiles files = pp::cli::ResolvePaperFiles(common.request_path, &req);
  if (watched != nullptr) watched->insert(watched->end(), files.files.begin(), files.files.end());
  if (!files.problems.empty()) {
    const size_t n = files.problems.size();
    std::cerr << pp::cli::InputName(common.request_path) << ": " << n << " problem"
              << (n == 1 ? "" : "s") << ":\n";
    for (const std::string& p : files.problems) {
      std::cerr << "  " << absl::StrReplaceAll(p, {{"\n", "\n  "}}) << "\n";
    }
    return files.io_failure ? kExitFailure : kExitRejected;
  }

  const bool to_stdout = common.out_path == kStdio;
  ProgressBar bar(Info(common.out_path), to_stdout ? STDERR_FILENO : STDOUT_FILENO);
  std::vector<std::string> numbers;
  std::vector<int> first, last;
  std::string bytes;
  int pages = 0;
  // (field, message): papers addressed to another meeting, then the renderer's.
  std::vector<std::pair<std::string, std::string>> warnings = pp::cli::MeetingMismatches(req);

  if (!common.server.remote.server.empty()) {
    absl::StatusOr<pp::service::RemotePack> pack = pp::service::RenderPackRemotely(
        common.server.Options(), req, [&bar](int done, int total) { bar.Update(done, total); });
    bar.End();
    if (!pack.ok()) return RemoteFailure(common.request_path, pack.status());
    for (const auto& item : pack->items) {
      numbers.push_back(item.number());
      first.push_back(item.first_page());
      last.push_back(item.last_page());
    }
    for (const auto& w : pack->info.warnings()) warnings.emplace_back(w.field(), w.message());
    bytes = std::move(pack->bytes);
    pages = pack->info.page_count();
  } else {
    const std::shared_ptr<const pp::text::FontSet> fonts = LoadFonts(common.fonts_dir);
    if (fonts == nullptr) return kExitFailure;
    pp::service::Limits limits;
    pp::service::Violations v;
    v.max_recorded = std::numeric_limits<size_t>::max();
    pp::service::PackJob job;
    pp::service::ConvertPack(req, *fonts, limits, &job.pack, &v);
    pp::service::CheckWordLengths(req, pp::service::kDefaultMaxWordChars, &v);
    if (!v.empty()) {
      PrintProblems(common.request_path, v.exhausted, v.invalid, v.count());
      return kExitRejected;
    }
    pp::PackOptions options;
    options.compress_content = !req.options().uncompressed();
    options.max_pages = limits.max_pack_pages;
    options.max_pages_per_paper = limits.max_pages;
    options.progress = [&bar](int done, int total) { bar.Update(done, total); };
    auto pack = pp::RenderPack(job.pack, *fonts, options);
    bar.End();
    if (!pack.ok()) return LocalFailure(common.request_path, pack.status());
    for (const auto& item : pack->items) {
      numbers.push_back(item.number);
      first.push_back(item.first_page);
      last.push_back(item.last_page);
    }
    for (const auto& w : pack->pdf.warnings) warnings.emplace_back(w.field, w.message);
    bytes = std::move(pack->pdf.bytes);
    pages = pack->pdf.page_count;
  }
  if (absl::Status s = pp::cli::WriteFileAtomically(common.out_path, bytes); !s.ok()) {
    return FileFailure(s);
  }
  std::ostream& info = Info(common.out_path);
  info << pp::cli::OutputName(common.out_path) << ": " << pages << " pages, " << bytes.size()
       << " bytes"
       << (common.server.remote.server.empty() ? ""
                                                : " (rendered by " + common.server.remote.server + ")")
       << "\n";
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (first[i] > 0) info << "  item " << numbers[i] << ": pages " << first[i] << "-" << last[i] << "\n";
  }
  for (const auto& [field, message] : warnings) PrintWarning(common.request_path, field, message);
  return 0;
}

void AddRenderCommand(pp::cli::CommandSet& commands) {
  auto args = std::make_shared<CommonArgs>();
  CLI::App* c = commands.Add("render", "render one paper (a RenderPaperRequest) to PDF",
                             [args] {
                               return RunOrWatch(*args, [args](std::vector<std::string>* files) {
                                 if (files != nullptr) files->push_back(args->request_path);
                                 return Render(*args);
                               });
                             });
  AddCommonFlags(c, args.get(), "REQUEST",
                 "a panelpaper.v1.RenderPaperRequest: proto3 JSON, or text format when the name "
                 "ends in .textproto or .txtpb; - for standard input");
}

void AddPackCommand(pp::cli::CommandSet& commands) {
  auto args = std::make_shared<PackArgs>();
  CLI::App* c = commands.Add(
      "pack", "render an agenda pack (a RenderAgendaPackRequest) to one PDF",
      [args] {
        return RunOrWatch(args->common,
                          [args](std::vector<std::string>* files) { return Pack(*args, files); });
      });
  AddCommonFlags(&*c, &args->common, "MANIFEST",
                 "a panelpaper.v1.RenderAgendaPackRequest (the meeting and its items with their "
                 "papers), JSON or text format likewise; - for standard input. A progress bar "
                 "is shown when the output is a terminal");
  c->add_option("--edition", args->edition, "override the manifest's edition")
      ->check(CLI::IsMember({"public", "members"}));
  c->add_option("--duplex", args->duplex, "override the manifest's duplex")
      ->check(CLI::IsMember({"true", "false"}));
}

}  // namespace

int main(int argc, char** argv) {
  pp::cli::CommandSet commands;
  AddRenderCommand(commands);
  AddPackCommand(commands);
  pp::cli::AddArchiveCommands(commands);
  pp::cli::AddStoreCommands(commands);
  pp::service::AddHealthCommand(commands);
  return commands.Run(argc, argv);
}
