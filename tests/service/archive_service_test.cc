// In-process tests of ArchiveServiceImpl: a real gRPC server on a loopback
// port over a LocalArchiveStore in a temporary directory, driven by the
// generated C++ stub.
#include "service/archive/archive_service.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <thread>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"
#include "service/archive/archive_request.h"
#include "service/archive/local_archive_store.h"
#include "service/log.h"
#include "service/sha256.h"
#include "service/status_mapping.h"

namespace pp::service::archive {
namespace {

namespace pb = ::panelpaper::v1;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kToken[] = "clerk-token-0123456789";

const bool kQuietLogs = [] {
  SetLogLevel(LogLevel::kWarning);
  RouteProtobufLogs();
  return true;
}();

std::shared_ptr<const text::FontSet> Fonts() {
  static const auto* fonts = [] {
    auto f = text::FontSet::Load(PP_FONTS_DIR);
    if (!f.ok()) std::abort();
    return new std::shared_ptr<const text::FontSet>(*f);
  }();
  return *fonts;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pb::ArchivePaperRequest Request(const std::string& id = "jap-2020-01-08-7b") {
  pb::ArchivePaperRequest req;
  req.set_paper_id(id);
  if (!google::protobuf::util::JsonStringToMessage(
           ReadFile(PP_TESTDATA_DIR "/requests/met-governance-2020-01-08.json"), req.mutable_render())
           .ok()) {
    std::abort();
  }
  pb::SignOffRecord* so = req.mutable_sign_off();
  so->set_approved_by("Jane Doe");
  so->set_role("Chair");
  so->set_decision_date("2020-01-08");
  so->set_meeting("Joint Audit Panel");
  so->set_decision_reference("JAP/2020/07");
  return req;
}

// A server with an archive in a fresh directory.
struct Server {
  std::string dir;
  std::shared_ptr<LocalArchiveStore> store;
  std::unique_ptr<ArchiveServiceImpl> service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<pb::ArchiveService::Stub> stub;

  std::string address;

  explicit Server(bool reads_open = false, size_t chunk_bytes = 1 << 20,
                  std::shared_ptr<SendBudget> send_budget = nullptr) {
    std::string tmpl = testing::TempDir() + "/archive_service_XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir = tmpl;
    auto s = LocalArchiveStore::Open({dir, nullptr});
    if (!s.ok()) std::abort();
    store = *std::move(s);
    ArchiveServiceOptions options;
    options.threads = 2;
    options.chunk_bytes = chunk_bytes;
    options.icc_profile = ReadFile(PP_FONTS_DIR "/icc/sRGB.icc");
    auto tokens = ParseTokenFile(std::string("clerk ") + kToken);
    if (!tokens.ok()) std::abort();
    options.auth.tokens->Replace(*tokens);
    options.auth.reads_open = reads_open;
    options.send_budget = std::move(send_budget);
    auto svc = ArchiveServiceImpl::Create(Fonts(), store, options);
    if (!svc.ok()) std::abort();
    service = *std::move(svc);
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service.get());
    server = builder.BuildAndStart();
    address = "127.0.0.1:" + std::to_string(port);
    stub = pb::ArchiveService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }
  ~Server() {
    service->StartDraining();
    service->WaitIdle(std::chrono::system_clock::now() + std::chrono::seconds(10));
    server->Shutdown(std::chrono::system_clock::now());
    service->Shutdown();
  }
};

void Authorize(grpc::ClientContext* c, const std::string& token = kToken) {
  c->AddMetadata("authorization", "Bearer " + token);
}

absl::StatusOr<pb::ArchivePaperResponse> Archive(Server& s, const pb::ArchivePaperRequest& req,
                                                 const std::string& token = kToken) {
  grpc::ClientContext c;
  if (!token.empty()) Authorize(&c, token);
  pb::ArchivePaperResponse out;
  grpc::Status st = s.stub->ArchivePaper(&c, req, &out);
  if (!st.ok()) return FromGrpcStatus(st);
  return out;
}

struct Fetched {
  std::string bytes;
  pb::ArchivedPaper paper;
  pb::ArchivePaperRequest request;
  int messages = 0;
  size_t largest = 0;
};

absl::StatusOr<Fetched> Get(Server& s, const std::string& id, bool with_token = true,
                            bool include_request = false) {
  grpc::ClientContext c;
  if (with_token) Authorize(&c);
  pb::GetArchivedPaperRequest req;
  req.set_paper_id(id);
  req.set_include_request(include_request);
  auto reader = s.stub->GetArchivedPaper(&c, req);
  Fetched out;
  pb::ArchivedPaperChunk chunk;
  while (reader->Read(&chunk)) {
    if (out.messages++ == 0) {
      out.paper = chunk.paper();
      out.request = chunk.request();
    }
    out.largest = std::max(out.largest, chunk.data().size());
    out.bytes += chunk.data();
  }
  grpc::Status st = reader->Finish();
  if (!st.ok()) return FromGrpcStatus(st);
  return out;
}

absl::StatusOr<pb::VerifyArchivedPaperResponse> Verify(Server& s, const std::string& id) {
  grpc::ClientContext c;
  Authorize(&c);
  pb::VerifyArchivedPaperRequest req;
  req.set_paper_id(id);
  pb::VerifyArchivedPaperResponse out;
  grpc::Status st = s.stub->VerifyArchivedPaper(&c, req, &out);
  if (!st.ok()) return FromGrpcStatus(st);
  return out;
}

TEST(ArchiveService, ArchiveThenGetGivesIdenticalBytesAndHash) {
  Server s(/*reads_open=*/false, /*chunk_bytes=*/10000);
  auto archived = Archive(s, Request());
  ASSERT_TRUE(archived.ok()) << archived.status();
  EXPECT_TRUE(archived->created());
  EXPECT_EQ(archived->paper_id(), "jap-2020-01-08-7b");
  EXPECT_GT(archived->page_count(), 1);
  EXPECT_EQ(archived->paper().archived_by(), "token:clerk");
  EXPECT_EQ(archived->paper().pdf().renderer_version(), kRendererVersion);
  EXPECT_EQ(archived->paper().fonts_sha256(), s.service->fonts_sha256());
  EXPECT_EQ(archived->paper().renderer_identity(), s.service->renderer_identity());
  auto identity = ComputeRendererIdentity(*Fonts(), s.service->options().icc_profile);
  ASSERT_TRUE(identity.ok()) << identity.status();
  EXPECT_EQ(s.service->renderer_identity(), identity->ToString());

  auto got = Get(s, "jap-2020-01-08-7b", true, /*include_request=*/true);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Sha256Hex(got->bytes), archived->sha256());
  EXPECT_EQ(static_cast<int64_t>(got->bytes.size()), archived->size_bytes());
  EXPECT_EQ(got->paper.pdf().sha256(), archived->sha256());
  EXPECT_EQ(got->paper.sign_off().decision_reference(), "JAP/2020/07");
  EXPECT_EQ(CanonicalRequest(got->request), CanonicalRequest(Request()));
  EXPECT_GT(got->messages, 1);
  EXPECT_LE(got->largest, 10000u);

