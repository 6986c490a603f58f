// panelpaperd: the PaperService gRPC server (paper_service.proto).
//
//   panelpaperd [--listen=127.0.0.1:50051] [--fonts=DIR]
//               [--max_concurrent_renders=N] [--max_queued_renders=N]
//               [--max_request_bytes=N] [--max_unsent_bytes=N] [--stream_stall_timeout=60s]
//               [--tls_cert=PEM --tls_key=PEM [--tls_client_ca=PEM]
//               [--tls_reload_interval=60s]] [--log_level=info] [--log_format=text|json]
//               [--metrics_listen=HOST:PORT] [--busy_retry_delay=100ms]
//               [--render_auth=none|token|mtls [--render_token_file=F]] ...
//               [--archive_dir=DIR [--archive_token_file=F] [--archive_writers=ID,...]
//                [--archive_reads=authenticated|open]]   (service/archive/archive_setup.h)
//
// `panelpaperd --help` lists every flag; README.md ("Service") explains
// them with the limits and status codes. `panelpaperd --version [--fonts=DIR]`
// prints the renderer identity (renderers/identity.h) and exits. Also serves grpc.health.v1.Health
// and server reflection (v1alpha).
//
// Start-up prints "panelpaperd: serving on HOST:PORT ..." to stderr once the
// port is bound (with --listen=HOST:0 the line names the port picked).
// SIGTERM or SIGINT: health turns NOT_SERVING, new calls are refused with
// UNAVAILABLE, calls already admitted (running or queued) finish — up to
// --shutdown_grace, after which the rest are cancelled — then the listener
// and connections close and the process exits 0. A second signal exits at
// once with status 1.
//
// SIGHUP reloads without a restart: the archive's and the render token files
// are read again (archive_setup.h: an invalid file keeps the old tokens), and the TLS files
// are checked (service/tls_files.h) and what changed or what is wrong is
// logged; gRPC's FileWatcherCertificateProvider itself re-reads the TLS
// files every --tls_reload_interval (gRPC 1.51 cannot be told to reload at
// once); panelpaperd also checks them on that interval and logs a change or
// a problem when it sees one. No call is dropped.
//
// Exit status: 0 after a graceful shutdown; 1 start-up failure (fonts,
// TLS files, port); 2 bad flags.
#include <grpc/grpc.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "renderers/renderer.h"
#include "renderers/text/font_set.h"
#include "service/address.h"
#include "service/files.h"
#include "service/archive/archive_setup.h"
#include "service/log.h"
#include "service/paper_service.h"
#include "service/tls_files.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "HOST:PORT to listen on; port 0 picks a free port (printed at start-up). "
          "Use 0.0.0.0:PORT or [::]:PORT to accept remote clients (then use TLS).");
ABSL_FLAG(std::string, fonts, "",
          "font folder (default: $PANELPAPER_FONTS_DIR, else <bin>/../fonts)");
ABSL_FLAG(int, max_concurrent_renders, 0,
          "renders running at once (worker threads); 0 = one per CPU core");
ABSL_FLAG(int, max_queued_renders, 32,
          "calls that may wait for a worker; more are refused at once with RESOURCE_EXHAUSTED");
ABSL_FLAG(int64_t, max_request_bytes, 4 << 20,
          "largest request message accepted (bytes); larger: RESOURCE_EXHAUSTED");
ABSL_FLAG(int64_t, max_unary_response_bytes, 4 << 20,
          "largest RenderPaper response (bytes); larger PDFs: RESOURCE_EXHAUSTED, use StreamPaper");
ABSL_FLAG(int64_t, max_unsent_bytes, pp::service::kDefaultMaxUnsentBytes,
          "rendered (or archived) PDF bytes that may wait for their clients to read them, server-wide; "
          "while full, new PDF calls are refused with RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, stream_stall_timeout, absl::Milliseconds(
              pp::service::kDefaultStreamStallTimeout.count()),
          "a call whose client takes none of its PDF for this long is cancelled and its memory "
          "freed; 0 = never");
ABSL_FLAG(int64_t, max_string_bytes, 1 << 20,
          "largest single string field (bytes); larger: RESOURCE_EXHAUSTED");
