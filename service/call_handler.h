// File: service/call_handler.h
//
// How panelpaperd handles a call, for every service it serves (PaperService,
// ArchiveService): one copy of admission, the access log, outcome
// accounting, cancellation, the budget of rendered-but-unsent bytes and
// completion, so a fix lands once.
//
//   CallRecord    one call's access-log record (method, peer, client, sizes,
//                 times, code, outcome);
//   SendBudget    the server-wide cap on bytes rendered (or read from the
//                 archive) and held for calls not yet complete
//                 (--max_unsent_bytes), and the stall watchdog that cancels a
//                 call whose client stopped reading (--stream_stall_timeout);
//   CallHandler   one per service: refuses calls while draining or while the
//                 budget is full, queues the rest on the service's worker
//                 pool (busy: RESOURCE_EXHAUSTED), catches exceptions, and
//                 accounts every ended call — counters and the access line —
//                 in CallEnded(), the one place a call is accounted;
//   UnaryCall,    the reactors: the worker answers (Succeed / Answer / Fail,
//   StreamCall    or Push / Send / Close); gRPC's OnDone retires the call.
//
// A service's RPC method:
//
//   auto* call = new StreamCall(&handler_, handler_.NewRecord("StreamPaper", *context, *request),
//                               context);
//   if (!handler_.Admit(call, /*sends_pdf=*/true)) return call;  // answered
//   handler_.Submit(call, [](StreamCall* call) {
//     ... render ...
//     if (!call->Reserve(total_bytes)) return;  // answered RESOURCE_EXHAUSTED
//     call->Send(std::move(messages));
//   }, /*sends_pdf=*/true);
//   return call;
//
// Outcomes (the access log's `outcome=`, counted per service): ok | existing
// | rejected | denied | busy | dropped | abandoned | late | stalled | refused
// | data_loss | mismatch | unavailable | failed — see README "Operations".
// A call cancelled after its answer was ready (the client went away, or its
// deadline passed, before it had all of it) is `late`; one the stall
// watchdog cancelled is `stalled`.
#ifndef PANELPAPER_SERVICE_CALL_HANDLER_H_
#define PANELPAPER_SERVICE_CALL_HANDLER_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "service/log.h"
#include "service/metrics.h"
#include "service/render_pool.h"
#include "service/status_mapping.h"

namespace pp::service {

inline constexpr size_t kDefaultMaxUnsentBytes = size_t{256} << 20;  // 256 MiB
inline constexpr std::chrono::milliseconds kDefaultStreamStallTimeout{60000};

// Every outcome a call can end with.
inline constexpr std::array<std::string_view, 14> kOutcomes = {
    "ok",   "existing", "rejected", "denied",    "busy",     "dropped",     "abandoned",
    "late", "stalled",  "refused",  "data_loss", "mismatch", "unavailable", "failed"};

// Milliseconds since `t`.
double MillisSince(std::chrono::steady_clock::time_point t);

// RESOURCE_EXHAUSTED with a google.rpc.QuotaFailure of one violation.
absl::Status QuotaFailureStatus(std::string message, std::string subject, std::string description);

// The request-id metadata key: a client's id (printable ASCII without
// spaces, at most kMaxRequestIdBytes) is kept, anything else replaced by a
// generated one (16 random hex digits); either way it is echoed in the
// response's metadata — initial metadata when the call answers, trailing
// metadata on an error (so the error stays retryable) — in the access line
// and in the call's error logs.
inline constexpr char kRequestIdKey[] = "x-request-id";
inline constexpr size_t kMaxRequestIdBytes = 128;

// The client's request id from its metadata, or a new one.
std::string RequestIdOf(const grpc::CallbackServerContext& context);
// 16 random hex digits.
std::string NewRequestId();

// One call's access-log record, filled in as the call goes.
struct CallRecord {
  std::string_view method;
  std::string request_id;
  std::string peer;
  std::string client = "-";               // verified identity (mTLS, archive token)
  std::optional<std::string> paper_id;    // archive calls: logged as paper_id=
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  double queue_ms = 0;   // admitted -> a worker took it
  double render_ms = 0;  // validation + rendering (render calls)
  size_t bytes_in = 0;
  size_t bytes_out = 0;
  int pages = 0;
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string_view outcome = "ok";
  // VerifyArchivedPaper: ok | not_comparable | mismatch | damaged (logged as
  // verdict=, counted in panelpaper_archive_verify_total); empty otherwise.
  std::string_view verdict;
};

// The access line of a record (without the "<time> INFO " prefix):
//   access method=RenderPaper peer=ipv4:127.0.0.1:41502 client=- bytes_in=21007
//     bytes_out=35517 pages=7 queue_ms=0.01 render_ms=2.31 ms=2.40 code=OK outcome=ok
//     request_id=6f1c0e9a2b3d4c5e
// (paper_id=... after client= when the record has one). Values go through
// LogfmtValue (service/log.h). AccessFields are its fields (LogEvent
// writes them as JSON with --log_format=json).
std::vector<LogField> AccessFields(const CallRecord& record);
std::string AccessLine(const CallRecord& record);

// Logs a server-side problem of a call, with its method and request id.
void LogCallError(const CallRecord& record, LogLevel level, std::string_view text);

// The outcome of a call that failed with `code` when the code path did not
// name one.
std::string_view OutcomeOf(absl::StatusCode code);

// The budget of rendered-but-unsent bytes, shared by every service of a
// server, and the stall watchdog.
//
// A call that is about to send a PDF reserves its size (UnsentClaim) and
// gives it back when it ends — when the PDF's memory is freed (gRPC
// completes a write once the message is queued in its transport, before the
// client has read it, so earlier would undercount). A reservation is granted while the total stays within max_unsent_bytes —
// or when nothing at all is reserved, so that one PDF larger than the cap
// can still be sent: the total never exceeds max(cap, the largest PDF).
// While the total is at the cap, services refuse new PDF calls at once
// (RESOURCE_EXHAUSTED + QuotaFailure, subject "server").
//
// The watchdog cancels a call that holds a reservation and whose client has
// taken nothing for `stall_timeout` (0: never): its memory is freed and it
// ends `stalled`. After calls ended with unsent bytes (cancelled, stalled),
// it hands freed memory back to the operating system (malloc_trim): glibc
// keeps freed PDFs otherwise (150 cancelled 2 MB streams left 400 MB).
class SendBudget {
 public:
  explicit SendBudget(size_t max_unsent_bytes = kDefaultMaxUnsentBytes,
                      std::chrono::milliseconds stall_timeout = kDefaultStreamStallTimeout);
  ~SendBudget();
  SendBudget(const SendBudget&) = delete;
  SendBudget& operator=(const SendBudget&) = delete;

