// load_generator: drives panelpaperd with N concurrent clients for a fixed
// number of calls and reports throughput, latency percentiles and the
// server's memory, beside the in-process ceiling.
//
//   build/bin/load_generator --clients=16 --calls=100000
//       (starts build/bin/panelpaperd on a free loopback port itself)
//   build/bin/load_generator --server=127.0.0.1:50051 --server_pid=1234 ...
//
// Before the run it measures the in-process ceiling: the reference paper
// converted and rendered on one thread (`--ceiling_renders` times, median of
// batches), and ceiling = cores / time per paper — what the machine could do
// with every core rendering and no gRPC at all. Client and server share the
// machine, so the measured rate also pays for the clients.
//
// Each client is a thread with its own channel (own TCP connection) running
// calls back to back (closed loop) with a pre-serialized request; responses
// are checked for size on every call and fully (SHA-256 of the PDF against
// the first response) every --verify_every calls. The server's RSS
// (/proc/PID/status VmRSS) is sampled before warm-up, after warm-up and every
// --checkpoint_every calls; "RSS drift" compares the sample at the first
// checkpoint with the one at the end.
//
// When it starts panelpaperd itself it drains the server's stderr and counts
// access-log lines, which must equal the number of calls made.
//
// --method=ArchivePaper archives the request (with a fixed sign-off) under a
// new paper id per call ("load-<pid>-<n>") with the bearer token in
// --token_file; each answer must say created. --server=HOST:PORT,HOST:PORT
// balances every client's channel over the servers (round_robin): the
// replicas of tests/benchmarks/fleet_figures.py.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/client_unary_call.h"
#include "panelpaper/v1/archive_service.pb.h"
#include "panelpaper/v1/paper_service.grpc.pb.h"
#include "renderers/renderer.h"
#include "service/request_converter.h"
#include "service/sha256.h"

ABSL_FLAG(std::string, server, "", "HOST:PORT of a running panelpaperd; empty: start one");
ABSL_FLAG(int, server_pid, 0, "pid of the --server process, for its RSS");
ABSL_FLAG(std::string, panelpaperd, "", "server binary to start (default: <dir of this binary>/panelpaperd)");
ABSL_FLAG(std::string, server_args, "", "extra flags for the started server, space-separated");
ABSL_FLAG(int, clients, 16, "concurrent clients (threads, one channel each)");
ABSL_FLAG(int, calls, 100000, "calls to measure (after warm-up)");
ABSL_FLAG(int, warmup, 500, "calls before measuring");
ABSL_FLAG(std::string, method, "RenderPaper", "RenderPaper, StreamPaper or ArchivePaper");
ABSL_FLAG(std::string, token_file, "", "ArchivePaper: file holding the bearer token");
ABSL_FLAG(std::string, request, PP_LOAD_FIXTURE, "RenderPaperRequest JSON to send");
ABSL_FLAG(int, checkpoint_every, 10000, "sample the server's RSS every N calls");
ABSL_FLAG(int, verify_every, 1000, "check the full PDF's SHA-256 every N calls");
ABSL_FLAG(int, ceiling_renders, 400, "in-process renders for the ceiling (0: skip)");
ABSL_FLAG(double, timeout, 30, "per-call deadline, seconds");

