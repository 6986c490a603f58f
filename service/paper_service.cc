#include "service/paper_service.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <chrono>
#include <exception>
#include <new>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "panelpaper/v1/paper_service.pb.h"
#include "renderers/renderer.h"
#include "service/log.h"
#include "service/request_parser.h"
#include "service/sha256.h"
#include "service/status_mapping.h"
#include "service/word_guard.h"

namespace pp::service {

using Clock = std::chrono::steady_clock;

struct PaperServiceImpl::Rendered {
  std::unique_ptr<std::string> pdf;
  int pages = 0;
  std::string sha256;
  std::vector<RenderWarning> warnings;
};

struct PaperServiceImpl::RenderedPack {
  Rendered pdf;
  std::vector<layout::ItemPlacement> items;
};

struct PaperServiceImpl::CallLog {
  std::string_view method;
  std::string peer;
  std::string client = "-";
  Clock::time_point start = Clock::now();
  double queue_ms = 0;
  double render_ms = 0;
  size_t bytes_in = 0;
  size_t bytes_out = 0;
  int pages = 0;
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string_view outcome = "ok";
};

namespace {

namespace pb = ::panelpaper::v1;
using google::protobuf::internal::WireFormatLite;

double MillisSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string_view CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

// logfmt value: bare when safe, else double-quoted with \" and \\ escaped.
std::string LogValue(std::string_view v) {
  if (v.empty()) return "\"\"";
  bool bare = true;
  for (unsigned char c : v) {
    if (c <= 0x20 || c == '"' || c == '\\' || c == '=' || c >= 0x7F) bare = false;
  }
  if (bare) return std::string(v);
  std::string out = "\"";
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

void WriteAccessLog(const PaperServiceImpl::CallLog& log) {
  if (!LogEnabled(LogLevel::kInfo)) return;
  Log(LogLevel::kInfo,
      absl::StrFormat("access method=%s peer=%s client=%s bytes_in=%d bytes_out=%d pages=%d "
                      "queue_ms=%.2f render_ms=%.2f ms=%.2f code=%s outcome=%s",
                      log.method, LogValue(log.peer), LogValue(log.client), log.bytes_in,
                      log.bytes_out, log.pages, log.queue_ms, log.render_ms, MillisSince(log.start),
                      CodeName(log.code), log.outcome));
}

// The verified TLS identity of the peer (mTLS), e.g. the certificate's
// subject alternative names or common name; "-" without one.
std::string PeerIdentity(const grpc::CallbackServerContext& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return "-";
  std::vector<std::string> ids;
  for (const grpc::string_ref& id : auth->GetPeerIdentity()) ids.emplace_back(id.data(), id.size());
  return ids.empty() ? "-" : absl::StrJoin(ids, ",");
}

// A slice that owns the PDF string: no copy of the bytes.
grpc::Slice OwningSlice(std::unique_ptr<std::string> bytes) {
  std::string* s = bytes.release();
  return grpc::Slice(s->data(), s->size(), [](void* p) { delete static_cast<std::string*>(p); }, s);
}

// Serialized header of a length-delimited field: tag + length varint.
void AppendLengthDelimitedHeader(int field_number, size_t length, std::string* out) {
  uint8_t buf[16];
  uint8_t* p = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      WireFormatLite::MakeTag(field_number, WireFormatLite::WIRETYPE_LENGTH_DELIMITED), buf);
  p = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(length, p);
  out->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(p - buf));
}

// The request's bytes as one string (cold path: only to diagnose a request
// protobuf refused).
std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

absl::Status WithQuotaFailure(std::string message, std::string subject, std::string description) {
  absl::Status s(absl::StatusCode::kResourceExhausted, message);
  google::rpc::QuotaFailure failure;
  auto* v = failure.add_violations();
  v->set_subject(std::move(subject));
  v->set_description(std::move(description));
  s.SetPayload(kQuotaFailureTypeUrl, absl::Cord(failure.SerializeAsString()));
  return s;
}

// Whether anyone still waits for a call's answer: its deadline and
// cancellation, as statuses, before rendering ("dropped") and during it
// (the renderer's interrupt: "abandoned").
class CallClock {
 public:
  explicit CallClock(grpc::CallbackServerContext* context)
      : context_(context),
        deadline_(context->deadline()),
        has_deadline_(deadline_ != std::chrono::system_clock::time_point::max()) {}