  size_t max_unsent_bytes() const { return max_; }
  std::chrono::milliseconds stall_timeout() const { return stall_timeout_; }
  // Reserved now; the most ever reserved at once; calls holding some.
  size_t unsent() const { return unsent_.load(); }
  size_t peak() const { return peak_.load(); }
  size_t holders() const ABSL_LOCKS_EXCLUDED(mu_);
  bool Full() const { return unsent_.load() >= max_; }
  // The refusal while full.
  absl::Status Exhausted() const;

 private:
  friend class UnsentClaim;
  bool TryReserve(size_t n);
  void Release(size_t n, bool stranded);
  void Register(class UnsentClaim* claim) ABSL_LOCKS_EXCLUDED(mu_);
  void Unregister(class UnsentClaim* claim) ABSL_LOCKS_EXCLUDED(mu_);
  void Watch() ABSL_LOCKS_EXCLUDED(mu_);

  const size_t max_;
  const std::chrono::milliseconds stall_timeout_;
  std::atomic<size_t> unsent_{0};
  std::atomic<size_t> peak_{0};
  std::atomic<size_t> stranded_{0};  // released unsent since the last trim

  mutable absl::Mutex mu_;
  std::unordered_set<UnsentClaim*> claims_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watchdog_;
};

// One call's share of a SendBudget (null budget: unlimited, no watchdog).
// Reserve from the worker; Progress from gRPC's write callbacks; End (or
// the destructor) when the call is done.
class UnsentClaim {
 public:
  UnsentClaim(SendBudget* budget, grpc::CallbackServerContext* context)
      : budget_(budget), context_(context) {}
  ~UnsentClaim() { End(/*delivered=*/false); }
  UnsentClaim(const UnsentClaim&) = delete;
  UnsentClaim& operator=(const UnsentClaim&) = delete;

  // False (nothing reserved) when the budget cannot take `n` more bytes.
  bool Reserve(size_t n);
  // gRPC took a message: progress for the watchdog. (The bytes stay held:
  // a PDF's messages share its one buffer, which gRPC may still hold until
  // the client reads, and which is freed when the call ends.)
  void Progress();
  // Gives back what is left — `delivered`: the call ended well, else the
  // bytes were stranded (and their memory is worth returning to the OS).
  // Idempotent.
  void End(bool delivered);
  bool stalled() const { return stalled_.load(); }

