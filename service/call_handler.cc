#include "service/call_handler.h"

#include <malloc.h>

#include <algorithm>
#include <random>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "service/log.h"
#include "service/request_converter.h"
#include "service/status_mapping.h"

namespace pp::service {

namespace {

using Steady = std::chrono::steady_clock;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch())
      .count();
}

// The verified TLS identity of the peer (mTLS): the certificate's subject
// alternative names or common name; "-" without one.
std::string PeerIdentity(const grpc::CallbackServerContext& context) {
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return "-";
  std::vector<std::string> ids;
  for (const grpc::string_ref& id : auth->GetPeerIdentity()) ids.emplace_back(id.data(), id.size());
  return ids.empty() ? "-" : absl::StrJoin(ids, ",");
}

size_t OutcomeIndex(std::string_view outcome) {
  for (size_t i = 0; i < kOutcomes.size(); ++i) {
    if (kOutcomes[i] == outcome) return i;
  }
  return kOutcomes.size() - 1;  // "failed": an outcome nobody documented is a bug
}

// The outcome of a call the client left after its answer was ready.
void MarkGone(CallRecord* record, bool stalled) {
  record->code = absl::StatusCode::kCancelled;
  record->outcome = stalled ? "stalled" : "late";
}

// The request id goes back in the initial metadata of a call that answers
// (before its first message), and in the trailing metadata of an error: a
// response with headers commits a gRPC call, so an error sent with initial
// metadata could no longer be retried by a client's retry policy (gRFC A6);
// errors stay "trailers-only".
void EchoRequestId(const CallRecord& record, grpc::CallbackServerContext* context, bool answered) {
  if (context == nullptr || record.request_id.empty()) return;
  if (answered) {
    context->AddInitialMetadata(kRequestIdKey, record.request_id);
  } else {
    context->AddTrailingMetadata(kRequestIdKey, record.request_id);
  }
}

const grpc::Status kClientGone(grpc::StatusCode::CANCELLED, "the client stopped reading the stream");

}  // namespace

double MillisSince(Steady::time_point t) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
}

absl::Status QuotaFailureStatus(std::string message, std::string subject, std::string description) {
  absl::Status s(absl::StatusCode::kResourceExhausted, message);
  google::rpc::QuotaFailure failure;
  auto* v = failure.add_violations();
  v->set_subject(std::move(subject));
  v->set_description(std::move(description));
  s.SetPayload(kQuotaFailureTypeUrl, absl::Cord(failure.SerializeAsString()));
  return s;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng([] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }());
  return absl::StrFormat("%016x", rng());
}

std::string RequestIdOf(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find(kRequestIdKey);
  if (it != metadata.end() && metadata.count(kRequestIdKey) == 1) {
    const std::string_view id(it->second.data(), it->second.size());
    const bool usable = !id.empty() && id.size() <= kMaxRequestIdBytes &&
                        std::all_of(id.begin(), id.end(), [](unsigned char c) {
                          return c > 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '=';
                        });
    if (usable) return std::string(id);
  }
  return NewRequestId();
}

std::vector<LogField> AccessFields(const CallRecord& r) {
  std::vector<LogField> f;
  f.reserve(14);
  f.push_back({"method", std::string(r.method)});
  f.push_back({"peer", r.peer});
  f.push_back({"client", r.client});
  if (r.paper_id.has_value()) f.push_back({"paper_id", *r.paper_id});
  f.push_back({"bytes_in", absl::StrCat(r.bytes_in), true});
  f.push_back({"bytes_out", absl::StrCat(r.bytes_out), true});
  f.push_back({"pages", absl::StrCat(r.pages), true});
  f.push_back({"queue_ms", absl::StrFormat("%.2f", r.queue_ms), true});
  f.push_back({"render_ms", absl::StrFormat("%.2f", r.render_ms), true});
  f.push_back({"ms", absl::StrFormat("%.2f", MillisSince(r.start)), true});
  f.push_back({"code", absl::StatusCodeToString(r.code)});
  f.push_back({"outcome", std::string(r.outcome)});
  if (!r.verdict.empty()) f.push_back({"verdict", std::string(r.verdict)});
  f.push_back({"request_id", r.request_id.empty() ? "-" : r.request_id});
  return f;
}