  // The bytes are the archival render of the request, byte for byte.
  auto job = ConvertArchiveRequest(Request(), *Fonts(), Limits{}, 5000);
  auto local = RenderArchival(*job, *Fonts(), s.service->options().icc_profile, 500, {});
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(got->bytes, local->bytes);
}

TEST(ArchiveService, TheIdenticalRequestIsIdempotentAndDifferentContentIsAlreadyExists) {
  Server s;
  auto first = Archive(s, Request());
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = Archive(s, Request());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created());
  EXPECT_EQ(again->paper_id(), first->paper_id());
  EXPECT_EQ(again->sha256(), first->sha256());

  pb::ArchivePaperRequest changed = Request();
  changed.mutable_render()->mutable_paper()->set_title("Another title");
  auto refused = Archive(s, changed);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  pb::ArchivePaperRequest resigned = Request();
  resigned.mutable_sign_off()->set_approved_by("Someone Else");
  EXPECT_EQ(Archive(s, resigned).status().code(), absl::StatusCode::kAlreadyExists);
  // The archive still holds the first version.
  EXPECT_EQ(Sha256Hex(Get(s, "jap-2020-01-08-7b")->bytes), first->sha256());
}

// Issue 13 item 6: archive errors name their reason and the resource.
TEST(ArchiveService, ErrorsCarryReasonsAndTheResourceTheyAreAbout) {
  Server s;
  ASSERT_TRUE(Archive(s, Request()).ok());
  pb::ArchivePaperRequest changed = Request();
  changed.mutable_render()->mutable_paper()->set_title("Another title");
  const absl::Status exists = Archive(s, changed).status();
  EXPECT_EQ(ErrorReason(exists), "PAPER_EXISTS");
  const absl::Status missing = Get(s, "no-such-paper").status();
  EXPECT_EQ(ErrorReason(missing), "PAPER_NOT_FOUND");
  const std::pair<absl::Status, std::string> cases[] = {{exists, "jap-2020-01-08-7b"},
                                                        {missing, "no-such-paper"}};
  for (const auto& [st, name] : cases) {
    const auto payload = st.GetPayload(kResourceInfoTypeUrl);
    ASSERT_TRUE(payload.has_value()) << st;
    google::rpc::ResourceInfo info;
    ASSERT_TRUE(info.ParseFromString(std::string(*payload)));
    EXPECT_EQ(info.resource_type(), "panelpaper.v1.ArchivedPaper");
    EXPECT_EQ(info.resource_name(), name);
  }
  const absl::Status denied = Archive(s, Request("other"), "wrong-token-wrong-token").status();
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrorReason(denied), "PERMISSION_DENIED");
  EXPECT_TRUE(denied.GetPayload(kResourceInfoTypeUrl).has_value());
  EXPECT_EQ(ErrorReason(Archive(s, Request(), "").status()), "UNAUTHENTICATED");
}

