#include "service/cli/health_command.h"

#include <grpcpp/impl/client_unary_call.h>

#include <cstdint>
#include <memory>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "service/cli/command_line.h"
#include "service/cli/grpc_channel.h"
#include "service/cli/remote_client.h"

namespace pp::service {

namespace {

constexpr int kServing = 1;  // grpc.health.v1.HealthCheckResponse.ServingStatus

// Debian ships no health.proto: HealthCheckRequest {string service = 1} and
// HealthCheckResponse {ServingStatus status = 1} are encoded by hand.
std::string EncodeRequest(const std::string& service) {
  std::string out;
  if (service.empty()) return out;
  out += '\x0a';
  uint64_t n = service.size();
  while (n >= 0x80) {
    out += static_cast<char>((n & 0x7F) | 0x80);
    n >>= 7;
  }
  out += static_cast<char>(n);
  return out + service;
}

// The status field of a HealthCheckResponse (0, UNKNOWN, when absent);
// -1 when the bytes do not parse.
int64_t DecodeStatus(const std::string& bytes) {
  int64_t status = 0;
  size_t i = 0;
  auto varint = [&](uint64_t* v) {
    *v = 0;
    for (int shift = 0; i < bytes.size() && shift < 64; shift += 7) {
      const unsigned char c = static_cast<unsigned char>(bytes[i++]);
      *v |= static_cast<uint64_t>(c & 0x7F) << shift;
      if ((c & 0x80) == 0) return true;
    }
    return false;
  };
  while (i < bytes.size()) {
    uint64_t key = 0, value = 0;
    if (!varint(&key)) return -1;
    if ((key & 7) == 0) {
      if (!varint(&value)) return -1;
      if ((key >> 3) == 1) status = static_cast<int64_t>(value);
    } else if ((key & 7) == 2) {
      if (!varint(&value) || value > bytes.size() - i) return -1;
      i += value;
    } else {
      return -1;
    }
  }
  return status;
}

const char* StatusName(int64_t s) {
  switch (s) {
    case 0: return "UNKNOWN";
    case 1: return "SERVING";
    case 2: return "NOT_SERVING";
    case 3: return "SERVICE_UNKNOWN";
    default: return "unreadable";
  }
}


struct HealthArgs {
  pp::cli::ServerFlags server;
  std::string service;
};

int Health(const HealthArgs& args) {
  const RemoteOptions remote = args.server.Options();
  const std::string& service = args.service;
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(remote);
  if (!channel.ok()) {
    std::cerr << "panelpaper health: " << channel.status().message() << "\n";
    return pp::cli::kExitUsage;
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + remote.timeout));
  const std::string request = EncodeRequest(service);
  grpc::Slice slice(request);
  grpc::ByteBuffer in(&slice, 1);
  grpc::ByteBuffer out;
  const grpc::Status status = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
      channel->get(),
      grpc::internal::RpcMethod("/grpc.health.v1.Health/Check", grpc::internal::RpcMethod::NORMAL_RPC),
      &ctx, in, &out);
  if (!status.ok()) {
    std::cerr << "panelpaper health: " << remote.server << ": " << status.error_message() << " (code "
              << status.error_code() << ")\n";
    return 1;
  }
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (out.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  const int64_t serving = DecodeStatus(bytes);
  std::cout << (service.empty() ? std::string("server") : service) << ": " << StatusName(serving)
            << "\n";
  return serving == kServing ? 0 : 1;
}

}  // namespace

void AddHealthCommand(pp::cli::CommandSet& commands) {
  auto args = std::make_shared<HealthArgs>();
  args->server.timeout_seconds = 5;
  CLI::App* c = commands.Add(
      "health", "ask a panelpaperd whether it is serving (exit 0 when SERVING; a probe)",
      [args] { return Health(*args); });
  c->add_option("--service", args->service,
                "one service (e.g. panelpaper.v1.ArchiveService); default: the whole server")
      ->type_name("NAME");
  AddServerFlags(c, &args->server, /*required=*/true);
  c->footer("Exit status: 0 SERVING, 1 anything else or unreachable, 2 usage.");
}

}  // namespace pp::service