std::string AccessLine(const CallRecord& r) { return FormatLogfmt("access", AccessFields(r)); }

void LogCallError(const CallRecord& record, LogLevel level, std::string_view text) {
  if (!LogEnabled(level)) return;
  LogEvent(level, text,
           {{"method", std::string(record.method)},
            {"request_id", record.request_id.empty() ? "-" : record.request_id}});
}

std::string_view OutcomeOf(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "ok";
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kNotFound:
      return "rejected";
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return "denied";
    case absl::StatusCode::kDataLoss:
      return "data_loss";
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kDeadlineExceeded:
      return "abandoned";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    default:
      return "failed";
  }
}

// ---- SendBudget ----

SendBudget::SendBudget(size_t max_unsent_bytes, std::chrono::milliseconds stall_timeout)
    : max_(std::max<size_t>(1, max_unsent_bytes)), stall_timeout_(stall_timeout) {
  watchdog_ = std::thread([this] { Watch(); });
}

SendBudget::~SendBudget() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  watchdog_.join();
}

size_t SendBudget::holders() const {
  absl::MutexLock lock(&mu_);
  return claims_.size();
}

absl::Status SendBudget::Exhausted() const {
  return QuotaFailureStatus(
      "the server is busy: too many rendered PDFs wait for their clients to read them; retry with "
      "backoff",
      "server",
      absl::StrCat("at most ", max_, " bytes of rendered PDFs may wait unsent (--max_unsent_bytes)"));
}

bool SendBudget::TryReserve(size_t n) {
  size_t now = unsent_.load();
  do {
    if (now != 0 && now + n > max_) return false;
  } while (!unsent_.compare_exchange_weak(now, now + n));
  size_t peak = peak_.load();
  while (now + n > peak && !peak_.compare_exchange_weak(peak, now + n)) {
  }
  return true;
}

void SendBudget::Release(size_t n, bool stranded) {
  if (n == 0) return;
  unsent_.fetch_sub(n);
  if (stranded) stranded_.fetch_add(n);
}

void SendBudget::Register(UnsentClaim* claim) {
  absl::MutexLock lock(&mu_);
  claims_.insert(claim);
}

void SendBudget::Unregister(UnsentClaim* claim) {
  absl::MutexLock lock(&mu_);
  claims_.erase(claim);
}

void SendBudget::Watch() {
  // A tick of a quarter of the timeout (10 ms .. 1 s) finds a stall within
  // 1.25 timeouts.
  const auto tick = std::clamp<std::chrono::milliseconds>(
      stall_timeout_.count() > 0 ? stall_timeout_ / 4 : std::chrono::milliseconds(1000),
      std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  int trims_due = 0;
  mu_.Lock();
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(tick))) {
    if (stall_timeout_.count() > 0) {
      const int64_t limit =
          NowNs() - std::chrono::duration_cast<std::chrono::nanoseconds>(stall_timeout_).count();
      for (UnsentClaim* claim : claims_) {
        if (claim->context_ != nullptr && claim->progress_ns_.load() < limit &&
            !claim->stalled_.exchange(true)) {
          // Safe under mu_: a claim unregisters (in its call's OnDone) before
          // the call and its context go away. gRPC runs the reactor's
          // OnCancel / OnWriteDone on its own threads, not inside TryCancel.
          claim->context_->TryCancel();
        }
      }
    }
    // Freed PDFs of calls that ended unsent: give the memory back (glibc
    // keeps freed heap memory for reuse; at this size that is hundreds of
    // megabytes). Only after such calls, at most once a tick, and once more
    // a tick later: a call counts its bytes just before it frees them.
    if (stranded_.exchange(0) > 0) trims_due = 2;
    if (trims_due > 0) {
      --trims_due;
      mu_.Unlock();
      malloc_trim(0);
      mu_.Lock();
    }
  }
  mu_.Unlock();
}