 private:
  friend class SendBudget;
  SendBudget* budget_;
  grpc::CallbackServerContext* context_;
  std::atomic<size_t> held_{0};
  std::atomic<int64_t> progress_ns_{0};  // steady_clock, last reservation or send
  std::atomic<bool> registered_{false};
  std::atomic<bool> stalled_{false};
};

struct CallHandlerOptions {
  absl::Status busy;              // the answer when the worker queue is full (made a BusyStatus)
  std::string internal_message;   // INTERNAL's message when work throws
  std::shared_ptr<SendBudget> send_budget;  // null: a budget of its own, defaults
  std::chrono::milliseconds busy_retry_delay = kDefaultBusyRetryDelay;  // RetryInfo of busy answers
  std::shared_ptr<Metrics> metrics;  // null: none
  std::string service_name;          // the metrics' `service` label: "render", "archive"
};

class CallHandler {
 public:
  CallHandler(RenderPool* pool, CallHandlerOptions options);
  ~CallHandler();
  CallHandler(const CallHandler&) = delete;
  CallHandler& operator=(const CallHandler&) = delete;

  // A new call's record: method, peer, verified TLS identity, request size.
  CallRecord NewRecord(std::string_view method, const grpc::CallbackServerContext& context,
                       const grpc::ByteBuffer& request) const;

  // Answers (and returns false) a call arriving while draining (UNAVAILABLE,
  // `refused`), or — for calls that will send a PDF — while the send budget
  // is full (RESOURCE_EXHAUSTED, `busy`).
  template <typename Call>
  bool Admit(Call* call, bool sends_pdf);

  // Queues `work(call)` on the worker pool; a full queue answers `busy` at
  // once. A call that will send a PDF is refused (`busy`) instead of run
  // when a worker takes it while the send budget is full. An exception in
  // `work` becomes INTERNAL (`failed`), logged.
  template <typename Call, typename Work>
  void Submit(Call* call, Work work, bool sends_pdf = false);

  // Graceful shutdown: refuse new calls; wait until none is in flight.
  void StartDraining() { draining_.store(true); }
  bool draining() const { return draining_.load(); }
  bool WaitIdle(std::chrono::system_clock::time_point deadline);

  // Reactors: a call exists / has ended. CallEnded counts the call by its
  // outcome and writes its access line — the one place a call is accounted.
  void CallStarted() { in_flight_.fetch_add(1); }
  void CallEnded(const CallRecord& record);

  // Calls ended, in total and by outcome (one of kOutcomes).
  uint64_t calls() const { return calls_.load(); }
  uint64_t count(std::string_view outcome) const;

  SendBudget* budget() const { return budget_.get(); }

  // A busy answer: `status` with reason SERVER_BUSY and RetryInfo.
  absl::Status Busy(absl::Status status) const {
    return BusyStatus(std::move(status), options_.busy_retry_delay);
  }
  // The error a call answers: `status` with its ErrorInfo reason (the
  // archive's PAPER_EXISTS / PAPER_NOT_FOUND for a call about a paper id)
  // and, for NOT_FOUND / ALREADY_EXISTS / PERMISSION_DENIED, a ResourceInfo
  // (the paper, else the method). ToGrpcStatus adds a default reason to
  // whatever still has none.
  static absl::Status Annotate(absl::Status status, const CallRecord& record);
  // Adds the grpc-retry-pushback-ms trailer `status` calls for (if any).
  static void AddRetryPushback(const absl::Status& status, grpc::CallbackServerContext* context);

 private:
  void LogException(const CallRecord& record, const char* what) const;

  RenderPool* pool_;
  CallHandlerOptions options_;
  std::shared_ptr<SendBudget> budget_;
  std::atomic<bool> draining_{false};
  std::atomic<int> in_flight_{0};
  absl::Mutex idle_mu_;  // WaitIdle waits on it for in_flight_ == 0
  std::atomic<uint64_t> calls_{0};
  std::array<std::atomic<uint64_t>, kOutcomes.size()> counts_{};
  int metrics_pool_ = -1;
};

// A unary call: the worker answers it once (Succeed, Answer or Fail);
// OnDone, once gRPC is done with it, accounts and deletes it.
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  UnaryCall(CallHandler* handler, CallRecord record, grpc::CallbackServerContext* context,
            grpc::ByteBuffer* response);

