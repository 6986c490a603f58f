#include "service/archive/archive_cli.h"


#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "service/archive/archive_client.h"
#include "service/cli_files.h"
#include "service/status_mapping.h"

namespace pp::service::archive {

const char kArchiveCliUsage[] =
    "       panelpaper archive REQUEST --paper_id ID --approved_by NAME [--role ROLE]\n"
    "                          --decision_date YYYY-MM-DD [--meeting TEXT]\n"
    "                          --decision_reference REF --server HOST:PORT [--token FILE] ...\n"
    "       panelpaper get PAPER_ID -o OUT.pdf [--request_out FILE.json] --server HOST:PORT ...\n"
    "       panelpaper verify PAPER_ID --server HOST:PORT [--token FILE] ...\n"
    "       panelpaper list [--panel NAME] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
    "                       [--agenda_item 7b] [--page_size N] --server HOST:PORT ...\n"
    "\n"
    "  archive   render REQUEST as an archival PDF/A-2b with its sign-off and store it\n"
    "            in the server's archive (immutable; repeating the identical request is\n"
    "            fine, anything else under a taken paper id is refused)\n"
    "  get       fetch an archived PDF (checked against its recorded SHA-256)\n"
    "  verify    ask the server to re-hash the stored PDF and re-render its request\n"
    "  list      list archived papers: paper id, meeting date, agenda item, panel,\n"
    "            title, pages, sha256 (tab-separated, by meeting date)\n"
    "  --token FILE         bearer token for the archive (first line of FILE)\n"
    "  the TLS flags and --timeout as for render --server\n"
    "  archive commands also exit 4 when the archive copy is damaged or verify\n"
    "  finds a mismatch\n";

namespace {

namespace pb = ::panelpaper::v1;

constexpr int kExitRejected = 1;
constexpr int kExitUsage = 2;
constexpr int kExitFailure = 3;
constexpr int kExitDamaged = 4;

// The parsed command line of one command.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // "--name" -> value
  RemoteOptions remote;
  std::string token;
};

// Parses "--name VALUE" / "--name=VALUE" for `names` and the connection
// flags; reads the token file. Returns an exit status on a usage error.
std::optional<int> Parse(const std::string& command, const std::vector<std::string>& args,
                         const std::set<std::string>& names, size_t positional, Args* out) {
  auto usage = [&](const std::string& message) {
    std::cerr << "panelpaper " << command << ": " << message << "\n\nusage:\n" << kArchiveCliUsage;
    return kExitUsage;
  };
  std::set<std::string> all = names;
  for (const char* n : {"--server", "--tls_ca", "--tls_cert", "--tls_key", "--tls_server_name",
                        "--timeout", "--token"}) {
    all.insert(n);
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--tls") {
      out->remote.tls = true;
      continue;
    }
    if (absl::StartsWith(a, "-") && a != "-") {
      const size_t eq = a.find('=');
      const std::string name = a.substr(0, eq);
      if (all.count(name) == 0) return usage("unknown option " + name);
      if (eq != std::string::npos) {
        out->values[name] = a.substr(eq + 1);
      } else {
        if (i + 1 >= args.size()) return usage(name + " needs a value");
        out->values[name] = args[++i];
      }
      continue;
    }
    out->positional.push_back(a);
  }
  if (out->positional.size() != positional) {
    return usage(positional == 0 ? "takes no arguments"
                                 : positional == 1 ? "needs exactly one argument"
                                                   : "wrong number of arguments");
  }
  auto take = [&](const char* name) {
    auto it = out->values.find(name);
    if (it == out->values.end()) return std::string();
    std::string v = it->second;
    out->values.erase(it);
    return v;
  };
  RemoteOptions& r = out->remote;
  r.server = take("--server");
  r.tls_ca = take("--tls_ca");
  r.tls_cert = take("--tls_cert");
  r.tls_key = take("--tls_key");
  r.tls_server_name = take("--tls_server_name");
  if (r.server.empty()) return usage("--server HOST:PORT is required (the archive is on a server)");
  if (r.tls_cert.empty() != r.tls_key.empty()) return usage("--tls_cert and --tls_key go together");
  if (const std::string t = take("--timeout"); !t.empty()) {
    double seconds = 0;
    if (!absl::SimpleAtod(t, &seconds) || !(seconds > 0)) {
      return usage("--timeout needs a positive number of seconds");
    }
    r.timeout = absl::Seconds(seconds);
  }
  if (const std::string file = take("--token"); !file.empty()) {
    std::string text;
    if (!ReadFile(file, &text)) {
      std::cerr << "panelpaper: cannot read the token file " << file << "\n";
      return kExitFailure;
    }
    out->token = std::string(absl::StripAsciiWhitespace(text.substr(0, text.find('\n'))));
    if (out->token.empty()) return usage("the token file " + file + " is empty");
  }
  return std::nullopt;
}

int ExitFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kFailedPrecondition:
      return kExitRejected;
    case absl::StatusCode::kDataLoss:
      return kExitDamaged;
    default:
      return kExitFailure;
  }
}

// Prints a failed call (every BadRequest / QuotaFailure violation when
// there are any); returns the exit status.
int Failure(const std::string& what, const absl::Status& s) {
  const auto invalid = BadRequestViolations(s);
  const auto exhausted = QuotaFailureViolations(s);
  if (!invalid.empty() || !exhausted.empty()) {
    const size_t n = invalid.size() + exhausted.size();
    std::cerr << what << ": " << n << " problem" << (n == 1 ? "" : "s") << ":\n";
    for (const auto* list : {&exhausted, &invalid}) {
      for (const FieldViolation& v : *list) {
        std::cerr << "  " << (v.field.empty() ? "(request)" : v.field) << ": " << v.description
                  << "\n";
      }
    }
  } else {
    std::cerr << what << ": " << absl::StatusCodeToString(s.code()) << ": " << s.message() << "\n";
  }
  return ExitFor(s.code());
}

bool ParseRenderRequest(const std::string& path, pb::RenderPaperRequest* req) {
  std::string text;
  if (!ReadFile(path, &text)) {
    std::cerr << "panelpaper: cannot read " << path << "\n";
    return false;
  }
  return ParseRequestText(path, text, req);
}

std::string SignOffLine(const pb::SignOffRecord& so) {
  std::string out = absl::StrCat("approved by ", so.approved_by());
  if (!so.role().empty()) absl::StrAppend(&out, " (", so.role(), ")");
  absl::StrAppend(&out, " on ", so.decision_date(), ", ", so.decision_reference());
  return out;
}

}  // namespace

int ArchiveCommand(const std::vector<std::string>& argv) {
  Args args;
  if (auto exit = Parse("archive", argv,
                        {"--paper_id", "--approved_by", "--role", "--decision_date", "--meeting",
                         "--decision_reference"},
                        1, &args)) {
    return *exit;
  }
  const std::string& request_path = args.positional[0];
  pb::ArchivePaperRequest req;
  req.set_paper_id(args.values["--paper_id"]);
  pb::SignOffRecord* so = req.mutable_sign_off();
  so->set_approved_by(args.values["--approved_by"]);
  so->set_role(args.values["--role"]);
  so->set_decision_date(args.values["--decision_date"]);
  so->set_meeting(args.values["--meeting"]);
  so->set_decision_reference(args.values["--decision_reference"]);
  if (!ParseRenderRequest(request_path, req.mutable_render())) return kExitRejected;

  absl::StatusOr<pb::ArchivePaperResponse> r = ArchiveRemotely(args.remote, args.token, req);
  if (!r.ok()) return Failure(request_path, r.status());
  std::cout << r->paper_id() << ": " << (r->created() ? "archived" : "already archived (identical request)")
            << ", " << r->page_count() << " pages, " << r->size_bytes() << " bytes, sha256 "
            << r->sha256() << ", " << SignOffLine(r->paper().sign_off()) << "\n";
  return 0;
}

