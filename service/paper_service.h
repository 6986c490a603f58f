// File: service/paper_service.h
//
// PaperServiceImpl: panelpaper.v1.PaperService (paper_service.proto) on
// gRPC's callback API, taking and returning raw bytes.
//
// Threading. gRPC's callback threads only admit a call and return: every
// render runs in a RenderPool of `render_threads` workers (default: one per
// core) with at most `max_queued_renders` calls waiting. A call beyond that
// is refused at once with RESOURCE_EXHAUSTED + google.rpc.QuotaFailure
// (subject "server"): clients retry with backoff rather than pile up latency
// and memory here. A call whose client cancelled or whose deadline passed
// while it waited is dropped without rendering.
//
// One call, in its worker:
//   1. parse the raw request bytes ourselves (request_parser): bytes protobuf
//      refuses become INVALID_ARGUMENT with a BadRequest, not gRPC's INTERNAL;
//   2. validate and convert the whole request (request_converter, plus the
//      word-length guard of word_guard.h): every violation at once,
//      INVALID_ARGUMENT or RESOURCE_EXHAUSTED with details;
//   3. render with RenderOptions.interrupt polling ServerContext::IsCancelled()
//      and the deadline inside layout: a cancelled or expired call stops there
//      (CANCELLED / DEADLINE_EXCEEDED, outcome=abandoned in the access log);
//   4. answer: RenderPaper one RenderPaperResponse (refused with
//      RESOURCE_EXHAUSTED past max_unary_response_bytes: use StreamPaper);
//      StreamPaper PaperChunks of at most chunk_bytes, the first with PdfInfo.
// The PDF is never copied after rendering: response messages are assembled
// from a small serialized header slice plus slices that reference the PDF
// string itself.
//
// Rendered PDFs wait for their clients within the server's send budget
// (service/call_handler.h, --max_unsent_bytes): while it is full, new calls
// are refused with RESOURCE_EXHAUSTED + QuotaFailure (subject "server"), and
// a call whose PDF would overflow it is refused after rendering. A call
// whose client takes nothing for --stream_stall_timeout is cancelled and its
// PDF freed (outcome=stalled).
//
// Admission, the access log, outcomes and completion are the shared ones of
// service/call_handler.h. Every call ends with one access-log line
// (service/log.h, level INFO):
//   access method=RenderPaper peer=ipv4:127.0.0.1:41502 client=- bytes_in=21007
//     bytes_out=35517 pages=7 queue_ms=0.01 render_ms=2.31 ms=2.40 code=OK outcome=ok
// outcome: ok | rejected (bad request or limit) | busy (queue or send
// budget full) | dropped (cancelled or expired before rendering) |
// abandoned (render stopped inside layout by cancellation or deadline) |
// late (rendered, but cancelled or expired before the client had the whole
// answer: while the PDF was being written, which is not interruptible, or
// mid-stream) | stalled (the client stopped reading: cancelled by the stall
// watchdog) | refused (UNAVAILABLE: the server is shutting down) | failed
// (INTERNAL). Request text is never logged; `client` is the verified TLS
// peer identity (mTLS).
//
// Shutdown (panelpaperd on SIGTERM): StartDraining() refuses new calls,
// WaitIdle() lets admitted ones finish, then grpc::Server::Shutdown with an
// immediate deadline closes the connections (idle clients would otherwise
// hold it ~20 s: gRPC waits for their GOAWAY ping), then Shutdown() stops
// the workers.
//
//   auto service = std::make_unique<PaperServiceImpl>(fonts, options);
//   builder.RegisterService(service.get());
//   ...
//   service->StartDraining();
//   service->WaitIdle(now + grace);
//   server->Shutdown(now);
//   service->Shutdown();
#ifndef PANELPAPER_SERVICE_PAPER_SERVICE_H_
#define PANELPAPER_SERVICE_PAPER_SERVICE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "panelpaper/v1/paper_service.grpc.pb.h"
#include "renderers/text/font_set.h"
#include "service/call_handler.h"
#include "service/render_pool.h"
#include "service/request_converter.h"
#include "service/word_guard.h"