// ---- UnsentClaim ----

bool UnsentClaim::Reserve(size_t n) {
  if (budget_ == nullptr || n == 0) return true;
  if (!budget_->TryReserve(n)) {
    budget_->stranded_.fetch_add(n);  // the PDF nobody will send is about to be freed
    return false;
  }
  held_.fetch_add(n);
  progress_ns_.store(NowNs());
  if (!registered_.exchange(true)) budget_->Register(this);
  return true;
}

void UnsentClaim::Progress() {
  if (budget_ != nullptr) progress_ns_.store(NowNs());
}

void UnsentClaim::End(bool delivered) {
  if (budget_ == nullptr) return;
  if (registered_.exchange(false)) budget_->Unregister(this);
  budget_->Release(held_.exchange(0), /*stranded=*/!delivered);
}

// ---- CallHandler ----

CallHandler::CallHandler(RenderPool* pool, CallHandlerOptions options)
    : pool_(pool),
      options_(std::move(options)),
      budget_(options_.send_budget != nullptr ? options_.send_budget
                                              : std::make_shared<SendBudget>()) {
  if (options_.metrics != nullptr) {
    metrics_pool_ = options_.metrics->AddPool(options_.service_name, [this] {
      return PoolState{in_flight_.load(), pool_->queued(), pool_->running(), pool_->threads()};
    });
  }
}

CallHandler::~CallHandler() {
  if (options_.metrics != nullptr) options_.metrics->RemovePool(metrics_pool_);
}

CallRecord CallHandler::NewRecord(std::string_view method, const grpc::CallbackServerContext& context,
                                  const grpc::ByteBuffer& request) const {
  CallRecord record;
  record.method = method;
  record.request_id = RequestIdOf(context);
  record.peer = context.peer();
  record.client = PeerIdentity(context);
  record.bytes_in = request.Length();
  return record;
}

bool CallHandler::WaitIdle(std::chrono::system_clock::time_point deadline) {
  absl::MutexLock lock(&idle_mu_);
  return idle_mu_.AwaitWithDeadline(
      absl::Condition(
          +[](std::atomic<int>* n) { return n->load() == 0; }, &in_flight_),
      absl::FromChrono(deadline));
}

void CallHandler::CallEnded(const CallRecord& record) {
  // The access line first: whoever sees the call counted (stats, tests
  // waiting on them) finds its line already written.
  if (LogEnabled(LogLevel::kInfo)) LogEvent(LogLevel::kInfo, "access", AccessFields(record));
  calls_.fetch_add(1, std::memory_order_relaxed);
  counts_[OutcomeIndex(record.outcome)].fetch_add(1, std::memory_order_relaxed);
  if (options_.metrics != nullptr) {
    const std::string code = absl::StatusCodeToString(record.code);
    options_.metrics->Observe({options_.service_name, record.method, code, record.outcome,
                               record.queue_ms / 1000.0, record.render_ms / 1000.0, record.pages,
                               record.bytes_out});
    if (!record.verdict.empty()) options_.metrics->ObserveVerdict(record.verdict);
  }
  // The last use of `this`: once idle, the service may be destroyed.
  if (in_flight_.fetch_sub(1) == 1) {
    absl::MutexLock lock(&idle_mu_);  // its release wakes WaitIdle
  }
}

