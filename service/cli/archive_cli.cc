#include "service/cli/archive_cli.h"


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
#include "service/cli/archive_client.h"
#include "service/cli/cli_files.h"
#include "service/status_mapping.h"

namespace pp::cli {

namespace {

namespace pb = ::panelpaper::v1;
using pp::service::BadRequestViolations;
using pp::service::FieldViolation;
using pp::service::QuotaFailureViolations;
using pp::service::archive::ArchiveRemotely;
using pp::service::archive::GetArchivedRemotely;
using pp::service::archive::ListRemotely;
using pp::service::archive::RemoteArchivedPdf;
using pp::service::archive::VerifyRemotely;

// What every archive command takes: the server and the token file.
struct Connection {
  ServerFlags server;
  std::string token_file;
};

void AddConnectionFlags(CLI::App* c, Connection* conn) {
  AddServerFlags(c, &conn->server, /*required=*/true);
  c->add_option("--token", conn->token_file,
                "bearer token for the archive: the first line of FILE (never on the command "
                "line, where ps shows it)")
      ->type_name("FILE");
}

// The bearer token (empty without --token); an exit status on failure.
std::optional<int> ReadToken(const Connection& conn, std::string* token) {
  if (conn.token_file.empty()) return std::nullopt;
  absl::StatusOr<std::string> text = ReadFile(conn.token_file);
  if (!text.ok()) {
    std::cerr << "panelpaper: the token file: " << text.status().message() << "\n";
    return kExitFailure;
  }
  *token = std::string(absl::StripAsciiWhitespace(text->substr(0, text->find('\n'))));
  if (token->empty()) {
    std::cerr << "panelpaper: the token file " << conn.token_file << " is empty\n";
    return kExitUsage;
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

absl::Status ParseRenderRequest(const std::string& path, pb::RenderPaperRequest* req) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseRequestText(path, *text, req);
}

int LoadFailure(const absl::Status& s) {
  std::cerr << (s.code() == absl::StatusCode::kInvalidArgument ? "" : "panelpaper: ") << s.message()
            << "\n";
  return s.code() == absl::StatusCode::kInvalidArgument ? kExitRejected : kExitFailure;
}

std::string SignOffLine(const pb::SignOffRecord& so) {
  std::string out = absl::StrCat("approved by ", so.approved_by());
  if (!so.role().empty()) absl::StrAppend(&out, " (", so.role(), ")");
  absl::StrAppend(&out, " on ", so.decision_date(), ", ", so.decision_reference());
  return out;
}

struct ArchiveArgs {
  Connection conn;
  std::string request_path;
  pb::ArchivePaperRequest req;
};

int Archive(ArchiveArgs& args) {
  std::string token;
  if (auto exit = ReadToken(args.conn, &token)) return *exit;
  pb::ArchivePaperRequest& req = args.req;
  if (absl::Status s = ParseRenderRequest(args.request_path, req.mutable_render()); !s.ok()) {
    return LoadFailure(s);
  }
  absl::StatusOr<pb::ArchivePaperResponse> r = ArchiveRemotely(args.conn.server.Options(), token, req);
  if (!r.ok()) return Failure(InputName(args.request_path), r.status());
  std::cout << r->paper_id() << ": " << (r->created() ? "archived" : "already archived (identical request)")
            << ", " << r->page_count() << " pages, " << r->size_bytes() << " bytes, sha256 "
            << r->sha256() << ", " << SignOffLine(r->paper().sign_off()) << "\n";
  return 0;
}

struct GetArgs {
  Connection conn;
  std::string id, out_path, request_out;
};

int Get(const GetArgs& args) {
  std::string token;
  if (auto exit = ReadToken(args.conn, &token)) return *exit;
  if (absl::Status s = CheckOutputPath(args.out_path); !s.ok()) return LoadFailure(s);
  absl::StatusOr<RemoteArchivedPdf> got = GetArchivedRemotely(
      args.conn.server.Options(), token, args.id, !args.request_out.empty());
  if (!got.ok()) return Failure(args.id, got.status());
  if (absl::Status s = WriteFileAtomically(args.out_path, got->bytes); !s.ok()) {
    return LoadFailure(s);
  }
  if (!args.request_out.empty()) {
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    if (!google::protobuf::util::MessageToJsonString(got->request, &json, options).ok()) {
      std::cerr << "panelpaper: cannot write " << args.request_out << ": the request does not print as JSON\n";
      return kExitFailure;
    }
    if (absl::Status s = WriteFileAtomically(args.request_out, json); !s.ok()) return LoadFailure(s);
  }
  const pb::ArchivedPaper& p = got->paper;
  (args.out_path == kStdio ? std::cerr : std::cout)
      << OutputName(args.out_path) << ": " << p.paper_id() << ", " << p.pdf().page_count()
      << " pages, " << got->bytes.size() << " bytes, sha256 " << p.pdf().sha256()
      << " (checked), " << SignOffLine(p.sign_off()) << "\n";
  return 0;
}

struct VerifyArgs {
  Connection conn;
  std::string id;
};

int Verify(const VerifyArgs& args) {
  std::string token;
  if (auto exit = ReadToken(args.conn, &token)) return *exit;
  const std::string& id = args.id;
  absl::StatusOr<pb::VerifyArchivedPaperResponse> v =
      VerifyRemotely(args.conn.server.Options(), token, id);
  if (!v.ok()) return Failure(id, v.status());
  // The verdict decides (README "Verifying a paper"); a server without
  // verdicts (VERDICT_UNSPECIFIED) is judged on bytes and re-render alone.
  using Response = pb::VerifyArchivedPaperResponse;
  Response::Verdict verdict = v->verdict();
  if (verdict == Response::VERDICT_UNSPECIFIED) {
    verdict = !v->bytes_intact()      ? Response::VERDICT_DAMAGED
              : v->rerender_matches() ? Response::VERDICT_OK
                                      : Response::VERDICT_MISMATCH;
  }
  const bool ok = verdict == Response::VERDICT_OK || verdict == Response::VERDICT_NOT_COMPARABLE;
  const char* word = verdict == Response::VERDICT_OK               ? "OK"
                     : verdict == Response::VERDICT_NOT_COMPARABLE ? "OK (re-render not comparable)"
                     : verdict == Response::VERDICT_DAMAGED        ? "FAILED (damaged)"
                                                                   : "FAILED (mismatch)";
  std::cout << id << ": " << word << ": " << v->detail() << "\n"
            << "  recorded sha256    " << v->recorded_sha256() << "\n"
            << "  stored sha256      " << (v->stored_sha256().empty() ? "(missing)" : v->stored_sha256())
            << "\n"
            << "  re-rendered sha256 "
            << (v->rerendered_sha256().empty() ? "(failed)" : v->rerendered_sha256()) << "\n"
            << "  renderer           " << v->archived_renderer_version() << " (now "
            << v->current_renderer_version() << ")\n"
            << "  archived by        "
            << (v->archived_renderer_identity().empty() ? "(no renderer identity recorded)"
                                                        : v->archived_renderer_identity())
            << "\n"
            << "  verified by        " << v->current_renderer_identity() << "\n";
  for (const std::string& d : v->identity_differences()) {
    std::cout << "  differs            " << d << "\n";
  }
  return ok ? 0 : kExitDamaged;
}

struct ListArgs {
  Connection conn;
  pb::ListArchivedPapersRequest req;
  int page_size = 200;
};

int List(ListArgs& args) {
  std::string token;
  if (auto exit = ReadToken(args.conn, &token)) return *exit;
  pb::ListArchivedPapersRequest& req = args.req;
  req.set_page_size(args.page_size);
  do {
    absl::StatusOr<pb::ListArchivedPapersResponse> page =
        ListRemotely(args.conn.server.Options(), token, req);
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

// A CLI11 option writing into a string field of a message.
template <typename Setter>
CLI::Option* AddText(CLI::App* c, const std::string& name, const std::string& help, Setter set) {
  return c->add_option_function<std::string>(name, set, help);
}

}  // namespace

void AddArchiveCommands(CommandSet& commands) {
  {
    auto args = std::make_shared<ArchiveArgs>();
    CLI::App* c = commands.Add(
        "archive",
        "store REQUEST as an archival PDF/A-2b with its sign-off on a server",
        [args] { return Archive(*args); });
    c->footer(
        "The archive is immutable: repeating the identical request is fine, anything else under "
        "a taken paper id is refused.");
    c->add_option("REQUEST", args->request_path,
                  "a RenderPaperRequest as for render; - for standard input")
        ->type_name("FILE")
        ->required();
    pb::ArchivePaperRequest* req = &args->req;
    pb::SignOffRecord* so = req->mutable_sign_off();
    AddText(c, "--paper_id", "the archive's id for the paper", [req](const std::string& v) { req->set_paper_id(v); })
        ->type_name("ID")->required();
    AddText(c, "--approved_by", "who signed it off", [so](const std::string& v) { so->set_approved_by(v); })
        ->type_name("NAME")->required();
    AddText(c, "--role", "their role", [so](const std::string& v) { so->set_role(v); })->type_name("ROLE");
    AddText(c, "--decision_date", "the date of the decision",
            [so](const std::string& v) { so->set_decision_date(v); })
        ->type_name("YYYY-MM-DD")->required();
    AddText(c, "--meeting", "the meeting that decided", [so](const std::string& v) { so->set_meeting(v); })
        ->type_name("TEXT");
    AddText(c, "--decision_reference", "the decision's reference",
            [so](const std::string& v) { so->set_decision_reference(v); })
        ->type_name("REF")->required();
    AddConnectionFlags(c, &args->conn);
  }
  {
    auto args = std::make_shared<GetArgs>();
    CLI::App* c = commands.Add("get", "fetch an archived PDF (checked against its SHA-256)",
                               [args] { return Get(*args); });
    c->add_option("PAPER_ID", args->id, "the paper's archive id")->type_name("ID")->required();
    c->add_option("-o,--output", args->out_path, "where to write the PDF; - for standard output")
        ->type_name("FILE")->required();
    c->add_option("--request_out", args->request_out, "also write the archived request (JSON)")
        ->type_name("FILE");
    AddConnectionFlags(c, &args->conn);
  }
  {
    auto args = std::make_shared<VerifyArgs>();
    CLI::App* c = commands.Add(
        "verify", "re-hash an archived PDF and re-render its request (exit 4 on a mismatch)",
        [args] { return Verify(*args); });
    c->add_option("PAPER_ID", args->id, "the paper's archive id")->type_name("ID")->required();
    AddConnectionFlags(c, &args->conn);
  }
  {
    auto args = std::make_shared<ListArgs>();
    CLI::App* c = commands.Add(
        "list",
        "list archived papers (tab-separated)",
        [args] { return List(*args); });
    c->footer(
        "Columns: paper id, meeting date, agenda item, panel, title, pages, sha256; by meeting "
        "date.");
    pb::ListArchivedPapersRequest* req = &args->req;
    AddText(c, "--panel", "only this panel", [req](const std::string& v) { req->set_panel_name(v); })
        ->type_name("NAME");
    AddText(c, "--from", "meetings on or after", [req](const std::string& v) { req->set_meeting_date_from(v); })
        ->type_name("YYYY-MM-DD");
    AddText(c, "--to", "meetings on or before", [req](const std::string& v) { req->set_meeting_date_to(v); })
        ->type_name("YYYY-MM-DD");
    AddText(c, "--agenda_item", "only this agenda item, e.g. 7b",
            [req](const std::string& v) { req->set_agenda_item(v); })
        ->type_name("ITEM");
    c->add_option("--page_size", args->page_size, "papers per call")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    AddConnectionFlags(c, &args->conn);
  }
}

}  // namespace pp::cli
