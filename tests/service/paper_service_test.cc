// In-process tests of PaperServiceImpl: a real gRPC server on a loopback
// port, driven by the generated C++ stub (and raw bytes where protobuf's
// serializer would refuse to produce the request).
#include "service/paper_service.h"

#include <grpcpp/impl/client_unary_call.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "renderers/renderer.h"
#include "service/log.h"
#include "service/sha256.h"
#include "service/status_mapping.h"

namespace pp::service {
namespace {

namespace pb = ::panelpaper::v1;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;
using namespace std::chrono_literals;

// A trailing metadata value the server sent ("<none>" without one).
std::string Trailer(const grpc::ClientContext& ctx, const std::string& key) {
  const auto& t = ctx.GetServerTrailingMetadata();
  auto it = t.find(key);
  return it == t.end() ? "<none>" : std::string(it->second.data(), it->second.size());
}

std::shared_ptr<const text::FontSet> Fonts() {
  static const auto* fonts = [] {
    auto f = text::FontSet::Load(PP_FONTS_DIR);
    if (!f.ok()) {
      ADD_FAILURE() << f.status();
      std::abort();
    }
    return new std::shared_ptr<const text::FontSet>(*f);
  }();
  return *fonts;
}

const pb::RenderPaperRequest& Reference() {
  static const auto* req = [] {
    std::ifstream in(PP_TESTDATA_DIR "/requests/met-governance-2020-01-08.json");
    std::stringstream ss;
    ss << in.rdbuf();
    auto* r = new pb::RenderPaperRequest;
    if (!google::protobuf::util::JsonStringToMessage(ss.str(), r).ok()) std::abort();
    return r;
  }();
  return *req;
}

// The PDF the renderer makes locally: what the service must return.
std::string LocalPdf(const pb::RenderPaperRequest& req) {
  auto job = ConvertRenderPaperRequest(req, *Fonts(), Limits{});
  EXPECT_TRUE(job.ok()) << job.status();
  RenderOptions options;
  options.compress_content = job->compress_content;
  auto pdf = RenderPaper(job->paper, *Fonts(), options);
  EXPECT_TRUE(pdf.ok()) << pdf.status();
  return pdf->bytes;
}

// A paper of `paragraphs` paragraphs of 60 words: ~9 paragraphs a page.
pb::RenderPaperRequest LongPaper(int paragraphs) {
  pb::RenderPaperRequest r;
  pb::Paper* p = r.mutable_paper();
  p->set_panel_name("Panel");
  p->set_meeting_date("2020-01-08");
  p->set_title("Long paper");
  pb::Section* s = p->add_sections();
  s->set_heading("Body");
  std::string words;
  for (int i = 0; i < 60; ++i) words += "word ";
  for (int i = 0; i < paragraphs; ++i) s->add_blocks()->mutable_paragraph()->add_runs()->set_text(words);
  return r;
}

// A small request with a large PDF: every line one character, content
// streams uncompressed (38 KB of request, ~0.5 MB of PDF, ~360 pages).
pb::RenderPaperRequest LargePdfPaper(const std::string& title = "Large PDF") {
  pb::RenderPaperRequest r;
  r.mutable_options()->set_uncompressed(true);
  pb::Paper* p = r.mutable_paper();
  p->set_panel_name("Panel");
  p->set_meeting_date("2020-01-08");
  p->set_title(title);
  pb::Section* s = p->add_sections();
  s->set_heading("Body");
  std::string lines;
  for (int i = 0; i < 150; ++i) lines += "a\n";
  for (int i = 0; i < 120; ++i) s->add_blocks()->mutable_paragraph()->add_runs()->set_text(lines);
  return r;
}

// Tests that do not look at the log keep it quiet (protobuf's own messages
// about refused requests included, as panelpaperd does).
const bool kQuietLogs = [] {
  SetLogLevel(LogLevel::kWarning);
  RouteProtobufLogs();
  return true;
}();

// Captures the service's log lines for the life of the object.
class LogCapture {
 public:
  LogCapture() {
    SetLogLevel(LogLevel::kInfo);
    SetLogSinkForTesting([this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() {
    SetLogSinkForTesting(nullptr);
    SetLogLevel(LogLevel::kWarning);
  }
  std::vector<std::string> AccessLines() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& l : lines_) {
      if (absl::StartsWith(l, "INFO access ")) out.push_back(l);
    }
    return out;
  }
  std::vector<std::string> All() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// The service on 127.0.0.1:<free port>, torn down like panelpaperd does.
class TestServer {
 public:
  explicit TestServer(PaperServiceOptions options = {}) {
    service_ = std::make_unique<PaperServiceImpl>(Fonts(), std::move(options));
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.SetMaxReceiveMessageSize(4 << 20);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    EXPECT_NE(port, 0);
    address_ = "127.0.0.1:" + std::to_string(port);
    channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    stub_ = pb::PaperService::NewStub(channel_);
  }
  ~TestServer() {
    Shutdown();
    server_.reset();
    service_.reset();
  }
  void Shutdown(std::chrono::system_clock::time_point deadline = std::chrono::system_clock::now() + 10s) {
    if (server_ == nullptr || down_) return;
    down_ = true;
    // As panelpaperd does on SIGTERM.
    service_->StartDraining();
    service_->WaitIdle(deadline);
    server_->Shutdown(std::chrono::system_clock::now());
    service_->Shutdown();
  }

  // A client whose receive window stays at gRPC's initial 64 KB (no BDP
  // probing): one that does not read really holds the server's stream up.
  std::unique_ptr<pb::PaperService::Stub> NonReadingStub() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetMaxReceiveMessageSize(-1);
    return pb::PaperService::NewStub(
        grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(), args));
  }

