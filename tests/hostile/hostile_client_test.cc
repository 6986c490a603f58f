// Hostile clients: calls that go away while the server is still working on
// them, against PaperServiceImpl in-process on a loopback port. Whatever the
// moment, the server must answer or drop the call, keep serving, account for
// every call once, and — in the AddressSanitizer build (tests/fuzz/
// sanitizer_job.sh) — touch no call state after gRPC's OnDone. Written when
// the ASan/UBSan run of e2e.pack found RenderAgendaPack's reactor used after
// it was deleted (service/paper_service.cc, QueuedStreamCall).
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "panelpaper/v1/paper_service.grpc.pb.h"
#include "service/paper_service.h"
#include "tests/hostile/hostile_cases.h"

namespace pp::hostile {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const text::FontSet> Fonts() {
  static const std::shared_ptr<const text::FontSet> fonts = [] {
    auto f = text::FontSet::Load(PP_FONTS_DIR);
    EXPECT_TRUE(f.ok()) << f.status();
    return *std::move(f);
  }();
  return fonts;
}

pb::RenderAgendaPackRequest FixturePack() {
  std::ifstream in(std::string(PP_TESTDATA_DIR) + "/packs/audit-panel-2020-01-08.json");
  std::stringstream s;
  s << in.rdbuf();
  pb::RenderAgendaPackRequest pack;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(s.str(), &pack).ok());
  return pack;
}

// The service on 127.0.0.1:<free port>, shut down as panelpaperd does.
class Server {
 public:
  Server() {
    service_ = std::make_unique<service::PaperServiceImpl>(Fonts(), service::PaperServiceOptions{});
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    EXPECT_NE(port, 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::InsecureChannelCredentials());
    stub_ = pb::PaperService::NewStub(channel_);
  }
  ~Server() {
    service_->StartDraining();
    EXPECT_TRUE(service_->WaitIdle(std::chrono::system_clock::now() + 60s))
        << "a call never ended";
    server_->Shutdown(std::chrono::system_clock::now());
    service_->Shutdown();
  }
  pb::PaperService::Stub& stub() { return *stub_; }
  service::ServiceStats stats() { return service_->stats(); }

 private:
  std::unique_ptr<service::PaperServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::PaperService::Stub> stub_;
};

// Waits until the server has counted `n` calls (a call is counted in its
// OnDone, which may come after the client has its answer).
void WaitForCalls(Server& server, uint64_t n) {
  for (int i = 0; i < 3000 && server.stats().calls < n; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(server.stats().calls, n);
}

// The whole pack, read to the end.
grpc::Status ReadPack(Server& server, const pb::RenderAgendaPackRequest& pack, int* messages) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 120s);
  auto reader = server.stub().RenderAgendaPack(&ctx, pack);
  pb::AgendaPackChunk chunk;
  *messages = 0;
  while (reader->Read(&chunk)) ++*messages;
  return reader->Finish();
}

TEST(HostileClient, CancelsRenderAgendaPackAfterEveryNumberOfMessages) {
  Server server;
  const pb::RenderAgendaPackRequest pack = FixturePack();
  int total = 0;
  ASSERT_TRUE(ReadPack(server, pack, &total).ok());
  ASSERT_GT(total, 3);  // progress messages, then the PDF
  uint64_t calls = 1;
  // Cancel after reading k messages: during layout (progress still to come),
  // between progress and the PDF, and mid-PDF. The server must stop pushing
  // into a call gRPC has finished.
  for (int k = 0; k < total; ++k) {
    grpc::ClientContext ctx;
    auto reader = server.stub().RenderAgendaPack(&ctx, pack);
    pb::AgendaPackChunk chunk;
    for (int i = 0; i < k && reader->Read(&chunk); ++i) {
    }
    ctx.TryCancel();
    while (reader->Read(&chunk)) {
    }
    const grpc::Status s = reader->Finish();
    EXPECT_TRUE(s.ok() || s.error_code() == grpc::StatusCode::CANCELLED) << k << ": " << s.error_message();
    ++calls;
  }
  WaitForCalls(server, calls);
  // Still serving, byte for byte.
  int again = 0;
  EXPECT_TRUE(ReadPack(server, pack, &again).ok());
  EXPECT_EQ(again, total);
}

TEST(HostileClient, DeadlinesExpireInsideRenderAgendaPack) {
  Server server;
  const pb::RenderAgendaPackRequest pack = FixturePack();
  for (const auto timeout : {1ms, 5ms, 10ms, 20ms, 40ms, 80ms}) {
    for (int i = 0; i < 3; ++i) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + timeout);
      auto reader = server.stub().RenderAgendaPack(&ctx, pack);
      pb::AgendaPackChunk chunk;
      while (reader->Read(&chunk)) {
      }
      const grpc::Status s = reader->Finish();
      EXPECT_TRUE(s.ok() || s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
                  s.error_code() == grpc::StatusCode::CANCELLED)
          << s.error_message();
    }
  }
  // (A call whose deadline passes in transit never reaches the service, so
  // the calls are not counted here; ~Server checks that every admitted one
  // ended.)
  int messages = 0;
  EXPECT_TRUE(ReadPack(server, pack, &messages).ok());
}

TEST(HostileClient, StopsReadingStreamPaperAndCancels) {
  Server server;
  const pb::RenderPaperRequest req = LongRequest(2500);  // ~450 pages: 1 MiB chunks
  uint64_t calls = 0;
  for (int k = 0; k < 4; ++k) {
    grpc::ClientContext ctx;
    auto reader = server.stub().StreamPaper(&ctx, req);
    pb::PaperChunk chunk;
    for (int i = 0; i < k && reader->Read(&chunk); ++i) {
    }
    ctx.TryCancel();
    while (reader->Read(&chunk)) {
    }
    const grpc::Status s = reader->Finish();
    EXPECT_TRUE(s.ok() || s.error_code() == grpc::StatusCode::CANCELLED) << s.error_message();
    ++calls;
  }
  WaitForCalls(server, calls);
}

}  // namespace
}  // namespace pp::hostile
