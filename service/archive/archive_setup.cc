#include "service/archive/archive_setup.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "service/archive/local_archive_store.h"
#include "service/archive/postgres_archive_store.h"
#include "service/files.h"
#include "service/log.h"

ABSL_FLAG(std::string, archive_dir, "",
          "serve panelpaper.v1.ArchiveService, storing papers in this directory (created if "
          "missing); empty: no archive");
ABSL_FLAG(std::string, archive_postgres, "",
          "serve panelpaper.v1.ArchiveService, storing papers in this PostgreSQL database (libpq "
          "conninfo or URI, no password: use PGPASSFILE or passfile=); exclusive with --archive_dir");
ABSL_FLAG(int, archive_postgres_connections, 4,
          "connections to --archive_postgres this server keeps at most (>= 1)");
ABSL_FLAG(std::string, archive_token_file, "",
          "file of bearer tokens allowed to archive (one per line: TOKEN or NAME TOKEN)");
ABSL_FLAG(std::string, archive_writers, "",
          "comma-separated mTLS client identities (certificate SAN, else CN) allowed to archive; "
          "needs --tls_client_ca");
ABSL_FLAG(std::string, archive_reads, "authenticated",
          "authenticated (reads need a valid token or a verified client certificate) | open");
ABSL_FLAG(std::string, render_auth, "none",
          "who may render: none (anyone who reaches the port; warned about beyond loopback), "
          "token (a bearer token from --render_token_file) or mtls (a verified client "
          "certificate: needs --tls_client_ca)");
ABSL_FLAG(std::string, render_token_file, "",
          "bearer tokens allowed to render with --render_auth=token (the archive's token file "
          "format; may be the same file as --archive_token_file)");
ABSL_FLAG(int, archive_workers, 0, "archive worker threads; 0 = one per CPU core");
ABSL_FLAG(absl::Duration, archive_health_probe, absl::Seconds(60),
          "how often the archive index is consistency-checked (PRAGMA quick_check) for health; "
          "0 = never (a corrupt index found by a call still turns health NOT_SERVING)");

namespace pp::service::archive {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  absl::StatusOr<std::string> text = pp::service::ReadFile(path);
  if (!text.ok()) return false;
  *out = *std::move(text);
  return true;
}

void WarnIfReadableByOthers(const std::string& token_file, const char* who = "archive") {
  struct stat st;
  if (::stat(token_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    Log(LogLevel::kWarning, absl::StrCat(who, ": the token file ", token_file,
                                         " is readable by group or others (chmod 600 it)"));
  }
}

}  // namespace

absl::StatusOr<RenderAuth> RenderAuthFromFlags(bool tls, bool mtls, bool loopback) {
  const std::string mode = absl::GetFlag(FLAGS_render_auth);
  const std::string token_file = absl::GetFlag(FLAGS_render_token_file);
  if (mode != "none" && mode != "token" && mode != "mtls") {
    return absl::InvalidArgumentError("--render_auth must be none, token or mtls");
  }
  if (mode == "token" && token_file.empty()) {
    return absl::InvalidArgumentError("--render_auth=token needs --render_token_file");
  }
  if (mode != "token" && !token_file.empty()) {
    return absl::InvalidArgumentError("--render_token_file is used with --render_auth=token only");
  }
  if (mode == "mtls" && !mtls) {
    return absl::InvalidArgumentError("--render_auth=mtls needs --tls_client_ca (mutual TLS)");
  }
  RenderAuth auth;
  if (mode == "none") {
    if (!loopback && !mtls) {
      Log(LogLevel::kWarning,
          "render: anyone who can reach this server may render (--render_auth=none, listening "
          "beyond loopback): use --render_auth=token or mtls");
    }
    return auth;
  }
  if (mode == "token") {
    absl::StatusOr<std::vector<Token>> tokens = LoadTokenFile(token_file);
    if (!tokens.ok()) {
      return absl::FailedPreconditionError(absl::StrCat("--render_token_file: ", tokens.status().message()));
    }
    auth.tokens = std::make_shared<TokenSet>(*std::move(tokens));
    WarnIfReadableByOthers(token_file, "render");
    if (!tls) {
      Log(LogLevel::kWarning,
          "render: bearer tokens are accepted over plaintext (no --tls_cert): anyone who can see "
          "the traffic can copy them; use TLS beyond loopback");
    }
    Log(LogLevel::kInfo, absl::StrCat("render: a bearer token is needed (", auth.tokens->Get()->size(),
                                      " tokens from ", token_file, ")"));
  } else {
    Log(LogLevel::kInfo, "render: a verified client certificate is needed (--render_auth=mtls)");
  }
  AuthConfig config;
  if (auth.tokens != nullptr) config.tokens = auth.tokens;
  const bool by_token = mode == "token";
  auth.authorize = [config, by_token](const grpc::CallbackServerContext& context) {
    Caller caller = CallerOf(context);
    // Only the credential the mode names counts.
    if (by_token) {
      caller.peer_identities.clear();
    } else {
      caller.authorization.clear();
    }
    return Authorize(config, caller, Access::kRender);
  };
  return auth;
}

