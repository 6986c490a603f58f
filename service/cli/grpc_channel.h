// File: service/cli/grpc_channel.h
//
// MakeChannel: a gRPC channel to a panelpaperd, with the TLS/mTLS settings of
// RemoteOptions (service/remote_client.h). Shared by every client call the
// CLI makes (render, pack, archive...).
#ifndef PANELPAPER_SERVICE_CLI_GRPC_CHANNEL_H_
#define PANELPAPER_SERVICE_CLI_GRPC_CHANNEL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "service/cli/remote_client.h"

namespace pp::service {

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const RemoteOptions& options);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_CLI_GRPC_CHANNEL_H_
