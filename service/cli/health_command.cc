#include "service/cli/health_command.h"

#include <grpcpp/impl/client_unary_call.h>

#include <cstdint>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "service/grpc_channel.h"
#include "service/remote_client.h"

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

}  // namespace

int HealthCommand(const std::vector<std::string>& args) {
  RemoteOptions remote;
  remote.timeout = absl::Seconds(5);
  std::string service;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    bool ok = true;
    if (a == "--tls") {
      remote.tls = true;
    } else if (a == "--server") {
      ok = value(&remote.server);
    } else if (a == "--tls_ca") {
      ok = value(&remote.tls_ca);
    } else if (a == "--tls_cert") {
      ok = value(&remote.tls_cert);
    } else if (a == "--tls_key") {
      ok = value(&remote.tls_key);
    } else if (a == "--tls_server_name") {
      ok = value(&remote.tls_server_name);
    } else if (a == "--service") {
      ok = value(&service);
    } else if (a == "--timeout") {
      std::string t;
      double seconds = 0;
      ok = value(&t) && absl::SimpleAtod(t, &seconds) && seconds > 0;
      remote.timeout = absl::Seconds(seconds);
    } else {
      std::cerr << "panelpaper health: unknown argument '" << a << "'\n\nusage:\n" << kHealthUsage;
      return 2;
    }
    if (!ok) {
      std::cerr << "panelpaper health: " << a << " needs a valid value\n";
      return 2;
    }
  }
  if (remote.server.empty()) {
    std::cerr << "panelpaper health: --server HOST:PORT is required\n";
    return 2;
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(remote);
  if (!channel.ok()) {
    std::cerr << "panelpaper health: " << channel.status().message() << "\n";
    return 2;
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

}  // namespace pp::service
