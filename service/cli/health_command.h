// File: service/cli/health_command.h
//
// `panelpaper health --server HOST:PORT [TLS flags] [--service NAME]
// [--timeout S]`: asks a panelpaperd's grpc.health.v1.Health/Check (the
// whole server, or one service) and exits 0 when it answers SERVING, 1 when
// it answers anything else or cannot be reached, 2 on bad arguments. Meant
// as a Kubernetes exec probe where mTLS keeps kubelet's own gRPC probe out
// (the TLS flags are the render command's).
#ifndef PANELPAPER_SERVICE_CLI_HEALTH_COMMAND_H_
#define PANELPAPER_SERVICE_CLI_HEALTH_COMMAND_H_

#include "service/cli/command_line.h"

namespace pp::service {

// Registers `health` on the CLI's parser.
void AddHealthCommand(pp::cli::CommandSet& commands);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_CLI_HEALTH_COMMAND_H_
