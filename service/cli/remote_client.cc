#include "service/cli/remote_client.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "panelpaper/v1/paper_service.grpc.pb.h"
#include "service/cli/cli_files.h"
#include "service/cli/grpc_channel.h"
#include "service/sha256.h"
#include "service/status_mapping.h"

namespace pp::service {
namespace {

absl::Status ReadPem(const std::string& path, std::string* out) {
  absl::StatusOr<std::string> text = pp::cli::ReadFile(path);
  if (!text.ok()) return text.status();
  *out = *std::move(text);
  return absl::OkStatus();
}

// A failed call's status, with the address when the server can't be reached.
absl::Status CallFailure(const grpc::Status& status, const std::string& server) {
  absl::Status s = FromGrpcStatus(status);
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    return absl::Status(s.code(), absl::StrCat("cannot reach ", server, ": ", s.message()));
  }
  return s;
}

// Checks reassembled bytes against the size and SHA-256 the server announced.
absl::Status CheckReceived(const std::string& bytes, const panelpaper::v1::PdfInfo& info) {
  if (static_cast<int64_t>(bytes.size()) != info.size_bytes()) {
    return absl::DataLossError(
        absl::StrCat("received ", bytes.size(), " bytes, the server announced ", info.size_bytes()));
  }
  if (Sha256Hex(bytes) != info.sha256()) {
    return absl::DataLossError("the received PDF does not match the SHA-256 the server announced");
  }
  return absl::OkStatus();
}

}  // namespace

// A channel to options.server, with TLS as the options say.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const RemoteOptions& options) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments args;
  const bool tls = options.tls || !options.tls_ca.empty() || !options.tls_cert.empty() ||
                   !options.tls_key.empty();
  if (tls) {
    if (options.tls_cert.empty() != options.tls_key.empty()) {
      return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
    }
    grpc::SslCredentialsOptions ssl;
    if (!options.tls_ca.empty()) {
      if (absl::Status s = ReadPem(options.tls_ca, &ssl.pem_root_certs); !s.ok()) return s;
    }
    if (!options.tls_cert.empty()) {
      if (absl::Status s = ReadPem(options.tls_cert, &ssl.pem_cert_chain); !s.ok()) return s;
      if (absl::Status s = ReadPem(options.tls_key, &ssl.pem_private_key); !s.ok()) return s;
    }
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) {
      args.SetSslTargetNameOverride(options.tls_server_name);
    }
  } else {
    credentials = grpc::InsecureChannelCredentials();
  }
  // Requests may exceed the default limits on neither side: the server
  // decides (--max_request_bytes); chunks are at most 1 MiB.
  args.SetMaxSendMessageSize(-1);
  return grpc::CreateCustomChannel(options.server, credentials, args);
}

absl::StatusOr<RemotePdf> RenderRemotely(const RemoteOptions& options,
                                         const panelpaper::v1::RenderPaperRequest& request) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  if (!channel.ok()) return channel.status();
  auto stub = panelpaper::v1::PaperService::NewStub(*channel);

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(options.timeout));
  std::unique_ptr<grpc::ClientReader<panelpaper::v1::PaperChunk>> reader =
      stub->StreamPaper(&context, request);
  RemotePdf out;
  panelpaper::v1::PaperChunk chunk;
  bool first = true;
  while (reader->Read(&chunk)) {
    if (first) {
      out.info = chunk.info();
      if (out.info.size_bytes() > 0) out.bytes.reserve(static_cast<size_t>(out.info.size_bytes()));
      first = false;
    }
    out.bytes.append(chunk.data());
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) return CallFailure(status, options.server);
  if (first) return absl::DataLossError("the server sent no PDF");
  if (absl::Status s = CheckReceived(out.bytes, out.info); !s.ok()) return s;
  return out;
}

absl::StatusOr<RemotePack> RenderPackRemotely(
    const RemoteOptions& options, const panelpaper::v1::RenderAgendaPackRequest& request,
    const std::function<void(int, int)>& progress) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  if (!channel.ok()) return channel.status();
  auto stub = panelpaper::v1::PaperService::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(options.timeout));
  std::unique_ptr<grpc::ClientReader<panelpaper::v1::AgendaPackChunk>> reader =
      stub->RenderAgendaPack(&context, request);
  RemotePack out;
  panelpaper::v1::AgendaPackChunk chunk;
  bool have_info = false;
  while (reader->Read(&chunk)) {
    if (chunk.has_progress()) {
      if (progress) progress(chunk.progress().items_done(), chunk.progress().items_total());
      continue;
    }
    if (chunk.has_info()) {
      out.info = chunk.info();
      out.items.assign(chunk.items().begin(), chunk.items().end());
      if (out.info.size_bytes() > 0) out.bytes.reserve(static_cast<size_t>(out.info.size_bytes()));
      have_info = true;
    }
    out.bytes.append(chunk.data());
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) return CallFailure(status, options.server);
  if (!have_info) return absl::DataLossError("the server sent no PDF");
  if (absl::Status s = CheckReceived(out.bytes, out.info); !s.ok()) return s;
  return out;
}

}  // namespace pp::service
