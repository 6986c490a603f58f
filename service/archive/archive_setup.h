// File: service/archive/archive_setup.h
//
// panelpaperd's archive flags and the service they configure. The flags are
// defined in archive_setup.cc (linked into panelpaperd only):
//
//   --archive_dir=DIR            serve ArchiveService with a LocalArchiveStore in DIR
//                                (created if missing); empty (the default): the
//                                archive is off and its calls are UNIMPLEMENTED
//   --archive_token_file=FILE    bearer tokens that may write ("TOKEN" or "NAME TOKEN"
//                                per line, archive_auth.h)
//   --archive_writers=ID,ID      mTLS client identities that may write (needs
//                                --tls_client_ca)
//   --archive_reads=authenticated|open
//                                reads need credentials (default) or not
//   --archive_workers=N          worker threads (0: one per core)
//   --archive_health_probe=D     how often the index is consistency-checked for
//                                health (PRAGMA quick_check; default 60s; 0: never)
//
// ArchiveFromFlags validates them, opens the store (running its check and
// logging what it found; a store that lost its index is refused with what
// was found and what to do) and builds the service. WatchArchiveHealth keeps
// the archive's health status in step with its index: NOT_SERVING (for
// good, until a restart) once a call or the periodic probe finds the index
// corrupt; what calls found is looked at every second.
//
//   PP_ASSIGN_OR_RETURN(auto archive, ArchiveFromFlags({fonts_dir, fonts, limits, 5000, mtls}));
//   if (archive) builder.RegisterService(archive.get());
#ifndef PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_SETUP_H_
#define PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_SETUP_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "renderers/text/font_set.h"
#include "service/archive/archive_service.h"
#include "service/request_converter.h"

namespace pp::service::archive {

struct ArchiveSetup {
  std::string fonts_dir;  // holds icc/sRGB.icc
  std::shared_ptr<const text::FontSet> fonts;
  Limits limits;
  size_t max_word_chars = 5000;
  bool tls = false;   // the server speaks TLS
  bool mtls = false;  // and verifies client certificates
  std::shared_ptr<SendBudget> send_budget;  // the server's (call_handler.h)
  std::chrono::milliseconds busy_retry_delay = kDefaultBusyRetryDelay;  // --busy_retry_delay
  std::shared_ptr<Metrics> metrics;  // --metrics_listen; null: none
};

// nullptr when neither --archive_dir nor --archive_postgres is set.
// INVALID_ARGUMENT for inconsistent flags, both stores, or a password in
// the conninfo (panelpaperd exits 2); other errors (unreadable token file,
// store locked or not openable, database unreachable or its schema version
// not this build's) make it exit 1.
absl::StatusOr<std::unique_ptr<ArchiveServiceImpl>> ArchiveFromFlags(const ArchiveSetup& setup);

// Who may render (issue 13 item 7), with the archive's credential rules
// (archive_auth.h, Access::kRender):
//   --render_auth=none|token|mtls   none (the default): anyone who reaches the
//                                   port; token: a bearer token from
//                                   --render_token_file (either role);
//                                   mtls: a verified client certificate
//                                   (needs --tls_client_ca)
//   --render_token_file=FILE        the archive's token file format; may be
//                                   the same file as --archive_token_file
// RenderAuthFromFlags validates them (INVALID_ARGUMENT: exit 2; an
// unreadable or invalid token file: FAILED_PRECONDITION, exit 1), logs the
// choice, and warns when a server reachable beyond loopback (`loopback`
// false) lets anyone render (none without mTLS), or takes tokens over
// plaintext.
struct RenderAuth {
  // For PaperServiceOptions::authorize; null with --render_auth=none.
  std::function<absl::StatusOr<std::string>(const grpc::CallbackServerContext&)> authorize;
  std::shared_ptr<TokenSet> tokens;  // --render_auth=token; else null
};
absl::StatusOr<RenderAuth> RenderAuthFromFlags(bool tls, bool mtls, bool loopback);
// SIGHUP: re-reads --render_token_file as ReloadArchiveTokens does.
void ReloadRenderTokens(const RenderAuth& auth);

// SIGHUP: re-reads --archive_token_file (when set) into the archive's
// tokens — calls in flight keep the set they began with, later calls get the
// new one — and logs what changed (by token name) at INFO; an unreadable,
// invalid or empty file changes nothing and is logged at ERROR with the
// reason ("...; kept the 3 tokens loaded before").
void ReloadArchiveTokens(ArchiveServiceImpl* archive);

// Calls `report(true)` at once, then, from a thread of its own,
// `report(serving)` whenever the archive's index health changes. Stops when
// destroyed.
class ArchiveHealthWatch {
 public:
  ArchiveHealthWatch(ArchiveServiceImpl* archive, std::function<void(bool serving)> report,
                     std::chrono::milliseconds probe_every);
  ~ArchiveHealthWatch();
  ArchiveHealthWatch(const ArchiveHealthWatch&) = delete;
  ArchiveHealthWatch& operator=(const ArchiveHealthWatch&) = delete;

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);

  ArchiveServiceImpl* archive_;
  std::function<void(bool)> report_;
  std::chrono::milliseconds probe_every_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// The watch, probing every --archive_health_probe.
std::unique_ptr<ArchiveHealthWatch> WatchArchiveHealth(ArchiveServiceImpl* archive,
                                                       std::function<void(bool serving)> report);

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_SETUP_H_
