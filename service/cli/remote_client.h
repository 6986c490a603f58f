// File: service/cli/remote_client.h
//
// Rendering through a running panelpaperd: the CLI's `--server` mode. Uses
// StreamPaper, so PDFs of any size arrive within gRPC's default 4 MiB
// receive limit, and checks the reassembled bytes against the size and
// SHA-256 the server announced (DATA_LOSS otherwise).
//
// No gRPC types in this header (the CLI stays quick to compile); errors are
// absl::Status values restored by FromGrpcStatus, so the caller reads the
// BadRequest / QuotaFailure details with BadRequestViolations() /
// QuotaFailureViolations() (service/status_mapping.h).
//
//   RemoteOptions o;
//   o.server = "127.0.0.1:50051";
//   absl::StatusOr<RemotePdf> pdf = RenderRemotely(o, request);
#ifndef PANELPAPER_SERVICE_CLI_REMOTE_CLIENT_H_
#define PANELPAPER_SERVICE_CLI_REMOTE_CLIENT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "panelpaper/v1/paper_service.pb.h"

namespace pp::service {

struct RemoteOptions {
  std::string server;           // HOST:PORT
  // TLS. Any of these (or `tls`) switches TLS on.
  bool tls = false;             // TLS, verifying the server against the system roots
  std::string tls_ca;           // PEM file: verify the server against this CA instead
  std::string tls_cert;         // PEM file: client certificate (mTLS), needs tls_key
  std::string tls_key;          // PEM file: the client certificate's private key
  std::string tls_server_name;  // expected name in the server's certificate (default: HOST)
  absl::Duration timeout = absl::Seconds(60);  // the call's deadline
};

struct RemotePdf {
  std::string bytes;
  panelpaper::v1::PdfInfo info;
};

absl::StatusOr<RemotePdf> RenderRemotely(const RemoteOptions& options,
                                         const panelpaper::v1::RenderPaperRequest& request);

struct RemotePack {
  std::string bytes;
  panelpaper::v1::PdfInfo info;
  std::vector<panelpaper::v1::PackItemPages> items;
};

// RenderAgendaPack; `progress` (optional) sees (items done, items total).
absl::StatusOr<RemotePack> RenderPackRemotely(
    const RemoteOptions& options, const panelpaper::v1::RenderAgendaPackRequest& request,
    const std::function<void(int, int)>& progress);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_CLI_REMOTE_CLIENT_H_
