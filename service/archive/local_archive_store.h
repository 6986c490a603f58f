// File: service/archive/local_archive_store.h
//
// LocalArchiveStore: the embedded ArchiveStore (archive_store.h) — one
// directory on a local filesystem, no server:
//
//   DIR/LOCK                           flock()ed while a process has the store open
//   DIR/index.sqlite3 (+ -wal, -shm)   the index: one row per paper (SQLite, WAL mode,
//                                      synchronous=FULL; rows cannot be updated or
//                                      deleted: triggers refuse it)
//   DIR/objects/ab/ab12...ef.pdf       PDFs, content-addressed: named by their SHA-256
//                                      (lower-case hex), fanned out by its first two digits
//   DIR/tmp/                           files being written
//
// Put's write sequence (crash-safe):
//   1. write the PDF to DIR/tmp/<sha256>.<pid>.<n>.tmp (O_EXCL) and fsync it;
//   2. rename it to DIR/objects/ab/<sha256>.pdf (atomic) and fsync
//      DIR/objects/ab (and DIR/objects when the fan-out folder is new), so
//      the name is durable;
//   3. only then insert the index row, in one SQLite transaction, durable at
//      COMMIT (WAL + synchronous=FULL).
// A crash before 3 leaves at most a temporary file or a PDF no row refers
// to: no entry is visible. Open() runs the store check, which removes both
// and reports them (StoreCheckReport), before the store is used. A PDF
// whose bytes are already stored intact (the same content) is not written
// again; a damaged copy is replaced.
//
// Puts are serialised (one mutex): archiving is rare and each Put is a
// handful of fsyncs. Reads run concurrently. The LOCK file keeps a second
// process (another panelpaperd on the same DIR) out: its Open fails with
// FAILED_PRECONDITION, since its store check could delete a file this
// process is writing. Several servers need a shared backend instead (see
// archive_store.h).
//
//   StoreCheckReport report;
//   PP_ASSIGN_OR_RETURN(auto store, LocalArchiveStore::Open({.dir = "/var/lib/panelpaper/archive"}, &report));
#ifndef PANELPAPER_SERVICE_ARCHIVE_LOCAL_ARCHIVE_STORE_H_
#define PANELPAPER_SERVICE_ARCHIVE_LOCAL_ARCHIVE_STORE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "service/archive/archive_store.h"

struct sqlite3;

namespace pp::service::archive {

struct LocalStoreOptions {
  std::string dir;  // created if missing (with its parents)
  // Tests only: called after each step of Put's write sequence with the
  // step's name — "temp_written" (bytes written, not yet synced),
  // "temp_synced", "renamed", "dir_synced", "indexed". A non-OK status makes
  // Put stop there and return it, like a failing system call.
  std::function<absl::Status(std::string_view step)> step_hook_for_testing;
};

class LocalArchiveStore final : public ArchiveStore {
 public:
  // Opens the store in options.dir, creating it if needed, locks it, and
  // runs the store check (filling *report when given). FAILED_PRECONDITION
  // when another process has it open; UNAVAILABLE when the directory or the
  // index cannot be opened.
  static absl::StatusOr<std::unique_ptr<LocalArchiveStore>> Open(LocalStoreOptions options,
                                                                 StoreCheckReport* report = nullptr);
  ~LocalArchiveStore() override;
  LocalArchiveStore(const LocalArchiveStore&) = delete;
  LocalArchiveStore& operator=(const LocalArchiveStore&) = delete;

  absl::StatusOr<PutResult> Put(const ArchiveEntry& entry, std::string_view pdf) override;
  absl::StatusOr<ArchiveEntry> Lookup(std::string_view paper_id) override;
  absl::StatusOr<std::string> ReadPdf(const ArchiveEntry& entry) override;
  absl::StatusOr<std::string> StoredSha256(const ArchiveEntry& entry) override;
  absl::StatusOr<ListPage> List(const ListQuery& query) override;

  // Where the bytes with this SHA-256 live: DIR/objects/ab/<sha256>.pdf.
  std::string ObjectPath(std::string_view sha256) const;
  const std::string& dir() const { return options_.dir; }

 private:
  LocalArchiveStore(LocalStoreOptions options, int lock_fd, sqlite3* db);
  absl::Status InitSchema();
  absl::Status Check(StoreCheckReport* report);
  absl::Status Step(std::string_view name);
  // Writes `pdf` to ObjectPath(sha256) by the sequence above (unless intact
  // bytes are there already).
  absl::Status WriteObject(std::string_view sha256, std::string_view pdf);
  absl::StatusOr<bool> ShaReferenced(std::string_view sha256);
  absl::Status Insert(const ArchiveEntry& entry);

  LocalStoreOptions options_;
  int lock_fd_ = -1;
  sqlite3* db_ = nullptr;
  std::mutex db_mu_;   // one SQLite connection, one statement at a time
  std::mutex put_mu_;  // Puts one at a time
  std::atomic<uint64_t> temp_counter_{0};
};

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_LOCAL_ARCHIVE_STORE_H_
