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
#include "service/call_handler.h"
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

namespace {

namespace pb = ::panelpaper::v1;
using google::protobuf::internal::WireFormatLite;

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
std::string_view FailureOutcome(const absl::Status& status, bool interrupted,
                                const CallRecord& record) {
  if (interrupted) return "abandoned";
  const absl::StatusCode code = status.code();
  if (code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kResourceExhausted) {
    return "rejected";  // unlayoutable content, page limit
  }
  // Rendering-library failures carry no request text (renderer.h).
  LogCallError(record, LogLevel::kError,
               absl::StrCat("render failed: ", absl::StatusCodeToString(code), ": ", status.message()));
  return "failed";
}

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
    log->outcome = FailureOutcome(result.status(), interrupted, *log);
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

size_t TotalLength(const std::vector<grpc::ByteBuffer>& messages) {
  size_t n = 0;
  for (const grpc::ByteBuffer& m : messages) n += m.Length();
  return n;
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
            options_.max_queued_renders),
      handler_(&pool_, CallHandlerOptions{Busy(), "internal error while rendering",
                                          options_.send_budget, options_.busy_retry_delay,
                                          options_.metrics, "render"}) {
  options_.render_threads = pool_.threads();
  options_.chunk_bytes = std::max<size_t>(1, options_.chunk_bytes);
}

PaperServiceImpl::~PaperServiceImpl() { Shutdown(); }

void PaperServiceImpl::Shutdown() { pool_.Shutdown(); }

ServiceStats PaperServiceImpl::stats() const {
  ServiceStats s;
  s.calls = handler_.calls();
  s.ok = handler_.count("ok");
  s.rejected = handler_.count("rejected");
  s.busy = handler_.count("busy");
  s.dropped = handler_.count("dropped");
  s.abandoned = handler_.count("abandoned");
  s.late = handler_.count("late");
  s.stalled = handler_.count("stalled");
  s.refused = handler_.count("refused");
  s.failed = handler_.count("failed");
  return s;
}

void PaperServiceImpl::StartDraining() { handler_.StartDraining(); }

bool PaperServiceImpl::WaitIdle(std::chrono::system_clock::time_point deadline) {
  return handler_.WaitIdle(deadline);
}

absl::Status PaperServiceImpl::Busy() const {
  return QuotaFailureStatus(
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
      [](const RenderedPdf& rendered) { return rendered.page_count; });
  if (!pdf.ok()) return pdf.status();
  Rendered out;
  out.pages = pdf->page_count;
  out.warnings = std::move(pdf->warnings);
  out.sha256 = Sha256Hex(pdf->bytes);
  out.pdf = std::make_unique<std::string>(std::move(pdf->bytes));
  return out;
}

template <typename Call, typename Work>
Call* PaperServiceImpl::Start(grpc::CallbackServerContext* context, Call* call, Work work) {
  if (options_.authorize != nullptr) {
    if (!handler_.Admit(call, /*sends_pdf=*/false)) return call;  // draining
    absl::StatusOr<std::string> who = options_.authorize(*context);
    if (!who.ok()) {
      call->record().outcome = "denied";
      call->Fail(who.status());
      return call;
    }
    call->record().client = *std::move(who);
  }
  if (handler_.Admit(call, /*sends_pdf=*/true)) {
    handler_.Submit(call, std::move(work), /*sends_pdf=*/true);
  }
  return call;
}

grpc::ServerUnaryReactor* PaperServiceImpl::RenderPaper(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  auto work = [this, context, request](UnaryCall* call) {
    CallLog& log = call->record();
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
      call->Fail(QuotaFailureStatus(
          absl::StrCat("the PDF (", rendered->pdf->size(),
                       " bytes) is too large for RenderPaper; fetch it with StreamPaper"),
          "pdf",
          absl::StrCat("RenderPaper responses are limited to ", options_.max_unary_response_bytes,
                       " bytes (--max_unary_response_bytes); StreamPaper has no limit")));
      return;
    }
    if (!call->Reserve(total)) return;
    grpc::Slice slices[2] = {grpc::Slice(prefix), OwningSlice(std::move(rendered->pdf))};
    call->Succeed(grpc::ByteBuffer(slices, 2));
  };
  return Start(context, new UnaryCall(&handler_, handler_.NewRecord("RenderPaper", *context, *request),
                             context, response),
               std::move(work));
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* PaperServiceImpl::StreamPaper(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  auto work = [this, context, request](StreamCall* call) {
    absl::StatusOr<Rendered> rendered = Render(context, *request, &call->record());
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
    if (!call->Reserve(TotalLength(chunks))) return;
    call->Send(std::move(chunks));
  };
  return Start(
      context, new StreamCall(&handler_, handler_.NewRecord("StreamPaper", *context, *request), context),
      std::move(work));
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
      [](const pp::RenderedPack& rendered) { return rendered.pdf.page_count; });
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
  auto work = [this, context, request](StreamCall* call) {
    auto progress = [call](int done, int total) {
      pb::AgendaPackChunk m;
      m.mutable_progress()->set_items_done(done);
      m.mutable_progress()->set_items_total(total);
      call->Push(Serialized(m));
    };
    absl::StatusOr<RenderedPack> rendered =
        RenderPack(context, *request, &call->record(), progress);
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
    std::vector<grpc::ByteBuffer> chunks =
        PdfChunks(first.SerializeAsString(), pb::AgendaPackChunk::kDataFieldNumber,
                  std::move(rendered->pdf.pdf), options_.chunk_bytes);
    if (!call->Reserve(TotalLength(chunks))) return;
    call->Send(std::move(chunks));
  };
  return Start(context, new StreamCall(&handler_,
                              handler_.NewRecord("RenderAgendaPack", *context, *request), context),
               std::move(work));
}

}  // namespace pp::service