  absl::Status BeforeRender(std::string_view* outcome) const {
    if (Expired()) {
      *outcome = "dropped";
      return absl::DeadlineExceededError("the deadline passed before rendering started");
    }
    if (context_->IsCancelled()) {
      *outcome = "dropped";
      return absl::CancelledError("the call was cancelled before rendering started");
    }
    return absl::OkStatus();
  }

  // For RenderOptions.interrupt; sets *interrupted when it stops a render.
  layout::InterruptCheck Interrupt(bool* interrupted) const {
    return [this, interrupted]() -> absl::Status {
      // The deadline first: gRPC also marks an expired call cancelled.
      if (Expired()) {
        *interrupted = true;
        return absl::DeadlineExceededError("the deadline passed during rendering; render abandoned");
      }
      if (context_->IsCancelled()) {
        *interrupted = true;
        return absl::CancelledError("the call was cancelled during rendering; render abandoned");
      }
      return absl::OkStatus();
    };
  }

  bool Expired() const { return has_deadline_ && std::chrono::system_clock::now() >= deadline_; }

 private:
  grpc::CallbackServerContext* context_;
  std::chrono::system_clock::time_point deadline_;
  bool has_deadline_;
};

// The outcome of a failed render, for the access log.
std::string_view FailureOutcome(const absl::Status& status, bool interrupted) {
  if (interrupted) return "abandoned";
  const absl::StatusCode code = status.code();
  if (code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kResourceExhausted) {
    return "rejected";  // unlayoutable content, page limit
  }
  // Rendering-library failures carry no request text (renderer.h).
  Log(LogLevel::kError, absl::StrCat("render failed: ", absl::StatusCodeToString(code), ": ",
                                     status.message()));
  return "failed";
}

// Every reactor's OnDone, its last step: a call the client cancelled before
// it was answered gets CANCELLED and `outcome_if_cancelled`; the call is
// counted and logged, then deleted, and the service told it has ended.
template <typename Reactor>
void Retire(Reactor* call, PaperServiceImpl* service, PaperServiceImpl::CallLog* log,
            bool cancelled, const char* outcome_if_cancelled) {
  if (cancelled && log->code == grpc::StatusCode::OK) {
    log->code = grpc::StatusCode::CANCELLED;
    log->outcome = outcome_if_cancelled;
  }
  service->Count(*log);
  WriteAccessLog(*log);
  delete call;
  service->CallEnded();
}

// RenderPaper's reactor: finished by the worker (Succeed / Fail); OnDone,
// once gRPC is done with the call, logs it and deletes it.
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  UnaryCall(PaperServiceImpl* service, PaperServiceImpl::CallLog log)
      : service_(service), log_(std::move(log)) {
    service_->CallStarted();
  }

  PaperServiceImpl::CallLog& log() { return log_; }

  void Succeed() { Finish(grpc::Status::OK); }

  void Fail(const absl::Status& status) {
    const grpc::Status g = ToGrpcStatus(status);
    log_.code = g.error_code();
    Finish(g);
  }

  void OnCancel() override { cancelled_ = true; }

  // Finished, but the client went away before it had the answer: "late".
  void OnDone() override { Retire(this, service_, &log_, cancelled_, "late"); }

 private:
  PaperServiceImpl* service_;
  PaperServiceImpl::CallLog log_;
  std::atomic<bool> cancelled_{false};
};