absl::Status CallHandler::Annotate(absl::Status status, const CallRecord& record) {
  if (status.ok()) return status;
  const absl::StatusCode code = status.code();
  const bool about_paper = record.paper_id.has_value() && *record.paper_id != "-";
  if (!status.GetPayload(kErrorInfoTypeUrl).has_value() && about_paper) {
    if (code == absl::StatusCode::kAlreadyExists) status = WithErrorInfo(std::move(status), "PAPER_EXISTS");
    if (code == absl::StatusCode::kNotFound) status = WithErrorInfo(std::move(status), "PAPER_NOT_FOUND");
  }
  if ((code == absl::StatusCode::kNotFound || code == absl::StatusCode::kAlreadyExists ||
       code == absl::StatusCode::kPermissionDenied) &&
      !status.GetPayload(kResourceInfoTypeUrl).has_value()) {
    const std::string message(status.message());
    if (about_paper) {
      status = WithResourceInfo(std::move(status), "panelpaper.v1.ArchivedPaper", *record.paper_id,
                                message);
    } else {
      status = WithResourceInfo(std::move(status), "panelpaper.v1.method", record.method, message);
    }
  }
  return status;
}

void CallHandler::AddRetryPushback(const absl::Status& status, grpc::CallbackServerContext* context) {
  if (context == nullptr) return;
  if (std::optional<int64_t> ms = RetryPushbackMs(status)) {
    context->AddTrailingMetadata(kRetryPushbackKey, std::to_string(*ms));
  }
}

uint64_t CallHandler::count(std::string_view outcome) const {
  return counts_[OutcomeIndex(outcome)].load();
}

void CallHandler::LogException(const CallRecord& record, const char* what) const {
  LogCallError(record, LogLevel::kError, absl::StrCat("exception: ", what));
}

// ---- UnaryCall ----

UnaryCall::UnaryCall(CallHandler* handler, CallRecord record, grpc::CallbackServerContext* context,
                     grpc::ByteBuffer* response)
    : handler_(handler),
      record_(std::move(record)),
      context_(context),
      response_(response),
      claim_(handler->budget(), context) {
  handler_->CallStarted();
}

bool UnaryCall::Reserve(size_t n) {
  if (claim_.Reserve(n)) return true;
  record_.outcome = "busy";
  Fail(handler_->Busy(handler_->budget()->Exhausted()));
  return false;
}

void UnaryCall::Succeed(grpc::ByteBuffer response) {
  EchoRequestId(record_, context_, /*answered=*/true);
  record_.bytes_out = response.Length();
  *response_ = std::move(response);
  Finish(grpc::Status::OK);
}

void UnaryCall::Answer(const absl::StatusOr<std::string>& bytes) {
  if (!bytes.ok()) {
    Fail(bytes.status());
    return;
  }
  grpc::Slice slice(*bytes);
  Succeed(grpc::ByteBuffer(&slice, 1));
}

void UnaryCall::Fail(const absl::Status& status) {
  record_.code = status.code();
  if (record_.outcome == "ok") record_.outcome = OutcomeOf(status.code());
  const absl::Status answer = CallHandler::Annotate(status, record_);
  CallHandler::AddRetryPushback(answer, context_);
  EchoRequestId(record_, context_, /*answered=*/false);
  Finish(ToGrpcStatus(answer));
}

void UnaryCall::OnDone() {
  // Answered, but the client went away (or stalled) before it had it.
  if (cancelled_.load() && record_.code == absl::StatusCode::kOk) MarkGone(&record_, claim_.stalled());
  claim_.End(/*delivered=*/record_.code == absl::StatusCode::kOk);
  CallHandler* handler = handler_;
  CallRecord record = std::move(record_);
  delete this;
  handler->CallEnded(record);
}

// ---- StreamCall ----

StreamCall::StreamCall(CallHandler* handler, CallRecord record, grpc::CallbackServerContext* context)
    : handler_(handler),
      record_(std::move(record)),
      context_(context),
      claim_(handler->budget(), context) {
  handler_->CallStarted();
}

bool StreamCall::Reserve(size_t n) {
  if (claim_.Reserve(n)) return true;
  record_.outcome = "busy";
  Fail(handler_->Busy(handler_->budget()->Exhausted()));
  return false;
}

void StreamCall::Push(grpc::ByteBuffer message) {
  mu_.Lock();
  if (!closed_ && !broken_) {
    queue_.push_back(std::move(message));
    if (!writing_) return WriteNext();
  }
  mu_.Unlock();
}