void ReloadRenderTokens(const RenderAuth& auth) {
  const std::string token_file = absl::GetFlag(FLAGS_render_token_file);
  if (auth.tokens == nullptr || token_file.empty()) return;
  absl::StatusOr<std::string> change = ReloadTokenFile(token_file, auth.tokens.get());
  if (!change.ok()) {
    Log(LogLevel::kError, absl::StrCat("reload: render tokens: ", change.status().message()));
    return;
  }
  Log(LogLevel::kInfo, absl::StrCat("reload: render tokens from ", token_file, ": ", *change));
  WarnIfReadableByOthers(token_file, "render");
}

void ReloadArchiveTokens(ArchiveServiceImpl* archive) {
  const std::string token_file = absl::GetFlag(FLAGS_archive_token_file);
  if (archive == nullptr || token_file.empty()) return;
  absl::StatusOr<std::string> change = ReloadTokenFile(token_file, archive->options().auth.tokens.get());
  if (!change.ok()) {
    Log(LogLevel::kError, absl::StrCat("reload: archive tokens: ", change.status().message()));
    return;
  }
  Log(LogLevel::kInfo, absl::StrCat("reload: archive tokens from ", token_file, ": ", *change));
  WarnIfReadableByOthers(token_file);
}

absl::StatusOr<std::unique_ptr<ArchiveServiceImpl>> ArchiveFromFlags(const ArchiveSetup& setup) {
  const std::string dir = absl::GetFlag(FLAGS_archive_dir);
  const std::string token_file = absl::GetFlag(FLAGS_archive_token_file);
  const std::string writers = absl::GetFlag(FLAGS_archive_writers);
  const std::string reads = absl::GetFlag(FLAGS_archive_reads);
  const std::string postgres = absl::GetFlag(FLAGS_archive_postgres);
  if (!dir.empty() && !postgres.empty()) {
    return absl::InvalidArgumentError(
        "--archive_dir and --archive_postgres are exclusive: one archive store per server");
  }
  if (dir.empty() && postgres.empty()) {
    if (!token_file.empty() || !writers.empty()) {
      return absl::InvalidArgumentError(
          "--archive_token_file / --archive_writers need --archive_dir or --archive_postgres");
    }
    return nullptr;
  }
  if (!postgres.empty()) {
    if (absl::Status s = CheckConninfo(postgres); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--archive_postgres: ", s.message()));
    }
    if (absl::GetFlag(FLAGS_archive_postgres_connections) < 1) {
      return absl::InvalidArgumentError("--archive_postgres_connections must be >= 1");
    }
  }

  ArchiveServiceOptions options;
  options.limits = setup.limits;
  options.max_word_chars = setup.max_word_chars;
  options.threads = absl::GetFlag(FLAGS_archive_workers);
  options.send_budget = setup.send_budget;
  options.busy_retry_delay = setup.busy_retry_delay;
  options.metrics = setup.metrics;
  if (options.threads < 0) return absl::InvalidArgumentError("--archive_workers must be >= 0");
  if (reads == "open") {
    options.auth.reads_open = true;
  } else if (reads != "authenticated") {
    return absl::InvalidArgumentError("--archive_reads must be authenticated or open");
  }
  for (absl::string_view id : absl::StrSplit(writers, ',', absl::SkipWhitespace())) {
    options.auth.writers.insert(std::string(absl::StripAsciiWhitespace(id)));
  }
  if (!options.auth.writers.empty() && !setup.mtls) {
    return absl::InvalidArgumentError(
        "--archive_writers names mTLS client identities: it needs --tls_client_ca");
  }
  if (!token_file.empty()) {
    absl::StatusOr<std::vector<Token>> tokens = LoadTokenFile(token_file);
    if (!tokens.ok()) return absl::FailedPreconditionError(tokens.status().message());
    options.auth.tokens->Replace(*std::move(tokens));
    WarnIfReadableByOthers(token_file);
    if (!setup.tls) {
      Log(LogLevel::kWarning,
          "archive: bearer tokens are accepted over plaintext (no --tls_cert): anyone who can see "
          "the traffic can copy them; use TLS beyond loopback");
    }
  }
  if (!options.auth.reads_open && options.auth.tokens->Get()->empty() && !setup.mtls) {
    return absl::InvalidArgumentError(
        "--archive_reads=authenticated needs --archive_token_file or mTLS (--tls_client_ca); "
        "or pass --archive_reads=open");
  }
  const std::string icc_path = setup.fonts_dir + "/icc/sRGB.icc";
  if (!ReadFile(icc_path, &options.icc_profile) || options.icc_profile.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read the ICC profile ", icc_path));
  }

  std::shared_ptr<ArchiveStore> store;
  std::string where;
  if (!postgres.empty()) {
    absl::StatusOr<std::unique_ptr<PostgresArchiveStore>> pg = PostgresArchiveStore::Open(
        {postgres, absl::GetFlag(FLAGS_archive_postgres_connections)});
    if (!pg.ok()) return pg.status();
    store = *std::move(pg);
    where = absl::StrCat("PostgreSQL (", postgres, "), schema version ", kPostgresSchemaVersion);
  } else {
    StoreCheckReport report;
    absl::StatusOr<std::unique_ptr<LocalArchiveStore>> local =
        LocalArchiveStore::Open(LocalStoreOptions{dir, nullptr}, &report);
    if (!local.ok()) return local.status();
    store = *std::move(local);
    for (const std::string& f : report.quarantined) {
      Log(LogLevel::kWarning,
          absl::StrCat("archive check: moved ", f, " to ", report.quarantine_dir, " (",
                       absl::StartsWith(f, "tmp/") ? "an interrupted write"
                       : std::find(report.symlinks.begin(), report.symlinks.end(), f) !=
                               report.symlinks.end()
                           ? "a symbolic link: the store never follows links"
                           : "a PDF no index row names: a write interrupted before its row",
                       "); nothing was deleted"));
    }
    for (const std::string& f : report.unknown_files) {
      Log(LogLevel::kWarning, absl::StrCat("archive check: unexpected file left alone: ", f));
    }
    for (const std::string& id : report.missing_or_damaged) {
      Log(LogLevel::kError,
          absl::StrCat("archive check: the PDF of paper ", id,
                       " is missing, not a regular file, or has the wrong size (reads will answer "
                       "DATA_LOSS)"));
    }
    if (setup.metrics != nullptr) {
      setup.metrics->SetStoreCheckFinding("interrupted_writes", static_cast<double>(report.temp_files.size()));
      setup.metrics->SetStoreCheckFinding("unindexed_pdfs",
                                          static_cast<double>(report.unindexed_objects.size()));
      setup.metrics->SetStoreCheckFinding("symbolic_links", static_cast<double>(report.symlinks.size()));
      setup.metrics->SetStoreCheckFinding("unknown_files", static_cast<double>(report.unknown_files.size()));
      setup.metrics->SetStoreCheckFinding("damaged_papers",
                                          static_cast<double>(report.missing_or_damaged.size()));
    }
    where = absl::StrCat(
        dir, ", ", report.entries, " papers, check: ", report.temp_files.size(),
        " interrupted writes, ", report.unindexed_objects.size(), " unindexed PDFs and ",
        report.symlinks.size(), " symbolic links quarantined, ", report.missing_or_damaged.size(),
        " damaged");
  }

  size_t writer_tokens = 0;
  for (const Token& t : *options.auth.tokens->Get()) writer_tokens += t.may_write ? 1 : 0;
  const bool writable = writer_tokens > 0 || !options.auth.writers.empty();
  const std::string summary = absl::StrCat(
      "archive: ", where, "; writes: ",
      writable ? absl::StrCat(writer_tokens, " tokens, ", options.auth.writers.size(),
                              " mTLS identities")
               : std::string("nobody (read-only)"),
      "; reads: ", options.auth.reads_open ? "open" : "authenticated");
  Log(LogLevel::kInfo, summary);
  if (!writable) {
    Log(LogLevel::kWarning,
        "archive: no writer token (--archive_token_file) or --archive_writers: the archive is "
        "read-only");
  }
  return ArchiveServiceImpl::Create(setup.fonts, std::move(store), std::move(options));
}