// StreamPaper's reactor: written by the worker (Start / Fail), then driven
// by gRPC's callbacks until OnDone deletes it.
class StreamCall final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  StreamCall(PaperServiceImpl* service, PaperServiceImpl::CallLog log)
      : service_(service), log_(std::move(log)) {
    service_->CallStarted();
  }

  void Start(std::vector<grpc::ByteBuffer> chunks, int pages) {
    chunks_ = std::move(chunks);
    log_.pages = pages;
    WriteNext();
  }

  void Fail(const absl::Status& status) {
    const grpc::Status g = ToGrpcStatus(status);
    log_.code = g.error_code();
    Finish(g);
  }

  PaperServiceImpl::CallLog& log() { return log_; }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      // The client went away mid-stream.
      log_.code = grpc::StatusCode::CANCELLED;
      log_.outcome = "abandoned";
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading the stream"));
      return;
    }
    log_.bytes_out += chunks_[next_ - 1].Length();
    WriteNext();
  }

  void OnCancel() override { cancelled_ = true; }

  void OnDone() override { Retire(this, service_, &log_, cancelled_, "abandoned"); }

 private:
  void WriteNext() {
    if (next_ + 1 == chunks_.size()) {
      // The last chunk and the OK status in one step.
      log_.bytes_out += chunks_[next_].Length();
      StartWriteAndFinish(&chunks_[next_++], grpc::WriteOptions(), grpc::Status::OK);
    } else {
      StartWrite(&chunks_[next_++]);
    }
  }

  PaperServiceImpl* service_;
  PaperServiceImpl::CallLog log_;
  std::vector<grpc::ByteBuffer> chunks_;
  size_t next_ = 0;
  std::atomic<bool> cancelled_{false};
};

// RenderAgendaPack's reactor: the worker pushes messages as they become
// ready (progress while laying out, then the PDF chunks) and closes the
// stream; writes go out one at a time, in order, as gRPC completes them.
//
// Lifetime: OnDone deletes the reactor, and gRPC calls it (on one of its
// threads) as soon as Finish has completed. So Finish is only ever called
// once the worker has called Close (its last use of the call), and as the
// very last thing, outside mu_: nothing may touch `this` after it. If the
// client goes away mid-stream, the call waits for the worker's Close to
// finish it (Push drops messages meanwhile).
class QueuedStreamCall final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  QueuedStreamCall(PaperServiceImpl* service, PaperServiceImpl::CallLog log)
      : service_(service), log_(std::move(log)) {
    service_->CallStarted();
  }

  PaperServiceImpl::CallLog& log() { return log_; }

  // Queues a message (dropped once the stream has ended).
  void Push(grpc::ByteBuffer message) {
    std::unique_lock<std::mutex> lock(mu_);
    if (closed_ || broken_) return;
    queue_.push_back(std::move(message));
    if (!writing_) WriteNext(std::move(lock));
  }

  // Ends the stream after the queued messages (OK), or at once (an error:
  // whatever is queued is dropped). The worker's last use of the call.
  void Close(const grpc::Status& status) {
    std::unique_lock<std::mutex> lock(mu_);
    if (closed_) return;
    closed_ = true;
    final_ = status;
    if (!status.ok()) queue_.clear();
    if (broken_ && status.ok()) {
      // Rendered, but the client stopped reading the stream.
      log_.code = grpc::StatusCode::CANCELLED;
      log_.outcome = "abandoned";
      final_ = grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading the stream");
    }
    if (!writing_) WriteNext(std::move(lock));
  }

  void Fail(const absl::Status& status) {
    const grpc::Status g = ToGrpcStatus(status);
    log_.code = g.error_code();
    Close(g);
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) {
      // The client went away mid-stream: no more writes. The worker may
      // still Push and Close; Close (or this, if it already has) finishes.
      broken_ = true;
      queue_.clear();
      if (!closed_) return;
      log_.code = grpc::StatusCode::CANCELLED;
      log_.outcome = "abandoned";
      final_ = grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading the stream");
    } else {
      log_.bytes_out += current_.Length();
    }
    WriteNext(std::move(lock));
  }

  void OnCancel() override { cancelled_ = true; }

  void OnDone() override { Retire(this, service_, &log_, cancelled_, "abandoned"); }

 private:
  // Starts the next write, or finishes the call once it is closed and
  // drained. Takes the held lock: a finishing step releases it first and
  // is the last use of `this` (OnDone may run at once on another thread).
  void WriteNext(std::unique_lock<std::mutex> lock) {
    if (finished_) return;
    if (!queue_.empty() && !broken_) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      if (queue_.empty() && closed_ && final_.ok()) {
        // The last message and the OK status in one step.
        log_.bytes_out += current_.Length();
        finished_ = true;
        const grpc::Status status = final_;
        lock.unlock();
        StartWriteAndFinish(&current_, grpc::WriteOptions(), status);
      } else {
        StartWrite(&current_);
      }
      return;
    }
    if (closed_) {
      finished_ = true;
      const grpc::Status status = final_;
      lock.unlock();
      Finish(status);
    }
  }

  PaperServiceImpl* service_;
  PaperServiceImpl::CallLog log_;
  std::mutex mu_;
  std::deque<grpc::ByteBuffer> queue_;
  grpc::ByteBuffer current_;
  grpc::Status final_;
  bool writing_ = false;
  bool closed_ = false;    // the worker is done with the call
  bool broken_ = false;    // a write failed: the client is gone
  bool finished_ = false;  // Finish (or StartWriteAndFinish) was called
  std::atomic<bool> cancelled_{false};
};