namespace pp::service {

struct PaperServiceOptions {
  Limits limits;                    // text, sections, blocks, rows, depth, pages
  size_t max_word_chars = kDefaultMaxWordChars;  // service/word_guard.h; 0: no check
  int render_threads = 0;           // 0: std::thread::hardware_concurrency()
  int max_queued_renders = 32;      // calls waiting beyond the running ones
  size_t max_unary_response_bytes = 4 << 20;  // RenderPaper's whole response
  size_t chunk_bytes = 1 << 20;     // StreamPaper's data per message
  // The server-wide budget of rendered-but-unsent bytes and the stall
  // watchdog (shared with the archive); null: one of its own, defaults.
  std::shared_ptr<SendBudget> send_budget;
  // The RetryInfo / grpc-retry-pushback-ms of busy answers (--busy_retry_delay).
  std::chrono::milliseconds busy_retry_delay = kDefaultBusyRetryDelay;
  // Prometheus metrics (--metrics_listen); null: none.
  std::shared_ptr<Metrics> metrics;
  // Who may render (--render_auth, set up by panelpaperd): the caller's
  // identity for the access log's client=, or UNAUTHENTICATED /
  // PERMISSION_DENIED to answer (outcome denied). Runs on gRPC's thread
  // before admission to the pool. Null: anyone who reaches the port.
  std::function<absl::StatusOr<std::string>(const grpc::CallbackServerContext&)> authorize;
  // Tests only: runs in the worker after validation, just before rendering.
  std::function<void()> before_render_for_testing;
};

// Counters since start (for tests, the shutdown summary and the load
// generator's reading of the log).
struct ServiceStats {
  uint64_t calls = 0;      // admitted or refused
  uint64_t ok = 0;
  uint64_t rejected = 0;   // INVALID_ARGUMENT / RESOURCE_EXHAUSTED from the request
  uint64_t busy = 0;       // refused: queue full
  uint64_t dropped = 0;    // cancelled / expired while queued
  uint64_t abandoned = 0;  // render stopped inside layout
  uint64_t late = 0;       // rendered, but cancelled / expired before the answer
  uint64_t stalled = 0;    // rendered, but the client stopped reading
  uint64_t refused = 0;    // UNAVAILABLE: arrived while shutting down
  uint64_t failed = 0;     // INTERNAL
};

using PaperServiceBase = panelpaper::v1::PaperService::WithRawCallbackMethod_RenderPaper<
    panelpaper::v1::PaperService::WithRawCallbackMethod_StreamPaper<
        panelpaper::v1::PaperService::WithRawCallbackMethod_RenderAgendaPack<
            panelpaper::v1::PaperService::Service>>>;

class PaperServiceImpl final : public PaperServiceBase {
 public:
  PaperServiceImpl(std::shared_ptr<const text::FontSet> fonts, PaperServiceOptions options);
  ~PaperServiceImpl() override;

  grpc::ServerUnaryReactor* RenderPaper(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* StreamPaper(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request) override;
  // Agenda packs: progress messages while laying out, then the PDF in chunks
  // (the same worker pool, limits and access log as papers; pack limits:
  // Limits::max_pack_items and max_pack_pages).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* RenderAgendaPack(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) override;

  // Graceful shutdown, step 1: from now on new calls are refused with
  // UNAVAILABLE ("refused"); admitted ones go on.
  void StartDraining();
  // Step 2: waits until no call is in flight (every admitted call has been
  // answered and gRPC is done with it) or `deadline`; true when idle.
  bool WaitIdle(std::chrono::system_clock::time_point deadline);
  // Step 4 (after grpc::Server::Shutdown returned): stops the workers after
  // running whatever is still admitted. Idempotent.
  void Shutdown();

  ServiceStats stats() const;
  const PaperServiceOptions& options() const { return options_; }
  SendBudget* send_budget() const { return handler_.budget(); }

  // Internal, shared with helpers in paper_service.cc.
  struct Rendered;
  using CallLog = CallRecord;

 private:
  absl::StatusOr<Rendered> Render(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer& request, CallLog* log);
  struct RenderedPack;
  absl::StatusOr<RenderedPack> RenderPack(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer& request, CallLog* log,
                                          const std::function<void(int, int)>& progress);
  absl::Status Busy() const;
  // Every RPC's entry, given the call's reactor with its access-log record:
  // authorises it (options.authorize), admits it (call_handler.h: refused
  // while draining, busy while the send budget is full), then queues
  // `work(call)` on the render pool.
  template <typename Call, typename Work>
  Call* Start(grpc::CallbackServerContext* context, Call* call, Work work);

  std::shared_ptr<const text::FontSet> fonts_;
  PaperServiceOptions options_;
  RenderPool pool_;
  CallHandler handler_;
};

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_PAPER_SERVICE_H_