ArchiveHealthWatch::ArchiveHealthWatch(ArchiveServiceImpl* archive,
                                       std::function<void(bool)> report,
                                       std::chrono::milliseconds probe_every)
    : archive_(archive), report_(std::move(report)), probe_every_(probe_every) {
  // SERVING before the server says it is serving (the store opened fine).
  report_(true);
  thread_ = std::thread([this] { Run(); });
}

ArchiveHealthWatch::~ArchiveHealthWatch() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void ArchiveHealthWatch::Run() {
  using Clock = std::chrono::steady_clock;
  bool serving = true;
  Clock::time_point next_probe = Clock::now() + probe_every_;
  mu_.Lock();
  while (!mu_.AwaitWithTimeout(absl::Condition(&stop_), absl::Seconds(1))) {
    const bool probe = probe_every_.count() > 0 && Clock::now() >= next_probe;
    if (probe) next_probe = Clock::now() + probe_every_;
    mu_.Unlock();
    const absl::Status health = archive_->IndexHealth(probe);
    mu_.Lock();
    // Only a corrupt index (DATA_LOSS) turns health off; a busy or
    // briefly unavailable index does not.
    const bool now_serving = !absl::IsDataLoss(health);
    if (now_serving != serving) {
      serving = now_serving;
      if (!serving) {
        Log(LogLevel::kError, absl::StrCat("archive health: NOT_SERVING: ", health.message()));
      }
      report_(serving);
    }
  }
  mu_.Unlock();
}

std::unique_ptr<ArchiveHealthWatch> WatchArchiveHealth(ArchiveServiceImpl* archive,
                                                       std::function<void(bool)> report) {
  return std::make_unique<ArchiveHealthWatch>(
      archive, std::move(report), absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_archive_health_probe)));
}

}  // namespace pp::service::archive
