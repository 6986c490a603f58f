// File: service/archive/archive_service.h
//
// ArchiveServiceImpl: panelpaper.v1.ArchiveService (archive_service.proto)
// on gRPC's callback API with raw-bytes requests (bytes protobuf refuses are
// INVALID_ARGUMENT with a BadRequest, as in PaperService).
//
// A call:
//   1. authorisation, on gRPC's thread (archive_auth.h): writes need a valid
//      bearer token or an allowed mTLS identity, reads need credentials
//      unless reads are open — UNAUTHENTICATED / PERMISSION_DENIED;
//   2. admission to the archive's own worker pool (bounded queue; full:
//      RESOURCE_EXHAUSTED), where everything else runs — rendering is CPU
//      work and the store does blocking file I/O and fsyncs;
//   3. ArchivePaper: parse, validate (archive_request.h), look the id up
//      (same request digest: answered from the stored entry, nothing
//      rendered; different: ALREADY_EXISTS), render the archival PDF
//      (deadline and cancellation polled during layout), then — unless the
//      client has gone — store it. Once the store's write has begun it is
//      finished even if the client cancels: a retry finds it (idempotent).
//      GetArchivedPaper reads and re-hashes the PDF (DATA_LOSS before any
//      chunk), then streams it; ListArchivedPapers pages through the index;
//      VerifyArchivedPaper re-hashes and re-renders.
// Admission, the access log, outcomes, cancellation and completion are the
// shared ones of service/call_handler.h (as PaperService); one access-log
// line per call:
//   access method=ArchivePaper peer=... client=token:clerk paper_id=jap-7b
//     bytes_in=19234 bytes_out=412 pages=8 queue_ms=0.02 render_ms=0.00 ms=12.30
//     code=OK outcome=ok
// outcome: ok | existing (idempotent repeat) | rejected | denied (auth) |
// busy (queue or send budget full) | refused (shutting down) | abandoned
// (client gone before the store step) | late (answered, but the client was
// gone before it had the answer: an ArchivePaper so ended is stored) |
// stalled (GetArchivedPaper's client stopped reading) | data_loss |
// mismatch (verify) | unavailable | failed. A DEBUG line "archive: storing
// paper_id=..." marks the start of a store write. GetArchivedPaper's PDF
// counts against the server's send budget (--max_unsent_bytes).
//
// Shutdown as PaperService: StartDraining(), WaitIdle(deadline),
// grpc::Server::Shutdown, Shutdown().
#ifndef PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_SERVICE_H_
#define PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_SERVICE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "panelpaper/v1/archive_service.grpc.pb.h"
#include "renderers/text/font_set.h"
#include "service/archive/archive_auth.h"
#include "service/archive/archive_store.h"
#include "service/call_handler.h"
#include "service/render_pool.h"
#include "service/request_converter.h"

namespace pp::service::archive {

inline constexpr char kArchiveServiceName[] = "panelpaper.v1.ArchiveService";

struct ArchiveServiceOptions {
  Limits limits;
  size_t max_word_chars = 5000;
  int threads = 0;              // 0: one per core
  int max_queued = 32;
  size_t chunk_bytes = 1 << 20;  // GetArchivedPaper's data per message
  std::string icc_profile;      // sRGB ICC profile bytes (fonts/icc/sRGB.icc)
  AuthConfig auth;
  // The server-wide send budget (shared with PaperService); null: its own.
  std::shared_ptr<SendBudget> send_budget;
  // The RetryInfo / grpc-retry-pushback-ms of busy answers.
  std::chrono::milliseconds busy_retry_delay = kDefaultBusyRetryDelay;
  std::shared_ptr<Metrics> metrics;  // null: none
};

using ArchiveServiceBase = panelpaper::v1::ArchiveService::WithRawCallbackMethod_ArchivePaper<
    panelpaper::v1::ArchiveService::WithRawCallbackMethod_GetArchivedPaper<
        panelpaper::v1::ArchiveService::WithRawCallbackMethod_ListArchivedPapers<
            panelpaper::v1::ArchiveService::WithRawCallbackMethod_VerifyArchivedPaper<
                panelpaper::v1::ArchiveService::Service>>>>;

// What a call presented: its `authorization` metadata values and the
// verified mTLS identities of its peer (certificate SANs, else CN).
Caller CallerOf(const grpc::CallbackServerContext& context);

class ArchiveServiceImpl final : public ArchiveServiceBase {
 public:
  // Fails when the fonts digest cannot be computed (unreadable font files).
  static absl::StatusOr<std::unique_ptr<ArchiveServiceImpl>> Create(
      std::shared_ptr<const text::FontSet> fonts, std::shared_ptr<ArchiveStore> store,
      ArchiveServiceOptions options);
  ~ArchiveServiceImpl() override;

  grpc::ServerUnaryReactor* ArchivePaper(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* GetArchivedPaper(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* ListArchivedPapers(grpc::CallbackServerContext* context,
                                               const grpc::ByteBuffer* request,
                                               grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* VerifyArchivedPaper(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) override;

  void StartDraining();
  bool WaitIdle(std::chrono::system_clock::time_point deadline);
  void Shutdown();

  // The store's index health (ArchiveStore::IndexHealth), for the health
  // watch (archive_setup.h).
  absl::Status IndexHealth(bool probe) { return store_->IndexHealth(probe); }

  const ArchiveServiceOptions& options() const { return options_; }
  const std::string& fonts_sha256() const { return fonts_sha256_; }
  // RendererIdentity::ToString() of this process, computed by Create.
  const std::string& renderer_identity() const { return renderer_identity_; }
  SendBudget* send_budget() const { return handler_.budget(); }

  using CallLog = CallRecord;

 private:
  ArchiveServiceImpl(std::shared_ptr<const text::FontSet> fonts, std::shared_ptr<ArchiveStore> store,
                     ArchiveServiceOptions options, std::string fonts_sha256,
                     std::string renderer_identity);

  // Admits a call (call_handler.h), then authorises it; answers it and
  // returns false when either refuses.
  template <typename Call>
  bool Admit(grpc::CallbackServerContext* context, Call* call, bool write, bool sends_pdf);
  CallRecord NewRecord(std::string_view method, const grpc::CallbackServerContext& context,
                       const grpc::ByteBuffer& request) const;

  absl::StatusOr<std::string> DoArchive(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer& request, CallLog* log);
  absl::StatusOr<std::string> DoList(const grpc::ByteBuffer& request, CallLog* log);
  absl::StatusOr<std::string> DoVerify(const grpc::ByteBuffer& request, CallLog* log);

  std::shared_ptr<const text::FontSet> fonts_;
  std::shared_ptr<ArchiveStore> store_;
  ArchiveServiceOptions options_;
  std::string fonts_sha256_;
  std::string renderer_identity_;
  RenderPool pool_;
  CallHandler handler_;
};

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_SERVICE_H_
