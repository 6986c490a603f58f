// panelpaper: the command-line tool.
//
//   panelpaper render REQUEST -o OUT.pdf [--fonts DIR]
//   panelpaper render --server HOST:PORT REQUEST -o OUT.pdf [TLS flags] [--timeout S]
//   panelpaper pack MANIFEST -o PACK.pdf [--fonts DIR | --server HOST:PORT [TLS flags]]
//   panelpaper archive | get | verify | list ...   (service/archive/archive_cli.h)
//   panelpaper store check | backup | restore ...   (service/archive/store_cli.h)
//   panelpaper --version    (the renderer identity: renderers/identity.h)
//
// REQUEST is a panelpaper.v1.RenderPaperRequest in proto3 JSON, or in text
// format when its name ends in .textproto or .txtpb. A syntax error stops at
// the first one; otherwise every validation violation is printed, one per
// line, as "<field path>: <description>" — by the local renderer, or, with
// --server, from the google.rpc.BadRequest / QuotaFailure details the
// server returns (StreamPaper, so PDFs of any size arrive).
//
// Exit status: 0 success; 1 the request was rejected (syntax, validation or
// a limit); 2 usage error; 3 the file could not be read or written,
// rendering failed, or the server could not be reached or failed.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "panelpaper/v1/pack.pb.h"
#include "panelpaper/v1/paper.pb.h"
#include "renderers/renderer.h"
#include "renderers/text/font_set.h"
#include "service/cli/health_command.h"
#include "service/archive/archive_cli.h"
#include "service/archive/store_cli.h"
#include "service/cli_files.h"
#include "service/remote_client.h"
#include "service/request_converter.h"
#include "service/status_mapping.h"
#include "service/word_guard.h"

namespace {

using pp::service::ParseRequestText;
using pp::service::ReadFile;
using pp::service::WriteFileAtomically;

constexpr int kExitRejected = 1;
constexpr int kExitUsage = 2;
constexpr int kExitFailure = 3;

constexpr char kUsage[] =
    "usage: panelpaper render REQUEST -o OUT.pdf [--fonts DIR]\n"
    "       panelpaper render --server HOST:PORT REQUEST -o OUT.pdf [--tls] [--tls_ca FILE]\n"
    "                         [--tls_cert FILE --tls_key FILE] [--tls_server_name NAME]\n"
    "                         [--timeout SECONDS]\n"
    "       panelpaper pack MANIFEST -o PACK.pdf [--fonts DIR | --server HOST:PORT ...]\n"
    "       panelpaper --version   (the renderer identity: versions, font digests, ...)\n"
    "\n"
    "  REQUEST   a panelpaper.v1.RenderPaperRequest: proto3 JSON, or text format\n"
    "            when the name ends in .textproto or .txtpb\n"
    "  MANIFEST  a panelpaper.v1.RenderAgendaPackRequest (an agenda pack: the meeting\n"
    "            and its items with their papers), JSON or text format likewise;\n"
    "            a progress bar is shown when standard output is a terminal\n"
    "  -o FILE   where to write the PDF\n"
    "  --fonts DIR  font folder for local rendering (default: $PANELPAPER_FONTS_DIR,\n"
    "            else <bin>/../fonts)\n"
    "\n"
    "  --server HOST:PORT   render on a running panelpaperd instead (StreamPaper)\n"
    "  --tls                use TLS, trusting the system's root certificates\n"
    "  --tls_ca FILE        use TLS, trusting the CA certificate(s) in this PEM file\n"
    "  --tls_cert FILE      client certificate (PEM) for a server that requires mTLS\n"
    "  --tls_key FILE       the client certificate's private key (PEM)\n"
    "  --tls_server_name N  name expected in the server certificate (default: HOST)\n"
    "  --timeout SECONDS    deadline of the call (default 60)\n"
    "\n"
    "exit status: 0 ok, 1 request rejected, 2 usage, 3 I/O, rendering or server failure\n";

// Prints "<request>: N problems:" and one "  <field>: <description>" line
// per violation, limit violations first (the same for local and remote).
void PrintProblems(const std::string& request_path, const std::vector<pp::service::FieldViolation>& exhausted,
                   const std::vector<pp::service::FieldViolation>& invalid, size_t total) {
  std::cerr << request_path << ": " << total << " problem" << (total == 1 ? "" : "s") << ":\n";
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
    std::cerr << request_path << ": " << absl::StatusCodeToString(s.code()) << ": " << s.message()
              << "\n";
  }
  return rejected ? kExitRejected : kExitFailure;
}