  pb::PaperService::Stub& stub() { return *stub_; }
  grpc::Channel* channel() { return channel_.get(); }
  PaperServiceImpl& service() { return *service_; }
  grpc::Server& server() { return *server_; }

  // Waits until `pred(stats)` holds (the access log and counters are
  // written when a call ends, which may be after the client returned).
  template <typename Pred>
  ServiceStats WaitForStats(Pred pred) {
    for (int i = 0; i < 500; ++i) {
      ServiceStats s = service_->stats();
      if (pred(s)) return s;
      std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "stats never satisfied the condition";
    return service_->stats();
  }

 private:
  std::unique_ptr<PaperServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::PaperService::Stub> stub_;
  bool down_ = false;
};

grpc::Status RawRenderPaper(grpc::Channel* channel, const std::string& bytes, grpc::ByteBuffer* response) {
  grpc::ClientContext ctx;
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel, grpc::internal::RpcMethod("/panelpaper.v1.PaperService/RenderPaper",
                                         grpc::internal::RpcMethod::NORMAL_RPC),
      &ctx, request, response);
}

google::rpc::Status RichStatus(const grpc::Status& s) {
  google::rpc::Status out;
  EXPECT_TRUE(out.ParseFromString(s.error_details())) << "no google.rpc.Status in the trailer";
  return out;
}

struct Streamed {
  grpc::Status status;
  std::vector<pb::PaperChunk> chunks;
  std::string pdf;
};

Streamed Stream(pb::PaperService::Stub& stub, const pb::RenderPaperRequest& req) {
  Streamed out;
  grpc::ClientContext ctx;
  auto reader = stub.StreamPaper(&ctx, req);
  pb::PaperChunk chunk;
  while (reader->Read(&chunk)) {
    out.pdf += chunk.data();
    out.chunks.push_back(chunk);
  }
  out.status = reader->Finish();
  return out;
}

TEST(PaperService, RenderPaperReturnsTheLocalRenderWithItsHash) {
  TestServer server;
  grpc::ClientContext ctx;
  pb::RenderPaperResponse resp;
  const grpc::Status s = server.stub().RenderPaper(&ctx, Reference(), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string local = LocalPdf(Reference());
  EXPECT_EQ(resp.pdf(), local);
  EXPECT_EQ(resp.page_count(), 7);
  EXPECT_EQ(resp.sha256(), Sha256Hex(local));
  EXPECT_EQ(resp.sha256().size(), 64u);
  EXPECT_EQ(resp.renderer_version(), kRendererVersion);
  EXPECT_THAT(resp.warnings(), IsEmpty());
}

TEST(PaperService, StreamPaperSendsTheSameBytesMetadataFirst) {
  PaperServiceOptions options;
  options.chunk_bytes = 8192;  // several chunks from the 35 KB reference
  TestServer server(options);
  const Streamed got = Stream(server.stub(), Reference());
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  const std::string local = LocalPdf(Reference());
  EXPECT_EQ(got.pdf, local);
  ASSERT_GE(got.chunks.size(), 4u);
  EXPECT_TRUE(got.chunks[0].has_info());
  EXPECT_EQ(got.chunks[0].info().page_count(), 7);
  EXPECT_EQ(got.chunks[0].info().size_bytes(), static_cast<int64_t>(local.size()));
  EXPECT_EQ(got.chunks[0].info().sha256(), Sha256Hex(local));
  EXPECT_EQ(got.chunks[0].info().renderer_version(), kRendererVersion);
  for (size_t i = 0; i < got.chunks.size(); ++i) {
    EXPECT_LE(got.chunks[i].data().size(), 8192u);
    EXPECT_FALSE(got.chunks[i].data().empty());
    if (i > 0) {
      EXPECT_FALSE(got.chunks[i].has_info());
    }
  }
}

TEST(PaperService, StreamChunksDefaultToAtMostOneMebibyte) {
  TestServer server;
  const Streamed got = Stream(server.stub(), LongPaper(900));  // ~100 pages
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  for (const auto& c : got.chunks) EXPECT_LE(c.data().size(), 1u << 20);
  EXPECT_EQ(static_cast<int64_t>(got.pdf.size()), got.chunks[0].info().size_bytes());
  EXPECT_EQ(Sha256Hex(got.pdf), got.chunks[0].info().sha256());
}

TEST(PaperService, InvalidRequestListsEveryViolationInBadRequest) {
  TestServer server;
  pb::RenderPaperRequest req = Reference();
  req.mutable_paper()->clear_title();
  req.mutable_paper()->set_meeting_date("2020-02-30");
  req.mutable_paper()->mutable_sections(2)->mutable_blocks(0)->mutable_paragraph()->mutable_runs(0)->set_text(
      "שלום");
  grpc::ClientContext ctx;
  pb::RenderPaperResponse resp;
  const grpc::Status s = server.stub().RenderPaper(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("3 invalid fields"));
  const google::rpc::Status rich = RichStatus(s);
  EXPECT_EQ(rich.code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
  ASSERT_THAT(rich.details(), SizeIs(2));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rich.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "INVALID_REQUEST");
  EXPECT_EQ(rich.details(1).type_url(), "type.googleapis.com/google.rpc.BadRequest");
  google::rpc::BadRequest br;
  ASSERT_TRUE(rich.details(1).UnpackTo(&br));
  std::vector<std::string> fields;
  for (const auto& v : br.field_violations()) {
    fields.push_back(v.field());
    EXPECT_FALSE(v.description().empty());
  }
  EXPECT_THAT(fields, ElementsAre("paper.meeting_date", "paper.title",
                                  "paper.sections[2].blocks[0].paragraph.runs[0].text"));
}

TEST(PaperService, EmptyRequestIsInvalidArgument) {
  TestServer server;
  grpc::ClientContext ctx;
  pb::RenderPaperResponse resp;
  const grpc::Status s = server.stub().RenderPaper(&ctx, pb::RenderPaperRequest(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestViolations(FromGrpcStatus(s)), ElementsAre(FieldViolation{"paper", "required"}));
}

TEST(PaperService, UnparsableBytesAreInvalidArgumentNotInternal) {
  TestServer server;
  std::string bytes = Reference().SerializeAsString();
  const size_t at = bytes.find("Met Governance");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1] = static_cast<char>(0xff);  // invalid UTF-8 in paper.title
  grpc::ByteBuffer response;
  const grpc::Status s = RawRenderPaper(server.channel(), bytes, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestViolations(FromGrpcStatus(s)),
              ElementsAre(Field(&FieldViolation::field, "paper.title")));

  const grpc::Status garbage = RawRenderPaper(server.channel(), "\x0a\xff\xff\xff\xff\x0f", &response);
  EXPECT_EQ(garbage.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(PaperService, NestingPastProtobufsLimitIsInvalidArgument) {
  TestServer server;
  pb::RenderPaperRequest req = Reference();
  pb::List* list = req.mutable_paper()->mutable_sections(0)->add_blocks()->mutable_list();
  for (int i = 0; i < 80; ++i) {
    pb::ListItem* item = list->add_items();
    item->add_runs()->set_text("x");
    list = item->mutable_sublist();
  }
  list->add_items()->add_runs()->set_text("leaf");
  grpc::ByteBuffer response;
  const grpc::Status s = RawRenderPaper(server.channel(), req.SerializeAsString(), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const auto v = BadRequestViolations(FromGrpcStatus(s));
  ASSERT_THAT(v, SizeIs(1));
  EXPECT_THAT(v[0].description, HasSubstr("nested more than 100 levels"));
}

TEST(PaperService, LimitsAreResourceExhaustedWithQuotaFailure) {
  PaperServiceOptions options;
  options.limits.max_table_rows = 3;
  TestServer server(options);
  pb::RenderPaperRequest req = Reference();
  pb::Table* t = req.mutable_paper()->mutable_sections(0)->add_blocks()->mutable_table();
  t->add_column_widths(1);
  for (int i = 0; i < 10; ++i) t->add_rows()->add_cells()->add_paragraphs()->add_runs()->set_text("r");
  grpc::ClientContext ctx;
  pb::RenderPaperResponse resp;
  const grpc::Status s = server.stub().RenderPaper(&ctx, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const auto q = QuotaFailureViolations(FromGrpcStatus(s));
  ASSERT_THAT(q, SizeIs(1));
  EXPECT_THAT(q[0].field, HasSubstr(".table.rows"));
  // A limit is no reason to retry (issue 13 item 6).
  EXPECT_EQ(ErrorReason(FromGrpcStatus(s)), "LIMIT_EXCEEDED");
  EXPECT_FALSE(FromGrpcStatus(s).GetPayload(kRetryInfoTypeUrl).has_value());
  EXPECT_EQ(Trailer(ctx, kRetryPushbackKey), "-1");
}

TEST(PaperService, PageLimitIsResourceExhausted) {
  PaperServiceOptions options;
  options.limits.max_pages = 5;
  TestServer server(options);
  grpc::ClientContext ctx;
  pb::RenderPaperResponse resp;
  const grpc::Status s = server.stub().RenderPaper(&ctx, LongPaper(100), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("page"));
}

// A table whose header row is taller than a page: only layout can tell.
pb::Paper TallHeaderPaper() {
  pb::Paper p = LongPaper(1).paper();
  pb::Table* t = p.mutable_sections(0)->add_blocks()->mutable_table();
  t->add_column_widths(1);
  t->set_header_rows(1);
  pb::TableCell* head = t->add_rows()->add_cells();
  for (int i = 0; i < 120; ++i) head->add_paragraphs()->add_runs()->set_text("Heading line");
  t->add_rows()->add_cells()->add_paragraphs()->add_runs()->set_text("body");
  return p;
}

// Refusals decided during layout carry the same details as the validator's.
TEST(PaperService, LayoutRefusalsCarryBadRequestAndQuotaFailure) {
  PaperServiceOptions options;
  options.limits.max_pages = 5;
  TestServer server(options);
  {
    pb::RenderPaperRequest req;
    *req.mutable_paper() = TallHeaderPaper();
    grpc::ClientContext ctx;
    pb::RenderPaperResponse resp;
    const grpc::Status s = server.stub().RenderPaper(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    const auto v = BadRequestViolations(FromGrpcStatus(s));
    ASSERT_THAT(v, SizeIs(1)) << s.error_message();
    EXPECT_THAT(v[0].field, StartsWith("paper.sections[0].blocks[1].table"));
    EXPECT_EQ(v[0].description, "cannot be laid out even on an empty page");
    // The same over StreamPaper.
    const Streamed st = Stream(server.stub(), req);
    EXPECT_EQ(st.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(BadRequestViolations(FromGrpcStatus(st.status)), v);
  }
  {
    grpc::ClientContext ctx;
    pb::RenderPaperResponse resp;
    const grpc::Status s = server.stub().RenderPaper(&ctx, LongPaper(100), &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(QuotaFailureViolations(FromGrpcStatus(s)),
                ElementsAre(FieldViolation{
                    "paper", "the document needs more than 5 pages (the page limit)"}));
  }
}

// An agenda pack's item is named: items[1].paper....
TEST(PaperService, PackLayoutRefusalsNameTheItem) {
  PaperServiceOptions options;
  options.limits.max_pages = 5;
  TestServer server(options);
  auto run = [&](const pb::RenderAgendaPackRequest& req) {
    grpc::ClientContext ctx;
    auto reader = server.stub().RenderAgendaPack(&ctx, req);
    pb::AgendaPackChunk chunk;
    while (reader->Read(&chunk)) {
    }
    return FromGrpcStatus(reader->Finish());
  };
  pb::RenderAgendaPackRequest req;
  req.mutable_meeting()->set_panel_name("Panel");
  req.mutable_meeting()->set_date("2020-01-08");
  for (int i = 1; i <= 2; ++i) {
    pb::AgendaItem* item = req.add_items();
    item->mutable_number()->set_number(i);
    item->set_title("Item");
  }
  *req.mutable_items(1)->mutable_paper() = TallHeaderPaper();
  {
    const absl::Status s = run(req);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    const auto v = BadRequestViolations(s);
    ASSERT_THAT(v, SizeIs(1)) << s;
    EXPECT_THAT(v[0].field, StartsWith("items[1].paper.sections[0].blocks[1].table"));
    EXPECT_EQ(v[0].description, "cannot be laid out even on an empty page");
  }
  *req.mutable_items(1)->mutable_paper() = LongPaper(100).paper();
  {
    const absl::Status s = run(req);
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
    EXPECT_THAT(QuotaFailureViolations(s),
                ElementsAre(FieldViolation{
                    "items[1].paper", "the document needs more than 5 pages (the page limit)"}));
  }
}

TEST(PaperService, OverlongWordIsInvalidArgumentBeforeLayout) {
  TestServer server;
  pb::RenderPaperRequest req = LongPaper(1);
  pb::Paragraph* p = req.mutable_paper()->mutable_sections(0)->add_blocks()->mutable_paragraph();
  for (int i = 0; i < 5; ++i) p->add_runs()->set_text(std::string(200000, 'x'));  // one 1 MB word
  grpc::ClientContext ctx;
  pb::RenderPaperResponse resp;
  const auto start = std::chrono::steady_clock::now();
  const grpc::Status s = server.stub().RenderPaper(&ctx, req, &resp);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadRequestViolations(FromGrpcStatus(s)),
              ElementsAre(FieldViolation{"paper.sections[0].blocks[1].paragraph.runs[0].text",
                                         "a word longer than 5000 characters (no space or line "
                                         "break); the renderer refuses such words: add spaces"}));
}

TEST(PaperService, UnaryResponseLimitPointsToStreamPaper) {
  PaperServiceOptions options;
  options.max_unary_response_bytes = 10000;
  TestServer server(options);
  grpc::ClientContext ctx;
  pb::RenderPaperResponse resp;
  const grpc::Status s = server.stub().RenderPaper(&ctx, Reference(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("StreamPaper"));
  EXPECT_THAT(QuotaFailureViolations(FromGrpcStatus(s)), ElementsAre(Field(&FieldViolation::field, "pdf")));
  EXPECT_TRUE(Stream(server.stub(), Reference()).status.ok());
}

// A gate the render hook waits at, so tests can hold a call mid-flight.
struct Gate {
  std::promise<void> entered_promise;
  std::shared_future<void> entered = entered_promise.get_future().share();
  std::promise<void> release_promise;
  std::shared_future<void> release = release_promise.get_future().share();
  std::atomic<bool> once{false};
  std::function<void()> Hook() {
    return [this] {
      if (once.exchange(true)) return;
      entered_promise.set_value();
      release.wait();
    };
  }
};

TEST(PaperService, FullQueueIsResourceExhaustedAtOnce) {
  Gate gate;
  PaperServiceOptions options;
  options.render_threads = 1;
  options.max_queued_renders = 0;
  options.before_render_for_testing = gate.Hook();
  TestServer server(options);
  auto first = std::async(std::launch::async, [&] {
    grpc::ClientContext ctx;
    pb::RenderPaperResponse resp;
    return server.stub().RenderPaper(&ctx, Reference(), &resp);
  });
  gate.entered.wait();
  grpc::ClientContext ctx;
  pb::RenderPaperResponse resp;
  const grpc::Status busy = server.stub().RenderPaper(&ctx, Reference(), &resp);
  EXPECT_EQ(busy.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(QuotaFailureViolations(FromGrpcStatus(busy)),
              ElementsAre(Field(&FieldViolation::field, "server")));
  // Retry signals (issue 13 item 6): SERVER_BUSY, RetryInfo, a pushback.
  EXPECT_EQ(ErrorReason(FromGrpcStatus(busy)), "SERVER_BUSY");
  EXPECT_TRUE(FromGrpcStatus(busy).GetPayload(kRetryInfoTypeUrl).has_value());
  EXPECT_EQ(Trailer(ctx, kRetryPushbackKey), std::to_string(kDefaultBusyRetryDelay.count()));
  gate.release_promise.set_value();
  EXPECT_TRUE(first.get().ok());
  const ServiceStats stats = server.WaitForStats([](const ServiceStats& s) { return s.calls == 2; });
  EXPECT_EQ(stats.busy, 1u);
  EXPECT_EQ(stats.ok, 1u);
}

TEST(PaperService, DeadlineAbandonsTheRenderInsideLayout) {
  LogCapture log;
  PaperServiceOptions options;
  // Validation passes in time; then the deadline expires just before layout.
  options.before_render_for_testing = [] { std::this_thread::sleep_for(300ms); };
  TestServer server(options);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 150ms);
  pb::RenderPaperResponse resp;
  const grpc::Status s = server.stub().RenderPaper(&ctx, LongPaper(2000), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  const ServiceStats stats =
      server.WaitForStats([](const ServiceStats& st) { return st.calls == 1; });
  EXPECT_EQ(stats.abandoned, 1u);
  EXPECT_EQ(stats.ok, 0u);
  EXPECT_THAT(log.AccessLines(),
              ElementsAre(AllOf(HasSubstr("code=DEADLINE_EXCEEDED"), HasSubstr("outcome=abandoned"),
                                HasSubstr("pages=0"))));
}

TEST(PaperService, ClientCancelMidRenderIsSeenByLayout) {
  LogCapture log;
  Gate gate;
  PaperServiceOptions options;
  options.before_render_for_testing = gate.Hook();
  TestServer server(options);
  grpc::ClientContext ctx;
  auto reader = server.stub().StreamPaper(&ctx, LongPaper(2000));
  gate.entered.wait();
  ctx.TryCancel();
  // Give the server's transport a moment to see the RST_STREAM.
  std::this_thread::sleep_for(100ms);
  gate.release_promise.set_value();
  pb::PaperChunk chunk;
  while (reader->Read(&chunk)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  const ServiceStats stats = server.WaitForStats([](const ServiceStats& s) { return s.calls == 1; });
  EXPECT_EQ(stats.abandoned, 1u);
  EXPECT_THAT(log.AccessLines(),
              ElementsAre(AllOf(HasSubstr("method=StreamPaper"), HasSubstr("code=CANCELLED"),
                                HasSubstr("outcome=abandoned"), HasSubstr("bytes_out=0"))));
}

// Issue 13 item 4: the client's x-request-id (or a generated one) comes back
// in the initial metadata and is in the access line.
TEST(PaperService, RequestIdsAreEchoedAndLogged) {
  LogCapture log;
  TestServer server;
  // In the initial metadata of an answer, the trailing metadata of an error.
  auto initial = [](const grpc::ClientContext& ctx) {
    const auto& m = ctx.GetServerInitialMetadata().count(kRequestIdKey)
                        ? ctx.GetServerInitialMetadata()
                        : ctx.GetServerTrailingMetadata();
    auto it = m.find(kRequestIdKey);
    return it == m.end() ? std::string("<none>") : std::string(it->second.data(), it->second.size());
  };
  std::vector<std::string> ids;
  // Kept: the client's own id. Replaced: none, empty, a space, too long.
  const std::string too_long(kMaxRequestIdBytes + 1, 'a');
  for (const std::string& sent : {std::string("client-id-7f3a"), std::string("<none>"), std::string(""),
                                  std::string("has space"), too_long}) {
    grpc::ClientContext ctx;
    if (sent != "<none>") ctx.AddMetadata(kRequestIdKey, sent);
    pb::RenderPaperResponse resp;
    pb::RenderPaperRequest req = Reference();
    if (sent == "has space") req.mutable_paper()->clear_title();  // an error answer echoes it too
    const grpc::Status status = server.stub().RenderPaper(&ctx, req, &resp);
    EXPECT_EQ(status.ok(), ctx.GetServerInitialMetadata().count(kRequestIdKey) == 1) << sent;
    const std::string got = initial(ctx);
    if (sent == "client-id-7f3a") {
      EXPECT_EQ(got, sent);
    } else {
      EXPECT_THAT(got, ::testing::MatchesRegex("[0-9a-f]{16}")) << sent;
    }
    ids.push_back(got);
  }
  // A stream echoes it as well.
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata(kRequestIdKey, "stream-1");
    auto reader = server.stub().StreamPaper(&ctx, Reference());
    pb::PaperChunk chunk;
    while (reader->Read(&chunk)) {
    }
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(initial(ctx), "stream-1");
    ids.push_back("stream-1");
  }
  server.WaitForStats([](const ServiceStats& s) { return s.calls == 6; });
  const auto lines = log.AccessLines();
  ASSERT_THAT(lines, SizeIs(6));
  for (const std::string& id : ids) {
    EXPECT_THAT(lines, Contains(::testing::EndsWith(" request_id=" + id)));
  }
}

TEST(PaperService, AnAuthorizeHookRefusesBeforeAnythingRunsAndNamesTheClient) {
  LogCapture log;
  std::atomic<int> renders{0};
  PaperServiceOptions options;
  options.before_render_for_testing = [&renders] { renders.fetch_add(1); };
  options.authorize = [](const grpc::CallbackServerContext& context) -> absl::StatusOr<std::string> {
    auto it = context.client_metadata().find("authorization");
    if (it == context.client_metadata().end()) return absl::UnauthenticatedError("rendering needs a token");
    if (std::string(it->second.data(), it->second.size()) != "Bearer good") {
      return absl::PermissionDeniedError("not a token for rendering");
    }
    return std::string("token:good");
  };
  TestServer server(options);
  auto render = [&](const char* token) {
    grpc::ClientContext ctx;
    if (token != nullptr) ctx.AddMetadata("authorization", token);
    pb::RenderPaperResponse resp;
    return server.stub().RenderPaper(&ctx, Reference(), &resp);
  };
  EXPECT_EQ(render(nullptr).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(render("Bearer bad").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  {
    grpc::ClientContext ctx;
    auto reader = server.stub().StreamPaper(&ctx, Reference());
    pb::PaperChunk chunk;
    EXPECT_FALSE(reader->Read(&chunk));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(renders.load(), 0);
  EXPECT_TRUE(render("Bearer good").ok());
  EXPECT_EQ(renders.load(), 1);
  server.WaitForStats([](const ServiceStats& s) { return s.calls == 4; });
  const auto lines = log.AccessLines();
  ASSERT_THAT(lines, SizeIs(4));
  EXPECT_THAT(lines[0], AllOf(HasSubstr("code=UNAUTHENTICATED"), HasSubstr("outcome=denied")));
  EXPECT_THAT(lines[1], AllOf(HasSubstr("code=PERMISSION_DENIED"), HasSubstr("outcome=denied")));
  EXPECT_THAT(lines[2], AllOf(HasSubstr("method=StreamPaper"), HasSubstr("outcome=denied")));
  EXPECT_THAT(lines[3], AllOf(HasSubstr("client=token:good"), HasSubstr("outcome=ok")));
}

TEST(PaperService, OneAccessLinePerCallAndNoDocumentText) {
  LogCapture log;
  TestServer server;
  pb::RenderPaperRequest ok = Reference();
  ok.mutable_paper()->set_title("XYZZY secret title");
  pb::RenderPaperRequest bad = ok;
  bad.mutable_paper()->set_meeting_date("XYZZY-not-a-date");
  for (const auto* req : {&ok, &bad}) {
    grpc::ClientContext ctx;
    pb::RenderPaperResponse resp;
    (void)server.stub().RenderPaper(&ctx, *req, &resp);
  }
  (void)Stream(server.stub(), ok);
  server.WaitForStats([](const ServiceStats& s) { return s.calls == 3; });
  const auto lines = log.AccessLines();
  ASSERT_THAT(lines, SizeIs(3));
  EXPECT_THAT(lines[0], AllOf(HasSubstr("method=RenderPaper"), HasSubstr("peer=ipv4:127.0.0.1:"),
                              HasSubstr("bytes_in="), HasSubstr("pages=7"), HasSubstr("code=OK"),
                              HasSubstr("outcome=ok"), HasSubstr(" ms=")));
  EXPECT_THAT(lines[1], AllOf(HasSubstr("code=INVALID_ARGUMENT"), HasSubstr("outcome=rejected")));
  EXPECT_THAT(lines[2], AllOf(HasSubstr("method=StreamPaper"), HasSubstr("code=OK")));
  for (const auto& line : log.All()) EXPECT_THAT(line, ::testing::Not(HasSubstr("XYZZY")));
}

TEST(PaperService, ShutdownLetsAnInFlightCallFinish) {
  Gate gate;
  PaperServiceOptions options;
  options.before_render_for_testing = gate.Hook();
  TestServer server(options);
  auto call = std::async(std::launch::async, [&] {
    grpc::ClientContext ctx;
    pb::RenderPaperResponse resp;
    grpc::Status s = server.stub().RenderPaper(&ctx, Reference(), &resp);
    return std::make_pair(s, resp.page_count());
  });
  gate.entered.wait();
  auto shutdown = std::async(std::launch::async, [&] { server.Shutdown(std::chrono::system_clock::now() + 20s); });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(shutdown.wait_for(0ms), std::future_status::timeout);  // waits for the call
  gate.release_promise.set_value();
  const auto [status, pages] = call.get();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(pages, 7);
  shutdown.get();
}

TEST(PaperService, DrainingRefusesNewCallsAndWaitsForAdmittedOnes) {
  LogCapture log;
  Gate gate;
  PaperServiceOptions options;
  options.before_render_for_testing = gate.Hook();
  TestServer server(options);
  auto first = std::async(std::launch::async, [&] {
    grpc::ClientContext ctx;
    pb::RenderPaperResponse resp;
    return server.stub().RenderPaper(&ctx, Reference(), &resp);
  });
  gate.entered.wait();
  server.service().StartDraining();
  {
    grpc::ClientContext ctx;
    pb::RenderPaperResponse resp;
    EXPECT_EQ(server.stub().RenderPaper(&ctx, Reference(), &resp).error_code(),
              grpc::StatusCode::UNAVAILABLE);
    EXPECT_EQ(Stream(server.stub(), Reference()).status.error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  EXPECT_FALSE(server.service().WaitIdle(std::chrono::system_clock::now() + 100ms));
  gate.release_promise.set_value();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(server.service().WaitIdle(std::chrono::system_clock::now() + 10s));
  const ServiceStats stats = server.service().stats();
  EXPECT_EQ(stats.refused, 2u);
  EXPECT_EQ(stats.ok, 1u);
  EXPECT_THAT(log.AccessLines(), Contains(AllOf(HasSubstr("code=UNAVAILABLE"), HasSubstr("outcome=refused"))));
}

// Streams started and not read.
struct Unread {
  std::unique_ptr<grpc::ClientContext> context = std::make_unique<grpc::ClientContext>();
  std::unique_ptr<grpc::ClientReader<pb::PaperChunk>> reader;
};

// Reads what is left of a stream (after a cancel: nothing) and its status.
grpc::Status Drain(Unread& call) {
  pb::PaperChunk chunk;
  while (call.reader->Read(&chunk)) {
  }
  return call.reader->Finish();
}

// Issue 10 item 8: a StreamPaper call cancelled after rendering, while its
// PDF was on its way, is `late` (README), not `abandoned`, and its PDF's
// share of the send budget is given back.
TEST(PaperService, StreamCancelledAfterRenderingIsLateAndFreesItsBudget) {
  LogCapture log;
  TestServer server;
  auto stub = server.NonReadingStub();
  Unread call;
  call.reader = stub->StreamPaper(call.context.get(), LargePdfPaper());
  SendBudget& budget = *server.service().send_budget();
  for (int i = 0; i < 500 && budget.holders() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(budget.holders(), 1u) << "the PDF was never rendered";
  EXPECT_GT(budget.unsent(), 400000u);
  call.context->TryCancel();
  EXPECT_EQ(Drain(call).error_code(), grpc::StatusCode::CANCELLED);
  const ServiceStats stats = server.WaitForStats([](const ServiceStats& s) { return s.calls == 1; });
  EXPECT_EQ(stats.late, 1u);
  EXPECT_EQ(stats.abandoned, 0u);
  EXPECT_EQ(budget.unsent(), 0u);
  EXPECT_EQ(budget.holders(), 0u);
  EXPECT_THAT(log.AccessLines(),
              ElementsAre(AllOf(HasSubstr("method=StreamPaper"), HasSubstr("code=CANCELLED"),
                                HasSubstr("outcome=late"), Not(HasSubstr("pages=0")))));
}

// Issue 10 item 7: clients that start streams and never read them hold at
// most --max_unsent_bytes of PDFs; the calls beyond are refused
// RESOURCE_EXHAUSTED with QuotaFailure "server"; a cancel gives it all back.
TEST(PaperService, UnreadStreamsStayWithinTheSendBudget) {
  const size_t pdf_size = LocalPdf(LargePdfPaper()).size() + 64;  // + message headers
  PaperServiceOptions options;
  options.max_queued_renders = 20;
  options.send_budget = std::make_shared<SendBudget>(pdf_size * 7 / 2, 0ms);  // room for 3
  TestServer server(options);
  auto stub = server.NonReadingStub();
  std::vector<Unread> calls(12);
  for (Unread& c : calls) c.reader = stub->StreamPaper(c.context.get(), LargePdfPaper());
  SendBudget& budget = *server.service().send_budget();
  // Every call either holds its PDF or has been refused.
  for (int i = 0; i < 1000 && budget.holders() + server.service().stats().busy < calls.size(); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(budget.holders(), 3u);
  EXPECT_EQ(server.service().stats().busy, calls.size() - 3);
  EXPECT_LE(budget.peak(), budget.max_unsent_bytes());
  EXPECT_LE(budget.unsent(), budget.max_unsent_bytes());
  // One more, while full: refused at once, with the documented details.
  Unread extra;
  extra.reader = stub->StreamPaper(extra.context.get(), LargePdfPaper());
  const grpc::Status refused = Drain(extra);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(QuotaFailureViolations(FromGrpcStatus(refused)),
              ElementsAre(Field(&FieldViolation::field, "server")));
  for (Unread& c : calls) c.context->TryCancel();
  for (Unread& c : calls) EXPECT_EQ(Drain(c).error_code(), grpc::StatusCode::CANCELLED);
  const ServiceStats stats =
      server.WaitForStats([&](const ServiceStats& s) { return s.calls == calls.size() + 1; });
  EXPECT_EQ(stats.late, 3u);
  EXPECT_EQ(stats.busy, calls.size() - 3 + 1);
  EXPECT_EQ(budget.unsent(), 0u);
  EXPECT_LE(budget.peak(), budget.max_unsent_bytes());
  // And the server streams again.
  EXPECT_TRUE(Stream(server.stub(), Reference()).status.ok());
}

// Issue 10 item 7: a client that stops reading is cancelled after the stall
// timeout (outcome=stalled) and its PDF freed, without the client doing
// anything.
TEST(PaperService, StalledStreamsAreCancelledAndFreed) {
  LogCapture log;
  PaperServiceOptions options;
  options.send_budget = std::make_shared<SendBudget>(kDefaultMaxUnsentBytes, 300ms);
  TestServer server(options);
  auto stub = server.NonReadingStub();
  std::vector<Unread> calls(2);
  for (Unread& c : calls) c.reader = stub->StreamPaper(c.context.get(), LargePdfPaper());
  const ServiceStats stats = server.WaitForStats([](const ServiceStats& s) { return s.calls == 2; });
  EXPECT_EQ(stats.stalled, 2u);
  EXPECT_EQ(server.service().send_budget()->unsent(), 0u);
  for (Unread& c : calls) EXPECT_EQ(Drain(c).error_code(), grpc::StatusCode::CANCELLED);
  const auto lines = log.AccessLines();
  ASSERT_THAT(lines, SizeIs(2));
  for (const auto& line : lines) {
    EXPECT_THAT(line, AllOf(HasSubstr("code=CANCELLED"), HasSubstr("outcome=stalled")));
  }
  // A client that reads is not stalled, however long the stream.
  const Streamed read = Stream(server.stub(), LargePdfPaper());
  EXPECT_TRUE(read.status.ok()) << read.status.error_message();
}

TEST(PaperService, ConcurrentCallsAllSucceedWithIdenticalBytes) {
  TestServer server;
  const std::string local = LocalPdf(Reference());
  std::vector<std::future<bool>> calls;
  for (int i = 0; i < 16; ++i) {
    calls.push_back(std::async(std::launch::async, [&] {
      bool ok = true;
      for (int j = 0; j < 5; ++j) {
        grpc::ClientContext ctx;
        pb::RenderPaperResponse resp;
        ok = ok && server.stub().RenderPaper(&ctx, Reference(), &resp).ok() && resp.pdf() == local;
      }
      return ok;
    }));
  }
  for (auto& c : calls) EXPECT_TRUE(c.get());
  EXPECT_EQ(server.WaitForStats([](const ServiceStats& s) { return s.calls == 80; }).ok, 80u);
}

}  // namespace
}  // namespace pp::service