template <typename Repeated>
void AddWarnings(const std::vector<RenderWarning>& warnings, Repeated* out) {
  for (const RenderWarning& w : warnings) {
    auto* m = out->Add();
    m->set_field(w.field);
    m->set_message(w.message);
  }
}

// A message as a ByteBuffer.
grpc::ByteBuffer Serialized(const google::protobuf::Message& m) {
  grpc::Slice slice(m.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

// Runs a call's work in its worker. Library code reports errors as
// statuses; an exception (std::bad_alloc, a third-party throw) still must
// not take the worker down or leave the call unanswered: INTERNAL, logged.
// `body` answers the call as its last step, so nothing throws after that.
template <typename Call, typename Body>
void Guarded(Call* call, Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    call->log().outcome = "failed";
    Log(LogLevel::kError, absl::StrCat(std::string(call->log().method), ": exception: ", e.what()));
    call->Fail(absl::InternalError("internal error while rendering"));
  }
}

// The steps every render call takes in its worker: parse the raw request
// ourselves (bytes protobuf refuses become INVALID_ARGUMENT, not gRPC's
// INTERNAL), validate all of it (`convert` fills a job and collects every
// violation; the word guard adds its own), then render with the call's
// deadline and cancellation as the renderer's interrupt. Fills the call's
// log (queue and render times, pages via `pages`, outcome).
template <typename Request, typename Job, typename ConvertFn, typename RenderFn, typename PagesFn>
auto RunCall(grpc::CallbackServerContext* context, const grpc::ByteBuffer& request,
             PaperServiceImpl::CallLog* log, const PaperServiceOptions& options,
             ConvertFn&& convert, RenderFn&& render, PagesFn&& pages)
    -> decltype(render(std::declval<Job&>(), layout::InterruptCheck())) {
  log->queue_ms = MillisSince(log->start);
  const CallClock clock(context);
  if (absl::Status s = clock.BeforeRender(&log->outcome); !s.ok()) return s;
  const Clock::time_point work_start = Clock::now();
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 16 << 10;
  arena_options.max_block_size = 1 << 20;
  google::protobuf::Arena arena(arena_options);
  auto* req = google::protobuf::Arena::CreateMessage<Request>(&arena);
  {
    grpc::ByteBuffer copy(request);  // shares the slices; the reader needs a mutable buffer
    grpc::ProtoBufferReader reader(&copy);
    if (absl::Status s = ParseRequest(&reader, req, [&request] { return Flatten(request); });
        !s.ok()) {
      log->outcome = "rejected";
      return s;
    }
  }
  std::optional<Job> job(std::in_place);
  {
    Violations v;
    convert(*req, &*job, &v);
    if (options.max_word_chars > 0) CheckWordLengths(*req, options.max_word_chars, &v);
    if (!v.empty()) {
      log->outcome = "rejected";
      return v.ToStatus();
    }
  }
  if (absl::Status s = clock.BeforeRender(&log->outcome); !s.ok()) return s;
  if (options.before_render_for_testing) options.before_render_for_testing();

  bool interrupted = false;
  auto result = render(*job, clock.Interrupt(&interrupted));
  log->render_ms = MillisSince(work_start);
  if (!result.ok()) {
    log->outcome = FailureOutcome(result.status(), interrupted);
    return result.status();
  }
  log->pages = pages(*result);
  // The last steps (saving, hashing) are not interruptible: a call may
  // expire while they run. Say so instead of pretending success.
  if (clock.Expired()) {
    log->outcome = "late";
    return absl::DeadlineExceededError("the deadline passed while the PDF was being written");
  }
  if (context->IsCancelled()) {
    log->outcome = "late";
    return absl::CancelledError("the call was cancelled while the PDF was being written");
  }
  return result;
}

// A streamed PDF's messages: each is `head` (the first also carries
// `first_head`, the serialized metadata fields) plus at most `chunk` bytes
// of the PDF as field `data_field`, referencing the PDF without copying it.
std::vector<grpc::ByteBuffer> PdfChunks(const std::string& first_head, int data_field,
                                        std::unique_ptr<std::string> pdf, size_t chunk) {
  const size_t size = pdf->size();
  const grpc::Slice whole = OwningSlice(std::move(pdf));
  std::vector<grpc::ByteBuffer> chunks;
  chunks.reserve(size / chunk + 1);
  size_t offset = 0;
  do {
    const size_t n = std::min(chunk, size - offset);
    std::string head = chunks.empty() ? first_head : std::string();
    AppendLengthDelimitedHeader(data_field, n, &head);
    grpc::Slice slices[2] = {grpc::Slice(head), whole.sub(offset, offset + n)};
    chunks.emplace_back(slices, 2);
    offset += n;
  } while (offset < size);
  return chunks;
}

// What a finished render call hands back.
void FillInfo(const std::string& sha256, int pages, size_t size,
              const std::vector<RenderWarning>& warnings, pb::PdfInfo* info) {
  info->set_page_count(pages);
  info->set_sha256(sha256);
  info->set_renderer_version(kRendererVersion);
  info->set_size_bytes(static_cast<int64_t>(size));
  AddWarnings(warnings, info->mutable_warnings());
}

}  // namespace