namespace {

namespace pb = ::panelpaper::v1;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

long RssKiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// User + system CPU seconds of a process (/proc/PID/stat fields 14, 15).
double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(stat.substr(paren + 2));
  std::string f;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(f);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string Mib(long kib) { return absl::StrCat(kib / 1024, ".", (kib % 1024) * 10 / 1024, " MiB"); }

// ---- the in-process ceiling ----

double InProcessMsPerPaper(const pb::RenderPaperRequest& req, int renders) {
  auto fonts = pp::text::FontSet::Load(pp::text::DefaultFontsDir());
  if (!fonts.ok()) {
    std::fprintf(stderr, "fonts: %s\n", std::string(fonts.status().message()).c_str());
    std::exit(1);
  }
  auto once = [&] {
    auto job = pp::service::ConvertRenderPaperRequest(req, **fonts, {});
    if (!job.ok()) std::exit(1);
    pp::RenderOptions o;
    o.compress_content = job->compress_content;
    auto pdf = pp::RenderPaper(job->paper, **fonts, o);
    if (!pdf.ok()) std::exit(1);
  };
  for (int i = 0; i < 20; ++i) once();  // warm caches and the allocator
  std::vector<double> batches;
  const int batch = 20;
  for (int b = 0; b < std::max(1, renders / batch); ++b) {
    const auto t = Clock::now();
    for (int i = 0; i < batch; ++i) once();
    batches.push_back(Ms(Clock::now() - t) / batch);
  }
  std::sort(batches.begin(), batches.end());
  return batches[batches.size() / 2];
}

// ---- starting panelpaperd ----

struct StartedServer {
  pid_t pid = 0;
  std::string address;
  std::atomic<long> access_lines{0};
  std::atomic<long> other_lines{0};
  std::thread drain;
  std::mutex mu;
  std::vector<std::string> sample;  // first non-access lines, for errors
};

bool StartServer(const std::string& binary, const std::string& extra, StartedServer* s) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  std::vector<std::string> args = {binary, "--listen=127.0.0.1:0"};
  for (absl::string_view a : absl::StrSplit(extra, ' ', absl::SkipEmpty())) args.emplace_back(a);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  const int rc = posix_spawn(&s->pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    std::fprintf(stderr, "cannot start %s\n", binary.c_str());
    return false;
  }
  FILE* err = fdopen(fds[0], "r");
  char* line = nullptr;
  size_t cap = 0;
  while (getline(&line, &cap, err) > 0) {
    const std::string l(line);
    const size_t at = l.find("serving on ");
    if (at != std::string::npos) {
      s->address = l.substr(at + 11, l.find(' ', at + 11) - at - 11);
      std::fprintf(stderr, "%s", l.c_str());
      break;
    }
    std::fprintf(stderr, "server: %s", l.c_str());
  }
  if (s->address.empty()) return false;
  s->drain = std::thread([s, err, line, cap]() mutable {
    while (getline(&line, &cap, err) > 0) {
      if (std::strstr(line, " access ") != nullptr) {
        s->access_lines.fetch_add(1, std::memory_order_relaxed);
      } else {
        s->other_lines.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard<std::mutex> lock(s->mu);
        if (s->sample.size() < 5) s->sample.emplace_back(line);
      }
    }
    free(line);
    fclose(err);
  });
  return true;
}

// ---- clients ----

struct Totals {
  std::vector<double> latencies_ms;
  std::map<std::string, long> errors;
  long bytes_in = 0;
};

class Client {
 public:
  // `address`: HOST:PORT, or several comma-separated (round_robin over them).
  Client(const std::string& address, int id, const std::string& method, std::string request,
         std::string token = "")
      : method_(method), request_(std::move(request)), token_(std::move(token)), id_(id) {
    grpc::ChannelArguments args;
    args.SetInt("pp.load_generator.client", id);  // distinct args: own connection
    args.SetMaxReceiveMessageSize(-1);
    std::string target = address;
    if (address.find(',') != std::string::npos) {
      target = "ipv4:" + address;
      args.SetLoadBalancingPolicyName("round_robin");
    }
    channel_ = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    stub_ = pb::PaperService::NewStub(channel_);
  }