void StreamCall::Send(std::vector<grpc::ByteBuffer> messages) {
  mu_.Lock();
  if (closed_) {
    mu_.Unlock();
    return;
  }
  if (!broken_) {
    for (grpc::ByteBuffer& m : messages) queue_.push_back(std::move(m));
  }
  CloseLocked(grpc::Status::OK);
}

void StreamCall::Close(const grpc::Status& status) {
  mu_.Lock();
  CloseLocked(status);
}

void StreamCall::CloseLocked(const grpc::Status& status) {
  if (closed_) {
    mu_.Unlock();
    return;
  }
  closed_ = true;
  final_ = status;
  if (!status.ok()) queue_.clear();
  // Rendered, but nobody reads the stream any more (OnDone names it).
  if (broken_ && status.ok()) final_ = kClientGone;
  if (!writing_) return WriteNext();
  mu_.Unlock();
}

void StreamCall::Fail(const absl::Status& status) {
  record_.code = status.code();
  if (record_.outcome == "ok") record_.outcome = OutcomeOf(status.code());
  const absl::Status answer = CallHandler::Annotate(status, record_);
  CallHandler::AddRetryPushback(answer, context_);
  Close(ToGrpcStatus(answer));
}

void StreamCall::OnWriteDone(bool ok) {
  mu_.Lock();
  writing_ = false;
  if (!ok) {
    // The client went away mid-stream: no more writes. The worker may still
    // Push and Close; Close (or this, if it already has) finishes.
    broken_ = true;
    queue_.clear();
    if (!closed_) {
      mu_.Unlock();
      return;
    }
    if (final_.ok()) final_ = kClientGone;
  } else {
    record_.bytes_out += current_.Length();
    claim_.Progress();
  }
  WriteNext();
}

void StreamCall::OnCancel() {
  cancelled_.store(true);
  // Nobody will read what is queued: drop it now (a write in flight ends
  // with OnWriteDone(false)).
  absl::MutexLock lock(&mu_);
  broken_ = true;
  queue_.clear();
}

void StreamCall::OnDone() {
  bool broken;
  size_t last_bytes;
  {
    absl::MutexLock lock(&mu_);  // uncontended: gRPC is done with the call
    broken = broken_;
    last_bytes = last_bytes_;
  }
  if ((cancelled_.load() || broken) && record_.code == absl::StatusCode::kOk) {
    MarkGone(&record_, claim_.stalled());
  }
  if (record_.code == absl::StatusCode::kOk) record_.bytes_out += last_bytes;
  claim_.End(/*delivered=*/record_.code == absl::StatusCode::kOk);
  CallHandler* handler = handler_;
  CallRecord record = std::move(record_);
  delete this;
  handler->CallEnded(record);
}

// Starts the next write, or finishes the call once it is closed and
// drained. Takes the held lock: a finishing step releases it first and is
// the last use of `this` (OnDone may run at once on another thread).
void StreamCall::WriteNext() {
  if (finished_) {
    mu_.Unlock();
    return;
  }
  if (!queue_.empty() && !broken_) {
    if (!headers_sent_) {
      headers_sent_ = true;
      EchoRequestId(record_, context_, /*answered=*/true);
    }
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    if (queue_.empty() && closed_ && final_.ok()) {
      // The last message and the OK status in one step. Its bytes count as
      // sent when the call ends well (OnWriteDone is not called for it).
      finished_ = true;
      last_bytes_ = current_.Length();
      mu_.Unlock();
      StartWriteAndFinish(&current_, grpc::WriteOptions(), grpc::Status::OK);
    } else {
      StartWrite(&current_);
      mu_.Unlock();
    }
    return;
  }
  if (closed_) {
    finished_ = true;
    if (!headers_sent_) {
      headers_sent_ = true;
      EchoRequestId(record_, context_, /*answered=*/final_.ok());
    }
    const grpc::Status status = final_;
    mu_.Unlock();
    Finish(status);
    return;
  }
  mu_.Unlock();
}

}  // namespace pp::service