PaperServiceImpl::PaperServiceImpl(std::shared_ptr<const text::FontSet> fonts,
                                   PaperServiceOptions options)
    : fonts_(std::move(fonts)),
      options_(std::move(options)),
      pool_(options_.render_threads > 0 ? options_.render_threads
                                        : std::max(1u, std::thread::hardware_concurrency()),
            options_.max_queued_renders) {
  options_.render_threads = pool_.threads();
  options_.chunk_bytes = std::max<size_t>(1, options_.chunk_bytes);
}

PaperServiceImpl::~PaperServiceImpl() { Shutdown(); }

void PaperServiceImpl::Shutdown() { pool_.Shutdown(); }

ServiceStats PaperServiceImpl::stats() const {
  ServiceStats s;
  s.calls = calls_.load();
  s.ok = ok_.load();
  s.rejected = rejected_.load();
  s.busy = busy_.load();
  s.dropped = dropped_.load();
  s.abandoned = abandoned_.load();
  s.late = late_.load();
  s.refused = refused_.load();
  s.failed = failed_.load();
  return s;
}

void PaperServiceImpl::Count(const CallLog& log) {
  calls_.fetch_add(1, std::memory_order_relaxed);
  const std::string_view o = log.outcome;
  std::atomic<uint64_t>& counter = o == "ok"          ? ok_
                                   : o == "rejected"  ? rejected_
                                   : o == "busy"      ? busy_
                                   : o == "dropped"   ? dropped_
                                   : o == "abandoned" ? abandoned_
                                   : o == "late"      ? late_
                                   : o == "refused"   ? refused_
                                                      : failed_;
  counter.fetch_add(1, std::memory_order_relaxed);
}

void PaperServiceImpl::CallStarted() { in_flight_.fetch_add(1); }

void PaperServiceImpl::CallEnded() {
  if (in_flight_.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(idle_mu_);
    idle_cv_.notify_all();
  }
}

void PaperServiceImpl::StartDraining() { draining_.store(true); }

