// File: service/tls_files.h
//
// panelpaperd's own look at its TLS files (--tls_cert, --tls_key,
// --tls_client_ca), parsed with OpenSSL's libcrypto (no gRPC here). gRPC's
// FileWatcherCertificateProvider is what serves the files and reloads them
// every --tls_reload_interval (gRPC 1.51 has no push reload); this is what
// panelpaperd checks at start-up and on SIGHUP so that an operator learns at
// once what changed or what is wrong, instead of from failing handshakes.
//
// CheckTlsFiles reads the three files and reports every problem found (not
// just the first): an unreadable file, no PEM certificate, a PEM block that
// does not parse, a key that is not a PEM private key, a key that does not
// belong to the certificate, a certificate not yet valid or expired, a
// client CA bundle without certificates. Nothing secret is ever put into a
// message: certificates are named by subject and SHA-256 fingerprint, the
// key only as "changed".
//
// TlsFilesMonitor keeps the last good state and tells what is news: run
// every --tls_reload_interval (so a rotation shows in the log when gRPC's
// watcher takes it, with no SIGHUP) and on SIGHUP (which also says
// "unchanged" and repeats a known problem).
//
//   PP_ASSIGN_OR_RETURN(TlsFilesState now, CheckTlsFiles({cert, key, ca}, absl::Now()));
//   for (const std::string& line : DescribeTlsChange(before, now)) Log(kInfo, line);
//   TlsFilesMonitor monitor(paths, now);
//   TlsFilesMonitor::Report r = monitor.Check(absl::Now(), /*sighup=*/false);
#ifndef PANELPAPER_SERVICE_TLS_FILES_H_
#define PANELPAPER_SERVICE_TLS_FILES_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace pp::service {

struct TlsFilePaths {
  std::string cert;       // PEM certificate chain, leaf first
  std::string key;        // PEM private key of the leaf
  std::string client_ca;  // PEM CA bundle for client certificates; empty: none
};

struct CertSummary {
  std::string subject;  // RFC 2253 form, e.g. "CN=localhost,O=Panel"
  std::string sha256;   // of the DER certificate, lowercase hex
  absl::Time not_before;
  absl::Time not_after;

  // "CN=localhost (sha256 1a2b3c4d5e6f..., valid until 2026-12-05 10:00 UTC)"
  std::string ToString() const;
};

struct TlsFilesState {
  std::vector<CertSummary> chain;       // --tls_cert, as in the file
  std::string key_digest;               // SHA-256 of the key file's bytes (compared, never shown)
  std::vector<CertSummary> client_cas;  // --tls_client_ca; empty without one
};

// The files' state, or INVALID_ARGUMENT listing every problem ("; "-joined,
// each naming its flag and file).
absl::StatusOr<TlsFilesState> CheckTlsFiles(const TlsFilePaths& paths, absl::Time now);

// What differs from `before` to `after`, one line per file that changed
// ("certificate: <old> -> <new>", "private key: changed", "client CA: 1
// certificate -> 2 certificates (<subjects>)"); empty when nothing did.
std::vector<std::string> DescribeTlsChange(const TlsFilesState& before, const TlsFilesState& after);

class TlsFilesMonitor {
 public:
  struct Report {
    bool ok = true;                  // the files are valid now
    std::vector<std::string> lines;  // to log: the changes (INFO) or the problem (ERROR)
  };

  TlsFilesMonitor(TlsFilePaths paths, TlsFilesState start);
  TlsFilesMonitor(const TlsFilesMonitor&) = delete;
  TlsFilesMonitor& operator=(const TlsFilesMonitor&) = delete;

  // Checks the files at `now` against the last good state (which a valid
  // check replaces). Periodic (`sighup` false): only news — the changes
  // once, a problem once until it changes or goes away. SIGHUP: always a
  // report ("unchanged" when nothing changed, a known problem again).
  Report Check(absl::Time now, bool sighup) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const TlsFilePaths paths_;
  absl::Mutex mu_;
  TlsFilesState last_good_ ABSL_GUARDED_BY(mu_);
  std::string last_problem_ ABSL_GUARDED_BY(mu_);  // empty: none reported
};

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_TLS_FILES_H_