ABSL_FLAG(int64_t, max_text_bytes, 8 << 20,
          "total text of one paper (bytes); more: RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_sections, 200, "sections per paper; more: RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_blocks, 20000,
          "blocks + list items + table rows + areas per paper; more: RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_table_rows, 5000, "rows per table; more: RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_table_columns, 50, "columns per table; more: INVALID_ARGUMENT");
ABSL_FLAG(int, max_list_depth, 6, "list nesting levels; deeper: INVALID_ARGUMENT");
ABSL_FLAG(int, max_pages, 500, "pages one paper may produce; more: RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_word_chars, 5000,
          "longest word (characters without a space or line break); longer: INVALID_ARGUMENT; "
          "0 = no limit");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM server certificate chain: serve TLS only (needs --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: require and verify a client certificate signed by it (mTLS)");
ABSL_FLAG(absl::Duration, tls_reload_interval, absl::Seconds(60),
          "how often gRPC re-reads --tls_cert, --tls_key and --tls_client_ca (a new certificate "
          "is served to new connections); 0 = read them once at start-up");
ABSL_FLAG(std::string, log_level, "info",
          "debug | info (one access-log line per call) | warning | error | off");
ABSL_FLAG(std::string, log_format, "text",
          "text (<time> <LEVEL> key=value ...) or json (one JSON object per line)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(30),
          "on SIGTERM/SIGINT, how long admitted calls may take to finish before they are cancelled");
ABSL_FLAG(absl::Duration, busy_retry_delay, absl::Milliseconds(100),
          "when a busy client should retry: RetryInfo and grpc-retry-pushback-ms of busy answers");
ABSL_FLAG(std::string, metrics_listen, "",
          "HOST:PORT to serve Prometheus metrics on (GET /metrics); empty: no metrics");
ABSL_FLAG(bool, reflection, true, "serve gRPC server reflection (v1alpha)");

namespace {

using pp::service::Log;
using pp::service::LogLevel;

constexpr char kServiceName[] = "panelpaper.v1.PaperService";

// The whole file into *out; false (after saying why) on failure.
bool ReadFile(const std::string& path, std::string* out) {
  absl::StatusOr<std::string> text = pp::service::ReadFile(path);
  if (!text.ok()) {
    std::cerr << "panelpaperd: " << text.status().message() << "\n";
    return false;
  }
  *out = *std::move(text);
  return true;
}

int Fail(int code, const std::string& message) {
  std::cerr << "panelpaperd: " << message << "\n";
  return code;
}

// Logs what TlsFilesMonitor found: the changes (INFO) or the problem
// (ERROR), each saying what it means for the server.
void LogTlsReport(const pp::service::TlsFilesMonitor::Report& report, absl::string_view prefix,
                  absl::Duration reload) {
  const bool watched = reload > absl::ZeroDuration();
  for (const std::string& line : report.lines) {
    if (!report.ok) {
      Log(LogLevel::kError,
          absl::StrCat(prefix, "TLS files: ", line,
                       watched ? "; gRPC's watcher loads the files as they are (an unreadable file "
                                 "excepted): new TLS connections fail until the files are put "
                                 "right; open connections are not affected"
                               : "; not in use (--tls_reload_interval=0)"));
    } else if (line == "unchanged") {
      Log(LogLevel::kInfo, absl::StrCat(prefix, "TLS files unchanged"));
    } else {
      Log(LogLevel::kInfo,
          absl::StrCat(prefix, "TLS ", line,
                       watched ? absl::StrCat(" (new connections get it within ",
                                              absl::FormatDuration(reload), ")")
                               : std::string(" (not in use: --tls_reload_interval=0 reads the "
                                             "files only at start-up)")));
    }
  }
}

// HOST:PORT with the port the server actually bound.
std::string BoundAddress(const std::string& listen, int port) {
  const size_t colon = listen.rfind(':');
  return absl::StrCat(colon == std::string::npos ? listen : listen.substr(0, colon), ":", port);
}

}  // namespace

int main(int argc, char** argv) {
  // Signals are taken synchronously by sigwait below: block them before any
  // thread (gRPC's, the workers) exists so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigset_t stop_signals = signals;
  sigaddset(&signals, SIGHUP);  // reload (below), never the default: terminate
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::SetProgramUsageMessage(
      "the panelpaper gRPC server (panelpaper.v1.PaperService, health, reflection).\n"
      "usage: panelpaperd [--listen=HOST:PORT] [--tls_cert=F --tls_key=F [--tls_client_ca=F]] "
      "[--archive_dir=DIR --archive_token_file=F] [flags]");
  // --help lists every panelpaperd flag with its default (absl's default
  // lists only flags of a file named like the program: "No flags matched");
  // --version prints the renderer identity of the --fonts folder (absl calls
  // this after parsing every flag).
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) { return !absl::StrContains(file, "absl/"); };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  usage.normalize_filename = [](absl::string_view file) {
    while (absl::ConsumePrefix(&file, "../")) {
    }
    return std::string(file);
  };
  usage.version_string = []() -> std::string {
    const std::string dir =
        absl::GetFlag(FLAGS_fonts).empty() ? pp::text::DefaultFontsDir() : absl::GetFlag(FLAGS_fonts);
    absl::StatusOr<pp::RendererIdentity> identity = pp::RendererIdentityForFontsDir(dir);
    if (!identity.ok()) {
      std::cerr << "panelpaperd: renderer identity: " << identity.status().message() << "\n";
      std::exit(1);
    }
    return absl::StrCat("panelpaperd ", pp::kRendererVersion, "\n", identity->ToString(), "\n");
  };
  absl::SetFlagsUsageConfig(usage);
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) return Fail(2, absl::StrCat("unexpected argument '", rest[1], "'"));
  if (absl::Status s = pp::service::CheckAddress(absl::GetFlag(FLAGS_listen),
                                                 pp::service::AddressUse::kListen);
      !s.ok()) {
    return Fail(2, absl::StrCat("--listen: ", s.message()));
  }

  LogLevel level;
  if (!pp::service::ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return Fail(2, "--log_level must be debug, info, warning, error or off");
  }
  pp::service::SetLogLevel(level);
  pp::service::LogFormat log_format;
  if (!pp::service::ParseLogFormat(absl::GetFlag(FLAGS_log_format), &log_format)) {
    return Fail(2, "--log_format must be text or json");
  }
  pp::service::SetLogFormat(log_format);
  pp::service::RouteProtobufLogs();

  pp::service::PaperServiceOptions options;
  options.render_threads = absl::GetFlag(FLAGS_max_concurrent_renders);
  options.max_queued_renders = absl::GetFlag(FLAGS_max_queued_renders);
  options.max_unary_response_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_unary_response_bytes));
  pp::service::Limits& limits = options.limits;
  limits.max_string_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_string_bytes));
  limits.max_total_text_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_text_bytes));
  limits.max_sections = absl::GetFlag(FLAGS_max_sections);
  limits.max_blocks = absl::GetFlag(FLAGS_max_blocks);
  limits.max_table_rows = absl::GetFlag(FLAGS_max_table_rows);
  limits.max_table_columns = absl::GetFlag(FLAGS_max_table_columns);
  limits.max_list_depth = absl::GetFlag(FLAGS_max_list_depth);
  limits.max_pages = absl::GetFlag(FLAGS_max_pages);
  if (absl::GetFlag(FLAGS_max_word_chars) < 0) return Fail(2, "--max_word_chars must be >= 0");
  options.max_word_chars = static_cast<size_t>(absl::GetFlag(FLAGS_max_word_chars));
  const int64_t max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  if (options.render_threads < 0 || options.max_queued_renders < 0 || max_request_bytes <= 0 ||
      max_request_bytes > INT32_MAX || limits.max_pages <= 0 || limits.max_list_depth <= 0 ||
      limits.max_sections <= 0 || limits.max_blocks <= 0 || limits.max_table_rows <= 0 ||
      limits.max_table_columns <= 0 || absl::GetFlag(FLAGS_max_unary_response_bytes) <= 0 ||
      absl::GetFlag(FLAGS_max_unsent_bytes) <= 0 ||
      absl::GetFlag(FLAGS_stream_stall_timeout) < absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_busy_retry_delay) < absl::ZeroDuration()) {
    return Fail(2, "limits must be positive (and --max_request_bytes below 2 GiB)");
  }

  // TLS.
  const std::string cert_path = absl::GetFlag(FLAGS_tls_cert);
  const std::string key_path = absl::GetFlag(FLAGS_tls_key);
  const std::string client_ca_path = absl::GetFlag(FLAGS_tls_client_ca);
  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::string security = "plaintext";
  if (cert_path.empty() != key_path.empty()) return Fail(2, "--tls_cert and --tls_key go together");
  if (!client_ca_path.empty() && cert_path.empty()) {
    return Fail(2, "--tls_client_ca (mTLS) needs --tls_cert and --tls_key");
  }
  const absl::Duration tls_reload = absl::GetFlag(FLAGS_tls_reload_interval);
  if (tls_reload != absl::ZeroDuration() && tls_reload < absl::Seconds(1)) {
    return Fail(2, "--tls_reload_interval must be 0 (no reload) or at least 1s");
  }
  const pp::service::TlsFilePaths tls_paths{cert_path, key_path, client_ca_path};
  pp::service::TlsFilesState tls_state;
  std::unique_ptr<pp::service::TlsFilesMonitor> tls_monitor;
  if (!cert_path.empty()) {
    // Our own check first: gRPC's watcher would start with bad files and
    // fail every handshake instead.
    absl::StatusOr<pp::service::TlsFilesState> checked =
        pp::service::CheckTlsFiles(tls_paths, absl::Now());
    if (!checked.ok()) return Fail(1, absl::StrCat("TLS: ", checked.status().message()));
    tls_state = *std::move(checked);
    security = client_ca_path.empty() ? "tls" : "mtls";
    const grpc_ssl_client_certificate_request_type client_certificates =
        client_ca_path.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                               : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    if (tls_reload > absl::ZeroDuration()) {
      auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          key_path, cert_path, client_ca_path,
          static_cast<unsigned int>(absl::ToInt64Seconds(tls_reload)));
      grpc::experimental::TlsServerCredentialsOptions tls(provider);
      tls.watch_identity_key_cert_pairs();
      if (!client_ca_path.empty()) tls.watch_root_certs();
      tls.set_cert_request_type(client_certificates);
      credentials = grpc::experimental::TlsServerCredentials(tls);
    } else {
      grpc::SslServerCredentialsOptions ssl(client_certificates);
      grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
      if (!ReadFile(cert_path, &pair.cert_chain)) return Fail(1, "cannot read --tls_cert " + cert_path);
      if (!ReadFile(key_path, &pair.private_key)) return Fail(1, "cannot read --tls_key " + key_path);
      ssl.pem_key_cert_pairs.push_back(std::move(pair));
      if (!client_ca_path.empty() && !ReadFile(client_ca_path, &ssl.pem_root_certs)) {
        return Fail(1, "cannot read --tls_client_ca " + client_ca_path);
      }
      credentials = grpc::SslServerCredentials(ssl);
    }
    Log(LogLevel::kInfo,
        absl::StrCat("TLS: ", tls_state.chain.front().ToString(),
                     client_ca_path.empty() ? std::string()
                                            : absl::StrCat("; client CA: ", tls_state.client_cas.size(),
                                                           tls_state.client_cas.size() == 1
                                                               ? " certificate"
                                                               : " certificates"),
                     tls_reload > absl::ZeroDuration()
                         ? absl::StrCat("; re-read every ", absl::FormatDuration(tls_reload))
                         : std::string("; read once (--tls_reload_interval=0)")));
    tls_monitor = std::make_unique<pp::service::TlsFilesMonitor>(tls_paths, tls_state);
  } else {
    credentials = grpc::InsecureServerCredentials();
  }

  const std::string fonts_dir =
      absl::GetFlag(FLAGS_fonts).empty() ? pp::text::DefaultFontsDir() : absl::GetFlag(FLAGS_fonts);
  auto fonts = pp::text::FontSet::Load(fonts_dir);
  if (!fonts.ok()) return Fail(1, absl::StrCat("fonts: ", fonts.status().message()));
  // The start-up self-check of the painter's libharu replacements runs here.
  absl::StatusOr<pp::RendererIdentity> identity = pp::RendererIdentityForFontsDir(fonts_dir);
  if (!identity.ok()) return Fail(1, absl::StrCat("renderer identity: ", identity.status().message()));
  Log(LogLevel::kInfo, absl::StrCat("renderer identity: ", identity->ToString()));
  if (identity->libharu_patches != "on" && identity->libharu_patches != "off") {
    Log(LogLevel::kWarning, absl::StrCat("libharu replacements compiled in but ",
                                         identity->libharu_patches,
                                         ": PDFs are correct but slower and their bytes differ"));
  }

  // One extra gRPC reference for the life of the process: destroying the
  // server then never runs grpc_shutdown(), which intermittently stalls ~10 s
  // in gRPC 1.51 (TOOLCHAIN.md).
  grpc_init();

  grpc::EnableDefaultHealthCheckService(true);
  if (absl::GetFlag(FLAGS_reflection)) grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  // Prometheus metrics (--metrics_listen), shared by every service.
  if (!absl::GetFlag(FLAGS_metrics_listen).empty()) {
    options.metrics = std::make_shared<pp::service::Metrics>(pp::kRendererVersion, identity->ToString());
    if (absl::Status s = options.metrics->Serve(absl::GetFlag(FLAGS_metrics_listen)); !s.ok()) {
      return Fail(1, std::string(s.message()));
    }
  }
  // One budget of unsent bytes (and one stall watchdog) for every service.
  options.send_budget = std::make_shared<pp::service::SendBudget>(
      static_cast<size_t>(absl::GetFlag(FLAGS_max_unsent_bytes)),
      absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_stream_stall_timeout)));
  options.busy_retry_delay = absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_busy_retry_delay));
  // Who may render (--render_auth, service/archive/archive_setup.h).
  absl::StatusOr<pp::service::archive::RenderAuth> render_auth =
      pp::service::archive::RenderAuthFromFlags(security != "plaintext", security == "mtls",
                                                 pp::service::IsLoopbackAddress(absl::GetFlag(FLAGS_listen)));
  if (!render_auth.ok()) {
    return Fail(render_auth.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1,
                std::string(render_auth.status().message()));
  }
  options.authorize = render_auth->authorize;
  auto service = std::make_unique<pp::service::PaperServiceImpl>(*fonts, options);
  // The archive (--archive_*, service/archive/archive_setup.h): null when off.
  absl::StatusOr<std::unique_ptr<pp::service::archive::ArchiveServiceImpl>> archive =
      pp::service::archive::ArchiveFromFlags(
          {fonts_dir, *fonts, options.limits, options.max_word_chars, security != "plaintext",
           security == "mtls", options.send_budget, options.busy_retry_delay, options.metrics});
  if (!archive.ok()) {
    return Fail(archive.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1,
                absl::StrCat("archive: ", archive.status().message()));
  }
  const std::string listen = absl::GetFlag(FLAGS_listen);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, credentials, &port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_request_bytes));
  // gRPC sets SO_REUSEPORT by default on Linux: a second panelpaperd on the
  // same port would silently share it. Refuse to start instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(service.get());
  if (*archive != nullptr) builder.RegisterService(archive->get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(1, absl::StrCat("cannot listen on ", listen, " (in use, or not a local address?)"));
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  if (health != nullptr) health->SetServingStatus(kServiceName, true);
  // The archive's health follows its index (NOT_SERVING once found corrupt).
  std::unique_ptr<pp::service::archive::ArchiveHealthWatch> archive_health;
  if (health != nullptr && *archive != nullptr) {
    archive_health = pp::service::archive::WatchArchiveHealth(
        archive->get(), [health, metrics = options.metrics](bool serving) {
          health->SetServingStatus(pp::service::archive::kArchiveServiceName, serving);
          if (metrics != nullptr) metrics->SetArchiveHealthy(serving);
        });
  }

  const std::string address = BoundAddress(listen, port);
  if (options.metrics != nullptr) {
    pp::service::LogAlways(
        LogLevel::kInfo,
        absl::StrCat("panelpaperd: metrics on ",
                     BoundAddress(absl::GetFlag(FLAGS_metrics_listen), options.metrics->port()),
                     "/metrics"));
  }
  // The start-up line scripts wait for: stderr, unconditionally.
  pp::service::LogAlways(
      LogLevel::kInfo,
      absl::StrFormat("panelpaperd: serving on %s (%s, renderer %s, %d render workers, %d queued, "
                      "max request %lld bytes, pid %d)",
                      address, security, pp::kRendererVersion, service->options().render_threads,
                      options.max_queued_renders, static_cast<long long>(max_request_bytes),
                      static_cast<int>(getpid())));

  // The TLS files looked at whenever gRPC's watcher re-reads them, so that a
  // rotation (or a broken file) shows in the log without a SIGHUP.
  std::mutex tls_check_mu;
  std::condition_variable tls_check_cv;
  bool tls_check_stop = false;
  std::thread tls_check;
  if (tls_monitor != nullptr && tls_reload > absl::ZeroDuration()) {
    tls_check = std::thread([&] {
      std::unique_lock<std::mutex> lock(tls_check_mu);
      while (!tls_check_cv.wait_for(lock, absl::ToChronoMilliseconds(tls_reload),
                                    [&] { return tls_check_stop; })) {
        lock.unlock();
        LogTlsReport(tls_monitor->Check(absl::Now(), /*sighup=*/false), "", tls_reload);
        lock.lock();
      }
    });
  }

  int signal_number = 0;
  for (;;) {
    sigwait(&signals, &signal_number);
    if (signal_number != SIGHUP) break;
    // Reload. Calls keep running on gRPC's and the workers' threads.
    Log(LogLevel::kInfo, "received SIGHUP: reloading");
    pp::service::archive::ReloadArchiveTokens(archive->get());
    pp::service::archive::ReloadRenderTokens(*render_auth);
    if (tls_monitor != nullptr) {
      LogTlsReport(tls_monitor->Check(absl::Now(), /*sighup=*/true), "reload: ", tls_reload);
    }
    Log(LogLevel::kInfo, "reload: done");
  }
  if (tls_check.joinable()) {
    {
      std::lock_guard<std::mutex> lock(tls_check_mu);
      tls_check_stop = true;
    }
    tls_check_cv.notify_all();
    tls_check.join();
  }
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  Log(LogLevel::kInfo, absl::StrCat("received ", signal_number == SIGTERM ? "SIGTERM" : "SIGINT",
                                       ": shutting down (in-flight calls get up to ",
                                       absl::FormatDuration(grace), ")"));
  // A second signal does not wait for the grace period.
  std::thread([stop_signals] {
    int again = 0;
    sigwait(&stop_signals, &again);
    const char kMessage[] = "panelpaperd: second signal: exiting without waiting\n";
    (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    _exit(1);
  }).detach();

  // NOT_SERVING from now on; new calls are refused with UNAVAILABLE; the
  // admitted ones (running or queued) finish within the grace period.
  archive_health.reset();
  if (health != nullptr) health->Shutdown();
  service->StartDraining();
  if (*archive != nullptr) (*archive)->StartDraining();
  const auto grace_end = std::chrono::system_clock::now() + absl::ToChronoMilliseconds(grace);
  bool idle = service->WaitIdle(grace_end);
  if (*archive != nullptr) idle = (*archive)->WaitIdle(grace_end) && idle;
  if (!idle) Log(LogLevel::kWarning, "grace period over: cancelling the calls still in flight");
  // Every call is answered: close the listener and the connections now (an
  // idle client would otherwise hold the server ~20 s), cancelling any
  // straggler, which its render then abandons.
  server->Shutdown(std::chrono::system_clock::now());
  service->Shutdown();
  if (*archive != nullptr) (*archive)->Shutdown();
  const pp::service::ServiceStats s = service->stats();
  Log(LogLevel::kInfo,
      absl::StrCat("stopped: calls=", s.calls, " ok=", s.ok, " rejected=", s.rejected, " busy=", s.busy,
                   " dropped=", s.dropped, " abandoned=", s.abandoned, " late=", s.late,
                   " stalled=", s.stalled, " refused=", s.refused, " failed=", s.failed));
  server.reset();
  return 0;
}