  // One call; returns the PDF size (or -1) and, when `pdf` is given, the bytes.
  grpc::Status Call(double timeout_s, long* size, std::string* pdf) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::microseconds(static_cast<long>(timeout_s * 1e6)));
    if (method_ == "ArchivePaper") return Archive(&ctx, size);
    if (method_ == "StreamPaper") {
      // Typed: the stream reads PaperChunks.
      if (parsed_.ByteSizeLong() == 0) parsed_.ParseFromString(request_);
      auto reader = stub_->StreamPaper(&ctx, parsed_);
      pb::PaperChunk chunk;
      long n = 0;
      while (reader->Read(&chunk)) {
        n += static_cast<long>(chunk.data().size());
        if (pdf != nullptr) pdf->append(chunk.data());
      }
      *size = n;
      return reader->Finish();
    }
    grpc::Slice slice(request_);
    grpc::ByteBuffer in(&slice, 1), out;
    const grpc::Status s = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel_.get(),
        grpc::internal::RpcMethod("/panelpaper.v1.PaperService/RenderPaper",
                                  grpc::internal::RpcMethod::NORMAL_RPC),
        &ctx, in, &out);
    *size = static_cast<long>(out.Length());
    if (s.ok() && pdf != nullptr) {
      std::vector<grpc::Slice> slices;
      (void)out.Dump(&slices);
      std::string bytes;
      for (auto& sl : slices) bytes.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
      pb::RenderPaperResponse resp;
      resp.ParseFromString(bytes);
      *pdf = resp.pdf();
    }
    return s;
  }

 private:
  // ArchivePaper under a new id (request_ is the render request's bytes).
  grpc::Status Archive(grpc::ClientContext* ctx, long* size) {
    pb::ArchivePaperRequest req;
    req.set_paper_id(absl::StrCat("load-", getpid(), "-", id_, "-", ++archived_));
    if (!req.mutable_render()->ParseFromString(request_)) std::abort();
    pb::SignOffRecord* so = req.mutable_sign_off();
    so->set_approved_by("Load Generator");
    so->set_decision_date("2020-01-08");
    so->set_decision_reference("LOAD/1");
    ctx->AddMetadata("authorization", "Bearer " + token_);
    const std::string bytes = req.SerializeAsString();
    grpc::Slice slice(bytes);
    grpc::ByteBuffer in(&slice, 1), out;
    grpc::Status s = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel_.get(),
        grpc::internal::RpcMethod("/panelpaper.v1.ArchiveService/ArchivePaper",
                                  grpc::internal::RpcMethod::NORMAL_RPC),
        ctx, in, &out);
    *size = -1;
    if (!s.ok()) return s;
    std::vector<grpc::Slice> slices;
    (void)out.Dump(&slices);
    std::string answer;
    for (auto& sl : slices) answer.append(reinterpret_cast<const char*>(sl.begin()), sl.size());
    pb::ArchivePaperResponse resp;
    if (!resp.ParseFromString(answer) || !resp.created()) {
      return grpc::Status(grpc::StatusCode::UNKNOWN, "not created");
    }
    *size = static_cast<long>(resp.size_bytes());
    return s;
  }

  std::string method_;
  std::string request_;
  std::string token_;
  int id_;
  long archived_ = 0;
  pb::RenderPaperRequest parsed_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pb::PaperService::Stub> stub_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("load generator for panelpaperd (see the header comment)");
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);

  std::ifstream in(absl::GetFlag(FLAGS_request));
  std::stringstream ss;
  ss << in.rdbuf();
  pb::RenderPaperRequest req;
  if (!google::protobuf::util::JsonStringToMessage(ss.str(), &req).ok()) {
    std::fprintf(stderr, "cannot parse %s\n", absl::GetFlag(FLAGS_request).c_str());
    return 2;
  }
  const std::string request_bytes = req.SerializeAsString();
  const std::string method = absl::GetFlag(FLAGS_method);
  if (method != "RenderPaper" && method != "StreamPaper" && method != "ArchivePaper") {
    std::fprintf(stderr, "--method must be RenderPaper, StreamPaper or ArchivePaper\n");
    return 2;
  }
  std::string token;
  if (method == "ArchivePaper") {
    std::ifstream token_in(absl::GetFlag(FLAGS_token_file));
    std::getline(token_in, token);
    if (token.empty()) {
      std::fprintf(stderr, "--method=ArchivePaper needs --token_file (a file holding the token)\n");
      return 2;
    }
  }
  // ArchivePaper answers name the PDF (every paper differs by its id): no
  // byte comparison, only "created" and the size.
  const bool compare_pdfs = method != "ArchivePaper";

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  double ms_per_paper = 0;
  if (absl::GetFlag(FLAGS_ceiling_renders) > 0) {
    ms_per_paper = InProcessMsPerPaper(req, absl::GetFlag(FLAGS_ceiling_renders));
    std::printf("in-process render: %.3f ms/paper on one core -> ceiling %u cores / %.3f ms = %.0f papers/s\n",
                ms_per_paper, cores, ms_per_paper, cores * 1000.0 / ms_per_paper);
  }

  // The server.
  StartedServer started;
  std::string address = absl::GetFlag(FLAGS_server);
  int server_pid = absl::GetFlag(FLAGS_server_pid);
  if (address.empty()) {
    std::string binary = absl::GetFlag(FLAGS_panelpaperd);
    if (binary.empty()) {
      char self[4096];
      const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
      std::string dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : std::string(argv[0]);
      binary = dir.substr(0, dir.rfind('/')) + "/panelpaperd";
    }
    if (!StartServer(binary, absl::GetFlag(FLAGS_server_args), &started)) return 1;
    address = started.address;
    server_pid = started.pid;
  }
  const long rss_fresh = server_pid > 0 ? RssKiB(server_pid) : -1;

  const int n_clients = std::max(1, absl::GetFlag(FLAGS_clients));
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < n_clients; ++i) clients.push_back(std::make_unique<Client>(address, i, method, request_bytes, token));

  // Reference answer: the first response's PDF.
  std::string reference_pdf;
  long size = 0;
  {
    const grpc::Status s = clients[0]->Call(absl::GetFlag(FLAGS_timeout), &size, &reference_pdf);
    if (!s.ok()) {
      std::fprintf(stderr, "first call failed: %d %s\n", s.error_code(), s.error_message().c_str());
      return 1;
    }
  }
  const std::string reference_sha = pp::service::Sha256Hex(reference_pdf);

  auto run = [&](long total, bool record, std::vector<std::pair<long, long>>* rss_samples) {
    std::atomic<long> next{0}, done{0};
    std::vector<Totals> totals(static_cast<size_t>(n_clients));
    const int verify_every = std::max(1, absl::GetFlag(FLAGS_verify_every));
    std::vector<std::thread> threads;
    for (int c = 0; c < n_clients; ++c) {
      threads.emplace_back([&, c] {
        Totals& t = totals[static_cast<size_t>(c)];
        if (record) t.latencies_ms.reserve(static_cast<size_t>(total / n_clients + 16));
        while (true) {
          const long i = next.fetch_add(1);
          if (i >= total) break;
          const bool verify = compare_pdfs && i % verify_every == 0;
          std::string pdf;
          long got = 0;
          const auto start = Clock::now();
          const grpc::Status s = clients[static_cast<size_t>(c)]->Call(absl::GetFlag(FLAGS_timeout), &got,
                                                                        verify ? &pdf : nullptr);
          const double ms = Ms(Clock::now() - start);
          if (!s.ok()) {
            t.errors[absl::StrCat("code ", s.error_code())]++;
          } else if (verify && pp::service::Sha256Hex(pdf) != reference_sha) {
            t.errors["wrong PDF"]++;
          } else if (got < static_cast<long>(reference_pdf.size()) || got <= 0) {
            t.errors["short response"]++;
          }
          if (record) t.latencies_ms.push_back(ms);
          done.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    // RSS checkpoints.
    const long every = std::max(1, absl::GetFlag(FLAGS_checkpoint_every));
    long next_checkpoint = every;
    while (done.load() < total) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (rss_samples != nullptr && server_pid > 0 && done.load() >= next_checkpoint) {
        rss_samples->emplace_back(next_checkpoint, RssKiB(server_pid));
        next_checkpoint += every;
      }
    }
    for (auto& t : threads) t.join();
    if (rss_samples != nullptr && server_pid > 0 &&
        (rss_samples->empty() || rss_samples->back().first != total)) {
      rss_samples->emplace_back(total, RssKiB(server_pid));
    }
    Totals all;
    for (auto& t : totals) {
      all.latencies_ms.insert(all.latencies_ms.end(), t.latencies_ms.begin(), t.latencies_ms.end());
      for (auto& [k, v] : t.errors) all.errors[k] += v;
    }
    return all;
  };

  const long warmup = std::max(0, absl::GetFlag(FLAGS_warmup));
  if (warmup > 0) run(warmup, false, nullptr);
  const long rss_warm = server_pid > 0 ? RssKiB(server_pid) : -1;

  const long calls = std::max(1, absl::GetFlag(FLAGS_calls));
  std::vector<std::pair<long, long>> rss;
  const double server_cpu0 = server_pid > 0 ? CpuSeconds(server_pid) : 0;
  const double self_cpu0 = CpuSeconds(getpid());
  const auto t0 = Clock::now();
  Totals result = run(calls, true, &rss);
  const double seconds = Ms(Clock::now() - t0) / 1000.0;
  const double server_cpu = server_pid > 0 ? CpuSeconds(server_pid) - server_cpu0 : 0;
  const double self_cpu = CpuSeconds(getpid()) - self_cpu0;

  std::sort(result.latencies_ms.begin(), result.latencies_ms.end());
  auto pct = [&](double p) {
    const auto& v = result.latencies_ms;
    return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
  };
  long errors = 0;
  for (auto& [k, v] : result.errors) errors += v;

  std::printf("\n%s x %ld calls, %d clients, %s (%zu-byte request, %zu-byte PDF, sha256 %.12s...)\n",
              method.c_str(), calls, n_clients, address.c_str(), request_bytes.size(),
              reference_pdf.size(), reference_sha.c_str());
  std::printf("throughput: %.1f papers/s over %.1f s", calls / seconds, seconds);
  if (ms_per_paper > 0) {
    std::printf("  (in-process ceiling %.0f papers/s: %.0f %%)", cores * 1000.0 / ms_per_paper,
                100.0 * (calls / seconds) / (cores * 1000.0 / ms_per_paper));
  }
  std::printf("\nlatency ms: p50 %.2f  p95 %.2f  p99 %.2f  max %.2f\n", pct(0.50), pct(0.95), pct(0.99),
              result.latencies_ms.back());
  std::printf("CPU per call: server %.3f ms, clients %.3f ms (machine: %u cores x %.1f s = %.1f core-s; used %.1f)\n",
              server_pid > 0 ? 1000.0 * server_cpu / static_cast<double>(calls) : 0.0,
              1000.0 * self_cpu / static_cast<double>(calls), cores, seconds, cores * seconds,
              server_cpu + self_cpu);
  std::printf("errors: %ld", errors);
  for (auto& [k, v] : result.errors) std::printf("  [%s: %ld]", k.c_str(), v);
  std::printf("\n");
  if (server_pid > 0) {
    std::printf("server RSS: fresh %s, after %ld warm-up calls %s\n", Mib(rss_fresh).c_str(), warmup,
                Mib(rss_warm).c_str());
    std::printf("server RSS by calls:");
    for (auto& [n, kib] : rss) std::printf("  %ld: %s", n, Mib(kib).c_str());
    std::printf("\n");
    if (rss.size() >= 2) {
      const double drift = 100.0 * static_cast<double>(rss.back().second - rss.front().second) /
                           static_cast<double>(rss.front().second);
      std::printf("RSS drift %ld -> %ld calls: %+.1f %%\n", rss.front().first, rss.back().first, drift);
    }
  }

  int exit_code = errors == 0 ? 0 : 1;
  if (started.pid > 0) {
    kill(started.pid, SIGTERM);
    int status = 0;
    waitpid(started.pid, &status, 0);
    started.drain.join();
    const long expected = calls + warmup + 1;
    std::printf("server: exit status %d after SIGTERM; access-log lines %ld (calls made %ld)\n",
                WIFEXITED(status) ? WEXITSTATUS(status) : -1, started.access_lines.load(), expected);
    for (auto& l : started.sample) std::printf("server said: %s", l.c_str());
    // (No access lines at all: the server was started with --log_level above info.)
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        (started.access_lines.load() != 0 && started.access_lines.load() != expected)) {
      exit_code = 1;
    }
  }
  return exit_code;
}
