// File: service/cli/archive_client.h
//
// Calling a panelpaperd's ArchiveService (the CLI's archive, get, verify and
// list commands). Channels and TLS as RemoteOptions says
// (service/grpc_channel.h); `token`, when not empty, is sent as
// `authorization: Bearer <token>`. Errors are absl::Status values restored
// by FromGrpcStatus (BadRequest details readable with BadRequestViolations);
// an unreachable server is UNAVAILABLE "cannot reach HOST:PORT: ...".
// No gRPC types in this header.
//
//   RemoteOptions o;
//   o.server = "127.0.0.1:50051";
//   absl::StatusOr<ArchivePaperResponse> r = ArchiveRemotely(o, token, request);
#ifndef PANELPAPER_SERVICE_CLI_ARCHIVE_CLIENT_H_
#define PANELPAPER_SERVICE_CLI_ARCHIVE_CLIENT_H_

#include <string>

#include "absl/status/statusor.h"
#include "panelpaper/v1/archive_service.pb.h"
#include "service/cli/remote_client.h"

namespace pp::service::archive {

absl::StatusOr<panelpaper::v1::ArchivePaperResponse> ArchiveRemotely(
    const RemoteOptions& options, const std::string& token,
    const panelpaper::v1::ArchivePaperRequest& request);

struct RemoteArchivedPdf {
  std::string bytes;
  panelpaper::v1::ArchivedPaper paper;
  panelpaper::v1::ArchivePaperRequest request;  // when asked for
};

// Streams the PDF and checks it against the size and SHA-256 of the record
// the server sent (DATA_LOSS otherwise).
absl::StatusOr<RemoteArchivedPdf> GetArchivedRemotely(const RemoteOptions& options,
                                                      const std::string& token,
                                                      const std::string& paper_id,
                                                      bool include_request);

absl::StatusOr<panelpaper::v1::VerifyArchivedPaperResponse> VerifyRemotely(
    const RemoteOptions& options, const std::string& token, const std::string& paper_id);

// One page.
absl::StatusOr<panelpaper::v1::ListArchivedPapersResponse> ListRemotely(
    const RemoteOptions& options, const std::string& token,
    const panelpaper::v1::ListArchivedPapersRequest& request);

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_CLI_ARCHIVE_CLIENT_H_