TEST(ArchiveService, AFlippedByteOnDiskIsDataLossOnGetAndAFailedVerify) {
  Server s;
  auto archived = Archive(s, Request());
  ASSERT_TRUE(archived.ok()) << archived.status();
  auto ok = Verify(s, "jap-2020-01-08-7b");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(ok->bytes_intact());
  EXPECT_TRUE(ok->rerender_matches());
  EXPECT_EQ(ok->detail(), "stored bytes intact; re-render identical");
  EXPECT_EQ(ok->verdict(), pb::VerifyArchivedPaperResponse::VERDICT_OK);
  EXPECT_EQ(ok->archived_renderer_identity(), s.service->renderer_identity());
  EXPECT_EQ(ok->current_renderer_identity(), s.service->renderer_identity());
  EXPECT_THAT(ok->identity_differences(), IsEmpty());

  const std::string path = s.store->ObjectPath(archived->sha256());
  chmod(path.c_str(), 0640);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(500);
    f.put('#');
  }
  auto got = Get(s, "jap-2020-01-08-7b");
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss);
  auto verify = Verify(s, "jap-2020-01-08-7b");
  ASSERT_TRUE(verify.ok()) << verify.status();
  EXPECT_FALSE(verify->bytes_intact());
  EXPECT_NE(verify->stored_sha256(), verify->recorded_sha256());
  EXPECT_TRUE(verify->rerender_matches());  // the request still renders to the recorded bytes
  EXPECT_THAT(verify->detail(), HasSubstr("DAMAGED"));
  EXPECT_EQ(verify->verdict(), pb::VerifyArchivedPaperResponse::VERDICT_DAMAGED);
}

// A paper put into the store as another server would have archived it: the
// real request, `pdf` as its bytes, and `identity` as its renderer identity.
void PutAsArchivedBy(Server& s, const std::string& pdf, const std::string& identity) {
  auto job = ConvertArchiveRequest(Request(), *Fonts(), Limits{}, 5000);
  ASSERT_TRUE(job.ok()) << job.status();
  ArchiveEntry e = job->entry;
  e.sha256 = Sha256Hex(pdf);
  e.size_bytes = static_cast<int64_t>(pdf.size());
  e.page_count = 2;
  e.renderer_version = kRendererVersion;
  e.fonts_sha256 = s.service->fonts_sha256();
  e.renderer_identity = identity;
  e.archived_by = "token:clerk";
  e.archived_at_millis = 1700000000000;
  ASSERT_TRUE(s.store->Put(e, pdf).ok());
}