int RenderRemote(const pp::service::RemoteOptions& remote, const std::string& request_path,
                 const panelpaper::v1::RenderPaperRequest& req, const std::string& out_path) {
  absl::StatusOr<pp::service::RemotePdf> pdf = pp::service::RenderRemotely(remote, req);
  if (!pdf.ok()) return RemoteFailure(request_path, pdf.status());
  if (!WriteFileAtomically(out_path, pdf->bytes)) {
    std::cerr << "panelpaper: cannot write " << out_path << "\n";
    return kExitFailure;
  }
  std::cout << out_path << ": " << pdf->info.page_count() << " pages, " << pdf->bytes.size()
            << " bytes (rendered by " << remote.server << ", sha256 " << pdf->info.sha256() << ")\n";
  for (const auto& w : pdf->info.warnings()) {
    std::cerr << request_path << ": warning: " << (w.field().empty() ? "" : w.field() + ": ")
              << w.message() << "\n";
  }
  return 0;
}

// What render and pack share: the input, the output, and where to render.
struct CommonArgs {
  std::string request_path, out_path, fonts_dir;
  pp::service::RemoteOptions remote;
};

// Parses a command's arguments; returns an exit status on a usage error.
std::optional<int> ParseArgs(const std::string& command, const std::vector<std::string>& args,
                             CommonArgs* out) {
  bool usage_error = false;
  // "--name VALUE" or "--name=VALUE".
  auto value = [&](size_t* i, const std::string& name, std::string* dest) {
    const std::string& a = args[*i];
    if (a == name) {
      if (*i + 1 >= args.size()) {
        std::cerr << "panelpaper " << command << ": " << name << " needs a value\n\n" << kUsage;
        usage_error = true;
        return true;
      }
      *dest = args[++*i];
      return true;
    }
    if (absl::StartsWith(a, name + "=")) {
      *dest = a.substr(name.size() + 1);
      return true;
    }
    return false;
  };
  pp::service::RemoteOptions& remote = out->remote;
  std::string timeout;
  for (size_t i = 0; i < args.size() && !usage_error; ++i) {
    const std::string& a = args[i];
    if (value(&i, "-o", &out->out_path) || value(&i, "--output", &out->out_path) ||
        value(&i, "--fonts", &out->fonts_dir) || value(&i, "--server", &remote.server) ||
        value(&i, "--tls_ca", &remote.tls_ca) || value(&i, "--tls_cert", &remote.tls_cert) ||
        value(&i, "--tls_key", &remote.tls_key) ||
        value(&i, "--tls_server_name", &remote.tls_server_name) || value(&i, "--timeout", &timeout)) {
      continue;
    } else if (a == "--tls") {
      remote.tls = true;
    } else if (absl::StartsWith(a, "-") && a != "-") {
      std::cerr << "panelpaper " << command << ": unknown option " << a << "\n\n" << kUsage;
      return kExitUsage;
    } else if (out->request_path.empty()) {
      out->request_path = a;
    } else {
      std::cerr << "panelpaper " << command << ": more than one input file\n\n" << kUsage;
      return kExitUsage;
    }
  }
  if (usage_error) return kExitUsage;
  if (out->request_path.empty() || out->out_path.empty()) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  const bool tls_flags = remote.tls || !remote.tls_ca.empty() || !remote.tls_cert.empty() ||
                         !remote.tls_key.empty() || !remote.tls_server_name.empty();
  if (remote.server.empty() && (tls_flags || !timeout.empty())) {
    std::cerr << "panelpaper " << command << ": TLS flags and --timeout need --server\n\n" << kUsage;
    return kExitUsage;
  }
  if (remote.tls_cert.empty() != remote.tls_key.empty()) {
    std::cerr << "panelpaper " << command << ": --tls_cert and --tls_key go together\n\n" << kUsage;
    return kExitUsage;
  }
  if (!timeout.empty()) {
    double seconds = 0;
    if (!absl::SimpleAtod(timeout, &seconds) || !(seconds > 0)) {
      std::cerr << "panelpaper " << command << ": --timeout needs a positive number of seconds\n\n"
                << kUsage;
      return kExitUsage;
    }
    remote.timeout = absl::Seconds(seconds);
  }
  return std::nullopt;
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

int Render(const std::vector<std::string>& args) {
  CommonArgs common;
  if (std::optional<int> exit = ParseArgs("render", args, &common)) return *exit;
  const std::string& request_path = common.request_path;
  const std::string& out_path = common.out_path;
  const std::string& fonts_dir = common.fonts_dir;
  const pp::service::RemoteOptions& remote = common.remote;

  std::string text;
  if (!ReadFile(request_path, &text)) {
    std::cerr << "panelpaper: cannot read " << request_path << "\n";
    return kExitFailure;
  }
  panelpaper::v1::RenderPaperRequest req;
  if (!ParseRequestText(request_path, text, &req)) return kExitRejected;

  if (!remote.server.empty()) return RenderRemote(remote, request_path, req, out_path);

  const std::shared_ptr<const pp::text::FontSet> fonts = LoadFonts(fonts_dir);
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
  if (!WriteFileAtomically(out_path, pdf->bytes)) {
    std::cerr << "panelpaper: cannot write " << out_path << "\n";
    return kExitFailure;
  }
  std::cout << out_path << ": " << pdf->page_count << " pages, " << pdf->bytes.size()
            << " bytes\n";
  for (const pp::RenderWarning& w : pdf->warnings) {
    std::cerr << request_path << ": warning: " << (w.field.empty() ? "" : w.field + ": ")
              << w.message << "\n";
  }
  return 0;
}


// The progress bar of `pack`, drawn on standard output when it is a
// terminal ("\r" redraws; a newline ends it).
class ProgressBar {
 public:
  ProgressBar() : enabled_(isatty(STDOUT_FILENO) == 1) {}
  void Update(int done, int total) {
    if (!enabled_ || total <= 0) return;
    constexpr int kWidth = 30;
    const int filled = kWidth * done / total;
    std::cout << "\rlaying out items [" << std::string(static_cast<size_t>(filled), '#')
              << std::string(static_cast<size_t>(kWidth - filled), '-') << "] " << done << "/"
              << total << std::flush;
    shown_ = true;
  }
  void End() {
    if (shown_) std::cout << "\n";
    shown_ = false;
  }
  ~ProgressBar() { End(); }

 private:
  bool enabled_;
  bool shown_ = false;
};

// "  7b  pages 168-174" for every item with pages.
void PrintPlacements(const std::vector<std::string>& numbers, const std::vector<int>& first,
                     const std::vector<int>& last) {
  for (size_t i = 0; i < numbers.size(); ++i) {
    if (first[i] > 0) {
      std::cout << "  item " << numbers[i] << ": pages " << first[i] << "-" << last[i] << "\n";
    }
  }
}

int Pack(const std::vector<std::string>& args) {
  CommonArgs common;
  if (std::optional<int> exit = ParseArgs("pack", args, &common)) return *exit;
  std::string text;
  if (!ReadFile(common.request_path, &text)) {
    std::cerr << "panelpaper: cannot read " << common.request_path << "\n";
    return kExitFailure;
  }
  panelpaper::v1::RenderAgendaPackRequest req;
  if (!ParseRequestText(common.request_path, text, &req)) return kExitRejected;
  ProgressBar bar;
  std::vector<std::string> numbers;
  std::vector<int> first, last;
  std::string bytes;
  int pages = 0;

  if (!common.remote.server.empty()) {
    absl::StatusOr<pp::service::RemotePack> pack = pp::service::RenderPackRemotely(
        common.remote, req, [&bar](int done, int total) { bar.Update(done, total); });
    bar.End();
    if (!pack.ok()) return RemoteFailure(common.request_path, pack.status());
    for (const auto& item : pack->items) {
      numbers.push_back(item.number());
      first.push_back(item.first_page());
      last.push_back(item.last_page());
    }
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
    bytes = std::move(pack->pdf.bytes);
    pages = pack->pdf.page_count;
  }
  if (!WriteFileAtomically(common.out_path, bytes)) {
    std::cerr << "panelpaper: cannot write " << common.out_path << "\n";
    return kExitFailure;
  }
  std::cout << common.out_path << ": " << pages << " pages, " << bytes.size() << " bytes"
            << (common.remote.server.empty() ? "" : " (rendered by " + common.remote.server + ")")
            << "\n";
  PrintPlacements(numbers, first, last);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::cout << kUsage << pp::service::kHealthUsage << "\narchive:\n" << pp::service::archive::kArchiveCliUsage
              << "\narchive store maintenance:\n" << pp::service::archive::kStoreCliUsage;
    return args.empty() ? kExitUsage : 0;
  }
  if (args[0] == "--version") {  // the renderer identity of the default fonts folder
    absl::StatusOr<pp::RendererIdentity> identity =
        pp::RendererIdentityForFontsDir(pp::text::DefaultFontsDir());
    if (!identity.ok()) {
      std::cerr << "panelpaper: renderer identity: " << identity.status().message() << "\n";
      return kExitFailure;
    }
    std::cout << "panelpaper " << pp::kRendererVersion << "\n" << identity->ToString() << "\n";
    return 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "render") return Render(args);
  if (command == "pack") return Pack(args);
  if (command == "archive") return pp::service::archive::ArchiveCommand(args);
  if (command == "get") return pp::service::archive::GetCommand(args);
  if (command == "verify") return pp::service::archive::VerifyCommand(args);
  if (command == "list") return pp::service::archive::ListCommand(args);
  if (command == "store") return pp::service::archive::StoreCommand(args);
  if (command == "health") return pp::service::HealthCommand(args);
  std::cerr << "panelpaper: unknown command '" << command << "'\n\n" << kUsage;
  return kExitUsage;
}
