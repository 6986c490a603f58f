#include "service/archive/archive_service.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "service/archive/archive_request.h"
#include "service/log.h"
#include "service/request_parser.h"
#include "service/sha256.h"
#include "service/status_mapping.h"

namespace pp::service::archive {

namespace {

namespace pb = ::panelpaper::v1;

std::string Flatten(const grpc::ByteBuffer& buffer);

}  // namespace

Caller CallerOf(const grpc::CallbackServerContext& context) {
  Caller caller;
  const auto& metadata = context.client_metadata();
  auto range = metadata.equal_range("authorization");
  for (auto it = range.first; it != range.second; ++it) {
    caller.authorization.emplace_back(it->second.data(), it->second.size());
  }
  std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const grpc::string_ref& id : auth->GetPeerIdentity()) {
      caller.peer_identities.emplace_back(id.data(), id.size());
    }
  }
  return caller;
}

namespace {

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  out.reserve(buffer.Length());
  for (const grpc::Slice& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

absl::Status Parse(const grpc::ByteBuffer& request, google::protobuf::Message* msg) {
  grpc::ByteBuffer copy(request);  // shares the slices; the reader needs a mutable buffer
  grpc::ProtoBufferReader reader(&copy);
  return ParseRequest(&reader, msg, [&request] { return Flatten(request); });
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Only ids that pass CheckPaperId reach the log.
std::string LoggableId(const std::string& id) {
  Violations v;
  CheckPaperId(id, "paper_id", &v);
  return v.empty() ? id : "-";
}

}  // namespace

absl::StatusOr<std::unique_ptr<ArchiveServiceImpl>> ArchiveServiceImpl::Create(
    std::shared_ptr<const text::FontSet> fonts, std::shared_ptr<ArchiveStore> store,
    ArchiveServiceOptions options) {
  if (options.icc_profile.empty()) {
    return absl::InvalidArgumentError("the archive needs an sRGB ICC profile (fonts/icc/sRGB.icc)");
  }
  absl::StatusOr<std::string> digest = FontsDigest(*fonts, options.icc_profile);
  if (!digest.ok()) return digest.status();
  absl::StatusOr<RendererIdentity> identity = ComputeRendererIdentity(*fonts, options.icc_profile);
  if (!identity.ok()) return identity.status();
  return std::unique_ptr<ArchiveServiceImpl>(
      new ArchiveServiceImpl(std::move(fonts), std::move(store), std::move(options),
                             *std::move(digest), identity->ToString()));
}

ArchiveServiceImpl::ArchiveServiceImpl(std::shared_ptr<const text::FontSet> fonts,
                                       std::shared_ptr<ArchiveStore> store,
                                       ArchiveServiceOptions options, std::string fonts_sha256,
                                       std::string renderer_identity)
    : fonts_(std::move(fonts)),
      store_(std::move(store)),
      options_(std::move(options)),
      fonts_sha256_(std::move(fonts_sha256)),
      renderer_identity_(std::move(renderer_identity)),
      pool_(options_.threads > 0 ? options_.threads
                                 : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
            options_.max_queued),
      handler_(&pool_, CallHandlerOptions{absl::ResourceExhaustedError(
                                              "the archive is busy; retry with backoff"),
                                          "internal error in the archive", options_.send_budget,
                                          options_.busy_retry_delay, options_.metrics, "archive"}) {
  options_.threads = pool_.threads();
  options_.chunk_bytes = std::max<size_t>(1, options_.chunk_bytes);
}

ArchiveServiceImpl::~ArchiveServiceImpl() { Shutdown(); }

void ArchiveServiceImpl::Shutdown() { pool_.Shutdown(); }

void ArchiveServiceImpl::StartDraining() { handler_.StartDraining(); }

bool ArchiveServiceImpl::WaitIdle(std::chrono::system_clock::time_point deadline) {
  return handler_.WaitIdle(deadline);
}

CallRecord ArchiveServiceImpl::NewRecord(std::string_view method,
                                         const grpc::CallbackServerContext& context,
                                         const grpc::ByteBuffer& request) const {
  CallRecord record = handler_.NewRecord(method, context, request);
  record.client = "-";  // who the archive authorises (Admit), not the bare TLS identity
  record.paper_id = "-";
  return record;
}

// Refuses the call (answering it) when shutting down, when the send budget
// is full (calls that send a PDF) or when not authorised; otherwise records
// the caller's identity and returns true.
template <typename Call>
bool ArchiveServiceImpl::Admit(grpc::CallbackServerContext* context, Call* call, bool write,
                               bool sends_pdf) {
  if (!handler_.Admit(call, /*sends_pdf=*/false)) return false;
  absl::StatusOr<std::string> who =
      Authorize(options_.auth, CallerOf(*context), write ? Access::kWrite : Access::kRead);
  if (!who.ok()) {
    call->record().outcome = "denied";
    call->Fail(who.status());
    return false;
  }
  call->record().client = *std::move(who);
  return handler_.Admit(call, sends_pdf);
}

absl::StatusOr<std::string> ArchiveServiceImpl::DoArchive(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer& request,
                                                          CallLog* log) {
  const auto deadline = context->deadline();
  const bool has_deadline = deadline != std::chrono::system_clock::time_point::max();
  auto gone = [&]() -> absl::Status {
    if (has_deadline && std::chrono::system_clock::now() >= deadline) {
      return absl::DeadlineExceededError("the deadline passed; nothing was archived");
    }
    if (context->IsCancelled()) return absl::CancelledError("the call was cancelled; nothing was archived");
    return absl::OkStatus();
  };
  if (absl::Status s = gone(); !s.ok()) return s;

  pb::ArchivePaperRequest req;
  if (absl::Status s = Parse(request, &req); !s.ok()) return s;
  log->paper_id = LoggableId(req.paper_id());
  absl::StatusOr<ArchiveJob> job =
      ConvertArchiveRequest(req, *fonts_, options_.limits, options_.max_word_chars);
  if (!job.ok()) return job.status();

  auto answer = [&](const ArchiveEntry& e, bool created) {
    pb::ArchivePaperResponse out;
    out.set_paper_id(e.paper_id);
    out.set_sha256(e.sha256);
    out.set_page_count(e.page_count);
    out.set_size_bytes(e.size_bytes);
    out.set_created(created);
    ToProto(e, out.mutable_paper());
    log->pages = e.page_count;
    if (!created) log->outcome = "existing";
    return out.SerializeAsString();
  };

  // Immutability before any work: the id is taken, by this request or not.
  if (absl::StatusOr<ArchiveEntry> existing = store_->Lookup(job->paper_id); existing.ok()) {
    if (existing->request_sha256 == job->entry.request_sha256) return answer(*existing, false);
    return absl::AlreadyExistsError(absl::StrCat(
        "paper \"", job->paper_id,
        "\" is archived already with a different request or sign-off; archived papers are "
        "immutable (archive the new version under a new paper id)"));
  } else if (!absl::IsNotFound(existing.status())) {
    return existing.status();
  }

  layout::InterruptCheck interrupt = [&]() -> absl::Status {
    if (absl::Status s = gone(); !s.ok()) {
      return absl::Status(s.code(), "the call ended during layout; nothing was archived");
    }
    return absl::OkStatus();
  };
  absl::StatusOr<RenderedPdf> pdf =
      RenderArchival(*job, *fonts_, options_.icc_profile, options_.limits.max_pages, interrupt);
  if (!pdf.ok()) {
    const absl::StatusCode code = pdf.status().code();
    if (code != absl::StatusCode::kInvalidArgument && code != absl::StatusCode::kResourceExhausted &&
        code != absl::StatusCode::kCancelled && code != absl::StatusCode::kDeadlineExceeded) {
      LogCallError(*log, LogLevel::kError,
                   absl::StrCat("archive render failed: ", absl::StatusCodeToString(code), ": ",
                                pdf.status().message()));
    }
    return pdf.status();
  }
  // Nobody waits for the answer any more: store nothing.
  if (absl::Status s = gone(); !s.ok()) return s;

  ArchiveEntry entry = job->entry;
  entry.sha256 = Sha256Hex(pdf->bytes);
  entry.size_bytes = static_cast<int64_t>(pdf->bytes.size());
  entry.page_count = pdf->page_count;
  entry.renderer_version = kRendererVersion;
  entry.fonts_sha256 = fonts_sha256_;
  entry.renderer_identity = renderer_identity_;
  entry.archived_by = log->client;
  entry.archived_at_millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
  if (LogEnabled(LogLevel::kDebug)) {
    Log(LogLevel::kDebug, absl::StrCat("archive: storing paper_id=", entry.paper_id,
                                       " sha256=", entry.sha256));
  }
  // From here on the write completes whatever the client does.
  absl::StatusOr<PutResult> put = store_->Put(entry, pdf->bytes);
  if (!put.ok()) {
    if (put.status().code() != absl::StatusCode::kAlreadyExists) {
      LogCallError(*log, LogLevel::kError,
                   absl::StrCat("archive: storing ", entry.paper_id, " failed: ",
                                put.status().message()));
    }
    return put.status();
  }
  return answer(put->entry, put->created);
}

absl::StatusOr<std::string> ArchiveServiceImpl::DoList(const grpc::ByteBuffer& request,
                                                       CallLog* log) {
  pb::ListArchivedPapersRequest req;
  if (absl::Status s = Parse(request, &req); !s.ok()) return s;
  absl::StatusOr<ListQuery> query = ConvertListRequest(req);
  if (!query.ok()) return query.status();
  absl::StatusOr<ListPage> page = store_->List(*query);
  if (!page.ok()) return page.status();
  pb::ListArchivedPapersResponse out;
  for (const ArchiveEntry& e : page->entries) ToProto(e, out.add_papers());
  if (page->more && !page->entries.empty()) {
    out.set_next_page_token(NextPageToken(req, page->entries.back()));
  }
  return out.SerializeAsString();
}

absl::StatusOr<std::string> ArchiveServiceImpl::DoVerify(const grpc::ByteBuffer& request,
                                                         CallLog* log) {
  pb::VerifyArchivedPaperRequest req;
  if (absl::Status s = Parse(request, &req); !s.ok()) return s;
  Violations v;
  CheckPaperId(req.paper_id(), "paper_id", &v);
  if (!v.empty()) return v.ToStatus();
  log->paper_id = req.paper_id();
  absl::StatusOr<ArchiveEntry> entry = store_->Lookup(req.paper_id());
  if (!entry.ok()) return entry.status();

  pb::VerifyArchivedPaperResponse out;
  out.set_paper_id(entry->paper_id);
  out.set_recorded_sha256(entry->sha256);
  out.set_archived_renderer_version(entry->renderer_version);
  out.set_current_renderer_version(kRendererVersion);
  out.set_archived_fonts_sha256(entry->fonts_sha256);
  out.set_current_fonts_sha256(fonts_sha256_);
  out.set_archived_renderer_identity(entry->renderer_identity);
  out.set_current_renderer_identity(renderer_identity_);
  const std::vector<std::string> differences =
      IdentityDifferences(entry->renderer_identity, renderer_identity_);
  for (const std::string& d : differences) out.add_identity_differences(d);
  log->pages = entry->page_count;

  absl::StatusOr<std::string> stored = store_->StoredSha256(*entry);
  if (!stored.ok()) return stored.status();
  out.set_stored_sha256(*stored);
  out.set_bytes_intact(*stored == entry->sha256);
  std::string bytes_detail =
      stored->empty() ? "the stored PDF is MISSING (or not a regular file)"
      : out.bytes_intact() ? "stored bytes intact"
                           : "the stored bytes are DAMAGED (their SHA-256 differs from the record)";

  std::string render_detail;
  pb::ArchivePaperRequest original;
  if (!original.ParseFromString(entry->request)) {
    render_detail = "the stored request does not parse";
  } else {
    absl::StatusOr<ArchiveJob> job =
        ConvertArchiveRequest(original, *fonts_, options_.limits, options_.max_word_chars);
    if (!job.ok()) {
      render_detail = absl::StrCat("the stored request no longer passes validation: ",
                                   job.status().message());
    } else {
      absl::StatusOr<RenderedPdf> pdf =
          RenderArchival(*job, *fonts_, options_.icc_profile, options_.limits.max_pages, {});
      if (!pdf.ok()) {
        render_detail = absl::StrCat("re-rendering failed: ", pdf.status().message());
      } else {
        out.set_rerendered_sha256(Sha256Hex(pdf->bytes));
        out.set_rerender_matches(out.rerendered_sha256() == entry->sha256);
        render_detail = out.rerender_matches() ? "re-render identical" : "re-render DIFFERS";
      }
    }
  }
  // The verdict (README "Verifying a paper"): damage first; a re-render
  // that differs is a mismatch only when the same renderer identity made it.
  using Response = pb::VerifyArchivedPaperResponse;
  if (!out.bytes_intact()) {
    out.set_verdict(Response::VERDICT_DAMAGED);
  } else if (out.rerender_matches()) {
    out.set_verdict(Response::VERDICT_OK);
  } else if (!differences.empty()) {
    out.set_verdict(Response::VERDICT_NOT_COMPARABLE);
    render_detail = absl::StrCat("re-render not comparable (", render_detail,
                                 "): the renderer identity differs: ",
                                 absl::StrJoin(differences, "; "));
  } else {
    out.set_verdict(Response::VERDICT_MISMATCH);
    absl::StrAppend(&render_detail, " with the same renderer identity");
  }
  out.set_detail(absl::StrCat(bytes_detail, "; ", render_detail));
  switch (out.verdict()) {
    case Response::VERDICT_OK:
      log->verdict = "ok";
      break;
    case Response::VERDICT_NOT_COMPARABLE:
      log->verdict = "not_comparable";
      break;
    case Response::VERDICT_MISMATCH:
      log->verdict = "mismatch";
      break;
    default:
      log->verdict = "damaged";
      break;
  }
  if (out.verdict() == Response::VERDICT_DAMAGED || out.verdict() == Response::VERDICT_MISMATCH) {
    log->outcome = "mismatch";
  }
  return out.SerializeAsString();
}

grpc::ServerUnaryReactor* ArchiveServiceImpl::ArchivePaper(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  auto* reactor =
      new UnaryCall(&handler_, NewRecord("ArchivePaper", *context, *request), context, response);
  if (!Admit(context, reactor, /*write=*/true, /*sends_pdf=*/false)) return reactor;
  handler_.Submit(reactor, [this, context, request](UnaryCall* call) {
    call->Answer(DoArchive(context, *request, &call->record()));
  });
  return reactor;
}

grpc::ServerUnaryReactor* ArchiveServiceImpl::ListArchivedPapers(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  auto* reactor = new UnaryCall(&handler_, NewRecord("ListArchivedPapers", *context, *request),
                                context, response);
  if (!Admit(context, reactor, /*write=*/false, /*sends_pdf=*/false)) return reactor;
  handler_.Submit(reactor, [this, request](UnaryCall* call) {
    call->Answer(DoList(*request, &call->record()));
  });
  return reactor;
}

grpc::ServerUnaryReactor* ArchiveServiceImpl::VerifyArchivedPaper(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  auto* reactor = new UnaryCall(&handler_, NewRecord("VerifyArchivedPaper", *context, *request),
                                context, response);
  if (!Admit(context, reactor, /*write=*/false, /*sends_pdf=*/false)) return reactor;
  handler_.Submit(reactor, [this, request](UnaryCall* call) {
    call->Answer(DoVerify(*request, &call->record()));
  });
  return reactor;
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* ArchiveServiceImpl::GetArchivedPaper(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  auto* reactor =
      new StreamCall(&handler_, NewRecord("GetArchivedPaper", *context, *request), context);
  if (!Admit(context, reactor, /*write=*/false, /*sends_pdf=*/true)) return reactor;
  auto work = [this, request](StreamCall* call) {
    CallLog& log = call->record();
    pb::GetArchivedPaperRequest req;
    if (absl::Status s = Parse(*request, &req); !s.ok()) {
      call->Fail(s);
      return;
    }
    Violations v;
    CheckPaperId(req.paper_id(), "paper_id", &v);
    if (!v.empty()) {
      call->Fail(v.ToStatus());
      return;
    }
    log.paper_id = req.paper_id();
    absl::StatusOr<ArchiveEntry> entry = store_->Lookup(req.paper_id());
    if (!entry.ok()) {
      call->Fail(entry.status());
      return;
    }
    // Re-hashed before anything is sent.
    absl::StatusOr<std::string> pdf = store_->ReadPdf(*entry);
    if (!pdf.ok()) {
      if (pdf.status().code() == absl::StatusCode::kDataLoss) {
        LogCallError(log, LogLevel::kError, std::string(pdf.status().message()));
      }
      call->Fail(pdf.status());
      return;
    }
    log.pages = entry->page_count;
    const size_t chunk = options_.chunk_bytes;
    std::vector<grpc::ByteBuffer> chunks;
    size_t total = 0;
    size_t offset = 0;
    do {
      const size_t n = std::min(chunk, pdf->size() - offset);
      pb::ArchivedPaperChunk message;
      if (chunks.empty()) {
        ToProto(*entry, message.mutable_paper());
        if (req.include_request() && !message.mutable_request()->ParseFromString(entry->request)) {
          call->Fail(absl::DataLossError("the stored request does not parse"));
          return;
        }
      }
      message.set_data(pdf->substr(offset, n));
      chunks.push_back(ToBuffer(message.SerializeAsString()));
      total += chunks.back().Length();
      offset += n;
    } while (offset < pdf->size());
    if (!call->Reserve(total)) return;
    call->Send(std::move(chunks));
  };
  handler_.Submit(reactor, std::move(work), /*sends_pdf=*/true);
  return reactor;
}

}  // namespace pp::service::archive
