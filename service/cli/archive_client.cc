#include "service/cli/archive_client.h"

#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "panelpaper/v1/archive_service.grpc.pb.h"
#include "service/cli/grpc_channel.h"
#include "service/sha256.h"
#include "service/status_mapping.h"

namespace pp::service::archive {
namespace {

namespace pb = ::panelpaper::v1;

absl::StatusOr<std::unique_ptr<pb::ArchiveService::Stub>> Stub(const RemoteOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  if (!channel.ok()) return channel.status();
  return pb::ArchiveService::NewStub(*channel);
}

void Prepare(const RemoteOptions& options, const std::string& token, grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(options.timeout));
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

absl::Status Failed(const RemoteOptions& options, const grpc::Status& status) {
  absl::Status s = FromGrpcStatus(status);
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return absl::Status(s.code(), absl::StrCat("cannot reach ", options.server, ": ", s.message()));
  }
  return s;
}

}  // namespace

absl::StatusOr<pb::ArchivePaperResponse> ArchiveRemotely(const RemoteOptions& options,
                                                         const std::string& token,
                                                         const pb::ArchivePaperRequest& request) {
  auto stub = Stub(options);
  if (!stub.ok()) return stub.status();
  grpc::ClientContext context;
  Prepare(options, token, &context);
  pb::ArchivePaperResponse out;
  const grpc::Status status = (*stub)->ArchivePaper(&context, request, &out);
  if (!status.ok()) return Failed(options, status);
  return out;
}

absl::StatusOr<RemoteArchivedPdf> GetArchivedRemotely(const RemoteOptions& options,
                                                      const std::string& token,
                                                      const std::string& paper_id,
                                                      bool include_request) {
  auto stub = Stub(options);
  if (!stub.ok()) return stub.status();
  grpc::ClientContext context;
  Prepare(options, token, &context);
  pb::GetArchivedPaperRequest request;
  request.set_paper_id(paper_id);
  request.set_include_request(include_request);
  std::unique_ptr<grpc::ClientReader<pb::ArchivedPaperChunk>> reader =
      (*stub)->GetArchivedPaper(&context, request);
  RemoteArchivedPdf out;
  pb::ArchivedPaperChunk chunk;
  bool first = true;
  while (reader->Read(&chunk)) {
    if (first) {
      out.paper = chunk.paper();
      out.request = chunk.request();
      if (out.paper.pdf().size_bytes() > 0) {
        out.bytes.reserve(static_cast<size_t>(out.paper.pdf().size_bytes()));
      }
      first = false;
    }
    out.bytes.append(chunk.data());
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) return Failed(options, status);
  if (first) return absl::DataLossError("the server sent no PDF");
  if (static_cast<int64_t>(out.bytes.size()) != out.paper.pdf().size_bytes() ||
      Sha256Hex(out.bytes) != out.paper.pdf().sha256()) {
    return absl::DataLossError(
        "the received PDF does not match the size and SHA-256 of its archive record");
  }
  return out;
}

absl::StatusOr<pb::VerifyArchivedPaperResponse> VerifyRemotely(const RemoteOptions& options,
                                                               const std::string& token,
                                                               const std::string& paper_id) {
  auto stub = Stub(options);
  if (!stub.ok()) return stub.status();
  grpc::ClientContext context;
  Prepare(options, token, &context);
  pb::VerifyArchivedPaperRequest request;
  request.set_paper_id(paper_id);
  pb::VerifyArchivedPaperResponse out;
  const grpc::Status status = (*stub)->VerifyArchivedPaper(&context, request, &out);
  if (!status.ok()) return Failed(options, status);
  return out;
}

absl::StatusOr<pb::ListArchivedPapersResponse> ListRemotely(
    const RemoteOptions& options, const std::string& token,
    const pb::ListArchivedPapersRequest& request) {
  auto stub = Stub(options);
  if (!stub.ok()) return stub.status();
  grpc::ClientContext context;
  Prepare(options, token, &context);
  pb::ListArchivedPapersResponse out;
  const grpc::Status status = (*stub)->ListArchivedPapers(&context, request, &out);
  if (!status.ok()) return Failed(options, status);
  return out;
}

}  // namespace pp::service::archive