// The verdicts of Verify (README "Verifying a paper").
TEST(ArchiveService, VerifyJudgesAReRenderThatDiffersByTheRendererIdentity) {
  using Response = pb::VerifyArchivedPaperResponse;
  auto job = ConvertArchiveRequest(Request(), *Fonts(), Limits{}, 5000);
  ASSERT_TRUE(job.ok());
  struct Case {
    const char* name;
    bool same_bytes;       // stored bytes = today's re-render
    std::string identity;  // recorded with the paper
    Response::Verdict verdict;
    std::vector<std::string> differences;
  };
  Server probe;
  const std::string current = probe.service->renderer_identity();
  std::string older_zlib = current;
  older_zlib.replace(older_zlib.find("; zlib ") + 7, older_zlib.find("; fonts") - older_zlib.find("; zlib ") - 7,
                     "1.2.11");
  const std::string zlib_now = current.substr(current.find("; zlib ") + 7,
                                              current.find("; fonts") - current.find("; zlib ") - 7);
  const std::vector<Case> cases = {
      {"same identity, same bytes", true, current, Response::VERDICT_OK, {}},
      {"same identity, other bytes", false, current, Response::VERDICT_MISMATCH, {}},
      {"no identity recorded, other bytes", false, "", Response::VERDICT_NOT_COMPARABLE,
       {"no renderer identity recorded"}},
      {"older zlib, other bytes", false, older_zlib, Response::VERDICT_NOT_COMPARABLE,
       {"zlib 1.2.11 -> " + zlib_now}},
      {"older zlib, same bytes", true, older_zlib, Response::VERDICT_OK,
       {"zlib 1.2.11 -> " + zlib_now}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Server s;
    auto today = RenderArchival(*job, *Fonts(), s.service->options().icc_profile, 500, {});
    ASSERT_TRUE(today.ok());
    // "Other bytes": the same paper as an earlier renderer might have made
    // it (here: uncompressed content streams).
    ArchiveJob uncompressed = *job;
    uncompressed.compress_content = false;
    auto other = RenderArchival(uncompressed, *Fonts(), s.service->options().icc_profile, 500, {});
    ASSERT_TRUE(other.ok());
    ASSERT_NE(other->bytes, today->bytes);
    PutAsArchivedBy(s, c.same_bytes ? today->bytes : other->bytes, c.identity);
    auto v = Verify(s, "jap-2020-01-08-7b");
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(v->bytes_intact());
    EXPECT_EQ(v->rerender_matches(), c.same_bytes);
    EXPECT_EQ(v->verdict(), c.verdict) << v->detail();
    EXPECT_EQ(v->archived_renderer_identity(), c.identity);
    EXPECT_EQ(v->current_renderer_identity(), current);
    EXPECT_THAT(std::vector<std::string>(v->identity_differences().begin(),
                                         v->identity_differences().end()),
                ElementsAreArray(c.differences));
    if (c.verdict == Response::VERDICT_NOT_COMPARABLE) {
      EXPECT_THAT(v->detail(), HasSubstr("re-render not comparable"));
      EXPECT_THAT(v->detail(), HasSubstr(c.differences[0]));
    }
    if (c.verdict == Response::VERDICT_MISMATCH) {
      EXPECT_THAT(v->detail(), HasSubstr("re-render DIFFERS with the same renderer identity"));
    }
  }
}

TEST(ArchiveService, WritesNeedAValidToken) {
  Server s;
  EXPECT_EQ(Archive(s, Request(), "").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Archive(s, Request(), "wrong-token-wrong-token").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(s.store->Lookup("jap-2020-01-08-7b").status().code(), absl::StatusCode::kNotFound);
}

TEST(ArchiveService, ReadsAreAuthenticatedOrOpenByConfiguration) {
  {
    Server s;
    ASSERT_TRUE(Archive(s, Request()).ok());
    EXPECT_EQ(Get(s, "jap-2020-01-08-7b", /*with_token=*/false).status().code(),
              absl::StatusCode::kUnauthenticated);
    EXPECT_TRUE(Get(s, "jap-2020-01-08-7b").ok());
  }
  {
    Server s(/*reads_open=*/true);
    ASSERT_TRUE(Archive(s, Request()).ok());
    EXPECT_TRUE(Get(s, "jap-2020-01-08-7b", /*with_token=*/false).ok());
    EXPECT_EQ(Archive(s, Request("other"), "").status().code(), absl::StatusCode::kUnauthenticated);
  }
}

TEST(ArchiveService, InvalidRequestsNameEveryField) {
  Server s;
  pb::ArchivePaperRequest req = Request("bad id");
  req.mutable_sign_off()->set_decision_date("8/1/2020");
  req.mutable_render()->mutable_paper()->clear_panel_name();
  auto r = Archive(s, req);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const FieldViolation& v : BadRequestViolations(r.status())) fields.push_back(v.field);
  EXPECT_THAT(fields, testing::UnorderedElementsAre("paper_id", "render.paper.panel_name",
                                                    "sign_off.decision_date"));
  EXPECT_EQ(Get(s, "nothing-here").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Get(s, "bad id").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ArchiveService, ListFiltersAndPages) {
  Server s;
  const char* dates[] = {"2020-01-08", "2020-03-04", "2019-11-20", "2020-03-04"};
  for (int i = 0; i < 4; ++i) {
    pb::ArchivePaperRequest req = Request("paper-" + std::to_string(i));
    req.mutable_render()->mutable_paper()->set_meeting_date(dates[i]);
    ASSERT_TRUE(Archive(s, req).ok());
  }
  std::vector<std::string> ids;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext c;
    Authorize(&c);
    pb::ListArchivedPapersRequest req;
    req.set_page_size(3);
    req.set_page_token(token);
    pb::ListArchivedPapersResponse out;
    ASSERT_TRUE(s.stub->ListArchivedPapers(&c, req, &out).ok());
    for (const auto& p : out.papers()) ids.push_back(p.paper_id());
    token = out.next_page_token();
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(pages, 2);
  EXPECT_THAT(ids, ElementsAre("paper-2", "paper-0", "paper-1", "paper-3"));

  grpc::ClientContext c;
  Authorize(&c);
  pb::ListArchivedPapersRequest req;
  req.set_meeting_date_from("2020-01-01");
  req.set_meeting_date_to("2020-02-01");
  req.set_agenda_item("7b");
  pb::ListArchivedPapersResponse out;
  ASSERT_TRUE(s.stub->ListArchivedPapers(&c, req, &out).ok());
  ASSERT_THAT(out.papers(), SizeIs(1));
  EXPECT_EQ(out.papers(0).paper_id(), "paper-0");
  EXPECT_EQ(out.papers(0).meeting_date(), "2020-01-08");
  EXPECT_EQ(out.papers(0).sign_off().approved_by(), "Jane Doe");
}

}  // namespace
}  // namespace pp::service::archive