bool PaperServiceImpl::WaitIdle(std::chrono::system_clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(idle_mu_);
  return idle_cv_.wait_until(lock, deadline, [this] { return in_flight_.load() == 0; });
}

absl::Status PaperServiceImpl::ShuttingDown() const {
  return absl::UnavailableError("the server is shutting down; retry (on another instance)");
}

absl::Status PaperServiceImpl::Busy() const {
  return WithQuotaFailure(
      "the server is busy: every render worker is in use and the queue is full; retry with backoff",
      "server",
      absl::StrCat(pool_.threads(), " render workers busy and ", pool_.max_queued(),
                   " calls queued (--max_concurrent_renders, --max_queued_renders)"));
}

absl::StatusOr<PaperServiceImpl::Rendered> PaperServiceImpl::Render(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer& request, CallLog* log) {
  absl::StatusOr<RenderedPdf> pdf = RunCall<pb::RenderPaperRequest, RenderJob>(
      context, request, log, options_,
      [this](const pb::RenderPaperRequest& req, RenderJob* job, Violations* v) {
        if (!req.has_paper()) {
          v->AddInvalid("paper", "required");
        } else {
          ConvertPaper(req.paper(), "paper", *fonts_, options_.limits, &job->paper, v);
        }
        job->compress_content = !req.options().uncompressed();
      },
      [this](RenderJob& job, layout::InterruptCheck interrupt) {
        RenderOptions o;
        o.compress_content = job.compress_content;
        o.max_pages = options_.limits.max_pages;
        o.interrupt = std::move(interrupt);
        return pp::RenderPaper(job.paper, *fonts_, o);
      },
      [](const RenderedPdf& pdf) { return pdf.page_count; });
  if (!pdf.ok()) return pdf.status();
  Rendered out;
  out.pages = pdf->page_count;
  out.warnings = std::move(pdf->warnings);
  out.sha256 = Sha256Hex(pdf->bytes);
  out.pdf = std::make_unique<std::string>(std::move(pdf->bytes));
  return out;
}

template <typename Call, typename Work>
Call* PaperServiceImpl::Admit(const char* method, grpc::CallbackServerContext* context,
                              const grpc::ByteBuffer* request, Work work) {
  CallLog log;
  log.method = method;
  log.peer = context->peer();
  log.client = PeerIdentity(*context);
  log.bytes_in = request->Length();
  auto* call = new Call(this, std::move(log));
  if (draining_.load()) {
    call->log().outcome = "refused";
    call->Fail(ShuttingDown());
    return call;
  }
  const bool admitted = pool_.TrySubmit(
      [call, work = std::move(work)]() mutable { Guarded(call, [&] { work(call); }); });
  if (!admitted) {
    call->log().outcome = "busy";
    call->Fail(Busy());
  }
  return call;
}

