// File: service/archive/store_admin.h
//
// Maintenance of a LocalArchiveStore directory (local_archive_store.h), for
// `panelpaper store ...` (service/cli/store_cli.h): no gRPC, no protos; each returns a
// structured report.
//
//   CheckStore       what the store check finds — changes nothing and needs
//                    no lock (safe while panelpaperd runs); with quarantine
//                    it takes the store's LOCK (refused while panelpaperd has
//                    it) and moves temporary files, unindexed PDFs and
//                    symbolic links to DIR/quarantine/<UTC time>/ — also
//                    when there are many, which start-up refuses to do.
//   BackupStore      a consistent copy while panelpaperd runs: the index by
//                    SQLite's online backup API from a read-only connection
//                    (one read transaction: a snapshot; no LOCK needed),
//                    then every object the copied index names, re-hashed
//                    on the way; files and directories fsynced. Objects are
//                    immutable and content-addressed, so a paper archived
//                    during the copy is simply not in it.
//   RestoreStore     a backup into a new or empty directory: every object
//                    re-hashed (a mismatch stops it: DATA_LOSS), the index
//                    written last, so an interrupted restore leaves a
//                    directory panelpaperd refuses to start on, never a
//                    store that silently lacks papers.
// A backup has the store's layout (index.sqlite3 + objects/), so `store
// check` works on it too.
//
//   PP_ASSIGN_OR_RETURN(BackupReport r, BackupStore("/var/lib/panelpaper/archive", "/backup/2026-12-03"));
#ifndef PANELPAPER_SERVICE_ARCHIVE_STORE_ADMIN_H_
#define PANELPAPER_SERVICE_ARCHIVE_STORE_ADMIN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "service/archive/archive_store.h"

namespace pp::service::archive {

// NOT_FOUND when `dir` is not a store (no such directory); DATA_LOSS when
// its index is corrupt. With `quarantine`: FAILED_PRECONDITION while
// another process (panelpaperd) has the store open.
absl::StatusOr<StoreCheckReport> CheckStore(const std::string& dir, bool quarantine);

struct BackupReport {
  int64_t papers = 0;   // rows in the backup's index
  int64_t objects = 0;  // PDFs copied (distinct contents)
  int64_t bytes = 0;    // their total size
  // Papers whose stored PDF was missing or damaged in the store: their rows
  // are in the backup, their bytes are not (they were lost already).
  std::vector<std::string> damaged;
};

// Copies the store `dir` to `dest` (created; it must not exist or be an
// empty directory: FAILED_PRECONDITION otherwise).
absl::StatusOr<BackupReport> BackupStore(const std::string& dir, const std::string& dest);

struct RestoreReport {
  int64_t papers = 0;
  int64_t objects = 0;
  int64_t bytes = 0;
  // Papers whose PDF the backup does not hold (BackupReport::damaged):
  // restored as they were, damaged.
  std::vector<std::string> missing;
};

// Restores the backup `backup` into `dir` (created; it must not exist or be
// an empty directory: FAILED_PRECONDITION otherwise). DATA_LOSS, listing
// every such paper, when an object in the backup does not hash to what its
// row records.
absl::StatusOr<RestoreReport> RestoreStore(const std::string& backup, const std::string& dir);

// What CopyStore did.
struct CopyReport {
  int64_t papers = 0;   // entries in the source
  int64_t copied = 0;   // newly stored in the destination
  int64_t present = 0;  // there already with the same request (an earlier copy)
  int64_t bytes = 0;    // PDF bytes sent
  int64_t verified = 0; // destination entries read back equal, PDF re-hashed
  std::vector<std::string> conflicts;  // ids the destination holds with another request
  std::vector<std::string> damaged;    // ids whose source PDF is missing or damaged: not copied
  std::vector<std::string> mismatched; // ids that read back differently from the destination
};

// Copies every paper of `from` (entry, request and PDF bytes, each PDF
// re-hashed as it is read) into `to` with ArchiveStore::Put — idempotent,
// so an interrupted copy can simply be run again — then reads every copied
// paper back from `to` and compares entry and bytes. Never changes `from`.
// An error from either store other than those reported stops the copy.
absl::StatusOr<CopyReport> CopyStore(ArchiveStore& from, ArchiveStore& to);

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_STORE_ADMIN_H_