  CallRecord& record() { return record_; }
  // Holds `n` bytes of the send budget until the call ends; false after
  // answering RESOURCE_EXHAUSTED (`busy`) when the budget cannot.
  bool Reserve(size_t n);
  void Succeed(grpc::ByteBuffer response);
  // The serialized response, or the status to fail with.
  void Answer(const absl::StatusOr<std::string>& bytes);
  // Records the code (and, unless already named, the outcome) and answers.
  void Fail(const absl::Status& status);

  void OnCancel() override { cancelled_.store(true); }
  void OnDone() override;

 private:
  CallHandler* handler_;
  CallRecord record_;
  grpc::CallbackServerContext* context_;
  grpc::ByteBuffer* response_;
  UnsentClaim claim_;
  std::atomic<bool> cancelled_{false};
};

// A server-streaming call. The worker pushes messages as they become ready
// and closes the stream; writes go out one at a time, in order, as gRPC
// completes them, each giving its bytes back to the send budget.
//
// Lifetime: OnDone deletes the reactor, and gRPC calls it (on one of its
// threads) as soon as Finish has completed. So Finish is only ever called
// once the worker has closed the stream (its last use of the call), and as
// the very last thing, outside mu_. If the client goes away mid-stream, the
// call waits for the worker's Close to finish it (Push drops messages
// meanwhile).
class StreamCall final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  StreamCall(CallHandler* handler, CallRecord record, grpc::CallbackServerContext* context);

  CallRecord& record() { return record_; }
  // As UnaryCall::Reserve; on false the call is answered (closed).
  bool Reserve(size_t n);
  // Queues a message (dropped once the stream has ended).
  void Push(grpc::ByteBuffer message) ABSL_LOCKS_EXCLUDED(mu_);
  // Queues `messages` and closes the stream OK (the last message and the
  // status go in one step).
  void Send(std::vector<grpc::ByteBuffer> messages) ABSL_LOCKS_EXCLUDED(mu_);
  // Ends the stream after the queued messages (OK), or at once (an error:
  // whatever is queued is dropped). The worker's last use of the call.
  void Close(const grpc::Status& status) ABSL_LOCKS_EXCLUDED(mu_);
  void Fail(const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Both are called with mu_ held and release it.
  void CloseLocked(const grpc::Status& status) ABSL_UNLOCK_FUNCTION(mu_);
  void WriteNext() ABSL_UNLOCK_FUNCTION(mu_);

  CallHandler* handler_;
  CallRecord record_;
  grpc::CallbackServerContext* context_;
  UnsentClaim claim_;
  absl::Mutex mu_;
  std::deque<grpc::ByteBuffer> queue_ ABSL_GUARDED_BY(mu_);
  grpc::ByteBuffer current_ ABSL_GUARDED_BY(mu_);
  grpc::Status final_ ABSL_GUARDED_BY(mu_);
  size_t last_bytes_ ABSL_GUARDED_BY(mu_) = 0;  // the message sent with the status
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  // The worker is done with the call.
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // A write failed or the call was cancelled: nobody reads.
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  // Finish (or StartWriteAndFinish) was called.
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // The request id is echoed (initial or trailing metadata).
  bool headers_sent_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> cancelled_{false};
};

// ---- implementation of the templates ----

template <typename Call>
bool CallHandler::Admit(Call* call, bool sends_pdf) {
  if (draining_.load()) {
    call->record().outcome = "refused";
    call->Fail(WithErrorInfo(
        absl::UnavailableError("the server is shutting down; retry (on another instance)"),
        "SHUTTING_DOWN"));
    return false;
  }
  if (sends_pdf && budget_->Full()) {
    call->record().outcome = "busy";
    call->Fail(Busy(budget_->Exhausted()));
    return false;
  }
  return true;
}

template <typename Call, typename Work>
void CallHandler::Submit(Call* call, Work work, bool sends_pdf) {
  const bool admitted = pool_->TrySubmit([this, call, sends_pdf, work = std::move(work)]() mutable {
    call->record().queue_ms = MillisSince(call->record().start);
    if (sends_pdf && budget_->Full()) {
      call->record().outcome = "busy";
      call->Fail(Busy(budget_->Exhausted()));
      return;
    }
    // Library code reports errors as statuses; an exception (bad_alloc, a
    // third-party throw) still must not take the worker down or leave the
    // call unanswered. `work` answers the call as its last step.
    try {
      work(call);
    } catch (const std::exception& e) {
      call->record().outcome = "failed";
      LogException(call->record(), e.what());
      call->Fail(absl::InternalError(options_.internal_message));
    }
  });
  if (!admitted) {
    call->record().outcome = "busy";
    call->Fail(Busy(options_.busy));
  }
}

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_CALL_HANDLER_H_