int GetCommand(const std::vector<std::string>& argv) {
  Args args;
  if (auto exit = Parse("get", argv, {"-o", "--output", "--request_out"}, 1, &args)) return *exit;
  const std::string id = args.positional[0];
  std::string out_path = args.values.count("-o") ? args.values["-o"] : args.values["--output"];
  const std::string request_out = args.values["--request_out"];
  if (out_path.empty()) {
    std::cerr << "panelpaper get: -o OUT.pdf is required\n\nusage:\n" << kArchiveCliUsage;
    return kExitUsage;
  }
  absl::StatusOr<RemoteArchivedPdf> got =
      GetArchivedRemotely(args.remote, args.token, id, !request_out.empty());
  if (!got.ok()) return Failure(id, got.status());
  if (!WriteFileAtomically(out_path, got->bytes)) {
    std::cerr << "panelpaper: cannot write " << out_path << "\n";
    return kExitFailure;
  }
  if (!request_out.empty()) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(got->request, &json, options).ok() ||
        !WriteFileAtomically(request_out, json)) {
      std::cerr << "panelpaper: cannot write " << request_out << "\n";
      return kExitFailure;
    }
  }
  const pb::ArchivedPaper& p = got->paper;
  std::cout << out_path << ": " << p.paper_id() << ", " << p.pdf().page_count() << " pages, "
            << got->bytes.size() << " bytes, sha256 " << p.pdf().sha256() << " (checked), "
            << SignOffLine(p.sign_off()) << "\n";
  return 0;
}

int VerifyCommand(const std::vector<std::string>& argv) {
  Args args;
  if (auto exit = Parse("verify", argv, {}, 1, &args)) return *exit;
  const std::string id = args.positional[0];
  absl::StatusOr<pb::VerifyArchivedPaperResponse> v = VerifyRemotely(args.remote, args.token, id);
  if (!v.ok()) return Failure(id, v.status());
  const bool ok = v->bytes_intact() && v->rerender_matches();
  std::cout << id << ": " << (ok ? "OK" : "FAILED") << ": " << v->detail() << "\n"
            << "  recorded sha256    " << v->recorded_sha256() << "\n"
            << "  stored sha256      " << (v->stored_sha256().empty() ? "(missing)" : v->stored_sha256())
            << "\n"
            << "  re-rendered sha256 "
            << (v->rerendered_sha256().empty() ? "(failed)" : v->rerendered_sha256()) << "\n"
            << "  renderer           " << v->archived_renderer_version() << " (now "
            << v->current_renderer_version() << ")\n";
  return ok ? 0 : kExitDamaged;
}

int ListCommand(const std::vector<std::string>& argv) {
  Args args;
  if (auto exit = Parse("list", argv, {"--panel", "--from", "--to", "--agenda_item", "--page_size"},
                        0, &args)) {
    return *exit;
  }
  pb::ListArchivedPapersRequest req;
  req.set_panel_name(args.values["--panel"]);
  req.set_meeting_date_from(args.values["--from"]);
  req.set_meeting_date_to(args.values["--to"]);
  req.set_agenda_item(args.values["--agenda_item"]);
  if (const std::string n = args.values["--page_size"]; !n.empty()) {
    int size = 0;
    if (!absl::SimpleAtoi(n, &size) || size <= 0) {
      std::cerr << "panelpaper list: --page_size needs a positive number\n";
      return kExitUsage;
    }
    req.set_page_size(size);
  } else {
    req.set_page_size(200);
  }
  do {
    absl::StatusOr<pb::ListArchivedPapersResponse> page = ListRemotely(args.remote, args.token, req);
    if (!page.ok()) return Failure("list", page.status());
    for (const pb::ArchivedPaper& p : page->papers()) {
      std::cout << p.paper_id() << "\t" << p.meeting_date() << "\t" << p.agenda_item() << "\t"
                << p.panel_name() << "\t" << p.title() << "\t" << p.pdf().page_count() << "\t"
                << p.pdf().sha256() << "\n";
    }
    req.set_page_token(page->next_page_token());
  } while (!req.page_token().empty());
  return 0;
}

}  // namespace pp::service::archive