grpc::ServerUnaryReactor* PaperServiceImpl::RenderPaper(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  auto work = [this, context, request, response](UnaryCall* call) {
    CallLog& log = call->log();
    absl::StatusOr<Rendered> rendered = Render(context, *request, &log);
    if (!rendered.ok()) {
      call->Fail(rendered.status());
      return;
    }
    pb::RenderPaperResponse head;
    head.set_page_count(rendered->pages);
    head.set_sha256(rendered->sha256);
    head.set_renderer_version(kRendererVersion);
    AddWarnings(rendered->warnings, head.mutable_warnings());
    std::string prefix = head.SerializeAsString();
    AppendLengthDelimitedHeader(pb::RenderPaperResponse::kPdfFieldNumber, rendered->pdf->size(),
                                &prefix);
    const size_t total = prefix.size() + rendered->pdf->size();
    if (total > options_.max_unary_response_bytes) {
      log.outcome = "rejected";
      call->Fail(WithQuotaFailure(
          absl::StrCat("the PDF (", rendered->pdf->size(),
                       " bytes) is too large for RenderPaper; fetch it with StreamPaper"),
          "pdf",
          absl::StrCat("RenderPaper responses are limited to ", options_.max_unary_response_bytes,
                       " bytes (--max_unary_response_bytes); StreamPaper has no limit")));
      return;
    }
    grpc::Slice slices[2] = {grpc::Slice(prefix), OwningSlice(std::move(rendered->pdf))};
    *response = grpc::ByteBuffer(slices, 2);
    log.bytes_out = total;
    call->Succeed();
  };
  return Admit<UnaryCall>("RenderPaper", context, request, std::move(work));
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* PaperServiceImpl::StreamPaper(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  auto work = [this, context, request](StreamCall* call) {
    absl::StatusOr<Rendered> rendered = Render(context, *request, &call->log());
    if (!rendered.ok()) {
      call->Fail(rendered.status());
      return;
    }
    pb::PaperChunk first;
    FillInfo(rendered->sha256, rendered->pages, rendered->pdf->size(), rendered->warnings,
             first.mutable_info());
    std::vector<grpc::ByteBuffer> chunks =
        PdfChunks(first.SerializeAsString(), pb::PaperChunk::kDataFieldNumber,
                  std::move(rendered->pdf), options_.chunk_bytes);
    call->Start(std::move(chunks), rendered->pages);
  };
  return Admit<StreamCall>("StreamPaper", context, request, std::move(work));
}

absl::StatusOr<PaperServiceImpl::RenderedPack> PaperServiceImpl::RenderPack(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer& request, CallLog* log,
    const std::function<void(int, int)>& progress) {
  absl::StatusOr<pp::RenderedPack> pack = RunCall<pb::RenderAgendaPackRequest, PackJob>(
      context, request, log, options_,
      [this](const pb::RenderAgendaPackRequest& req, PackJob* job, Violations* v) {
        ConvertPack(req, *fonts_, options_.limits, &job->pack, v);
        job->compress_content = !req.options().uncompressed();
      },
      [this, &progress](PackJob& job, layout::InterruptCheck interrupt) {
        PackOptions o;
        o.compress_content = job.compress_content;
        o.max_pages = options_.limits.max_pack_pages;
        o.max_pages_per_paper = options_.limits.max_pages;
        o.interrupt = std::move(interrupt);
        o.progress = progress;
        return pp::RenderPack(job.pack, *fonts_, o);
      },
      [](const pp::RenderedPack& pack) { return pack.pdf.page_count; });
  if (!pack.ok()) return pack.status();
  RenderedPack out;
  out.pdf.pages = pack->pdf.page_count;
  out.pdf.warnings = std::move(pack->pdf.warnings);
  out.pdf.sha256 = Sha256Hex(pack->pdf.bytes);
  out.pdf.pdf = std::make_unique<std::string>(std::move(pack->pdf.bytes));
  out.items = std::move(pack->items);
  return out;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* PaperServiceImpl::RenderAgendaPack(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  auto work = [this, context, request](QueuedStreamCall* call) {
    auto progress = [call](int done, int total) {
      pb::AgendaPackChunk m;
      m.mutable_progress()->set_items_done(done);
      m.mutable_progress()->set_items_total(total);
      call->Push(Serialized(m));
    };
    absl::StatusOr<RenderedPack> rendered = RenderPack(context, *request, &call->log(), progress);
    if (!rendered.ok()) {
      call->Fail(rendered.status());
      return;
    }
    pb::AgendaPackChunk first;
    FillInfo(rendered->pdf.sha256, rendered->pdf.pages, rendered->pdf.pdf->size(),
             rendered->pdf.warnings, first.mutable_info());
    for (const layout::ItemPlacement& p : rendered->items) {
      pb::PackItemPages* item = first.add_items();
      item->set_number(p.number);
      item->set_included(p.included);
      item->set_first_page(p.first_page);
      item->set_last_page(p.last_page);
    }
    for (grpc::ByteBuffer& chunk :
         PdfChunks(first.SerializeAsString(), pb::AgendaPackChunk::kDataFieldNumber,
                   std::move(rendered->pdf.pdf), options_.chunk_bytes)) {
      call->Push(std::move(chunk));
    }
    call->Close(grpc::Status::OK);
  };
  return Admit<QueuedStreamCall>("RenderAgendaPack", context, request, std::move(work));
}

}  // namespace pp::service