namespace pp::service::archive {
namespace {

// Captures the access lines for the life of the object.
class AccessLog {
 public:
  AccessLog() {
    SetLogLevel(LogLevel::kInfo);
    SetLogSinkForTesting([this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      if (line.substr(0, 12) == "INFO access ") lines_.emplace_back(line);
    });
  }
  ~AccessLog() {
    SetLogSinkForTesting(nullptr);
    SetLogLevel(LogLevel::kWarning);
  }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  // Waits until `n` lines were written (a call's line comes when it ends).
  std::vector<std::string> Wait(size_t n) {
    for (int i = 0; i < 500 && Lines().size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Lines();
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// The access line is the shared one (call_handler.h), as PaperService's.
TEST(ArchiveService, AccessLinesUseTheSharedFormat) {
  Server s;
  AccessLog log;
  ASSERT_TRUE(Archive(s, Request()).ok());
  EXPECT_EQ(Get(s, "no-such-paper").status().code(), absl::StatusCode::kNotFound);
  // (In either order: a call's line is written when gRPC is done with it.)
  EXPECT_THAT(
      log.Wait(2),
      testing::UnorderedElementsAre(
          MatchesRegex("INFO access method=ArchivePaper peer=ipv4:127\\.0\\.0\\.1:[0-9]+ "
                       "client=token:clerk paper_id=jap-2020-01-08-7b bytes_in=[0-9]+ "
                       "bytes_out=[0-9]+ pages=[0-9]+ queue_ms=[0-9.]+ render_ms=[0-9.]+ "
                       "ms=[0-9.]+ code=OK outcome=ok request_id=[0-9a-f]{16}"),
          AllOf(HasSubstr("method=GetArchivedPaper"), HasSubstr("paper_id=no-such-paper"),
                HasSubstr("code=NOT_FOUND outcome=rejected"))));
}

// Issue 10 item 9: the archive handles cancellation as PaperService does —
// a GetArchivedPaper whose client went away mid-stream is `late`, and its
// PDF's share of the send budget is given back.
TEST(ArchiveService, GetCancelledMidStreamIsLateAndFreesItsBudget) {
  Server s(/*reads_open=*/true, /*chunk_bytes=*/16384);
  // A PDF well beyond the client's 64 KB receive window.
  pb::ArchivePaperRequest big = Request();
  big.mutable_render()->mutable_options()->set_uncompressed(true);
  std::string lines;
  for (int i = 0; i < 150; ++i) lines += "a\n";
  for (int i = 0; i < 20; ++i) {
    big.mutable_render()->mutable_paper()->mutable_sections(0)->add_blocks()->mutable_paragraph()
        ->add_runs()->set_text(lines);
  }
  ASSERT_TRUE(Archive(s, big).ok());
  AccessLog log;
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto stub = pb::ArchiveService::NewStub(
      grpc::CreateCustomChannel(s.address, grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext c;
  pb::GetArchivedPaperRequest req;
  req.set_paper_id("jap-2020-01-08-7b");
  auto reader = stub->GetArchivedPaper(&c, req);
  pb::ArchivedPaperChunk chunk;
  ASSERT_TRUE(reader->Read(&chunk));  // one message, then stop reading
  SendBudget& budget = *s.service->send_budget();
  EXPECT_EQ(budget.holders(), 1u);
  EXPECT_GT(budget.unsent(), 0u);
  c.TryCancel();
  while (reader->Read(&chunk)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  std::vector<std::string> gets;
  for (int i = 0; i < 500 && gets.empty(); ++i) {
    for (const std::string& line : log.Wait(1)) {
      if (line.find("method=GetArchivedPaper") != std::string::npos) gets.push_back(line);
    }
    if (gets.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_THAT(gets, ElementsAre(AllOf(HasSubstr("code=CANCELLED"), HasSubstr("outcome=late"))));
  EXPECT_EQ(budget.unsent(), 0u);
}

// The send budget is the server's: PDFs waiting in PaperService streams
// count for GetArchivedPaper too.
TEST(ArchiveService, GetIsRefusedWhileTheServersSendBudgetIsFull) {
  auto budget = std::make_shared<SendBudget>(/*max_unsent_bytes=*/1000, std::chrono::milliseconds(0));
  Server s(/*reads_open=*/true, 1 << 20, budget);
  ASSERT_TRUE(Archive(s, Request()).ok());
  UnsentClaim elsewhere(budget.get(), nullptr);  // another service's stream
  ASSERT_TRUE(elsewhere.Reserve(1000));
  absl::StatusOr<Fetched> refused = Get(s, "jap-2020-01-08-7b", false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(QuotaFailureViolations(refused.status()),
              ElementsAre(testing::Field(&FieldViolation::field, "server")));
  // Calls that send no PDF are not held up.
  EXPECT_TRUE(Verify(s, "jap-2020-01-08-7b").ok());
  elsewhere.End(/*delivered=*/true);
  EXPECT_TRUE(Get(s, "jap-2020-01-08-7b", false).ok());
}

}  // namespace
}  // namespace pp::service::archive
