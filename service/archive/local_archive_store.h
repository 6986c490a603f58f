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
//   DIR/quarantine/<UTC time>/         what a store check moved aside (never deleted)
//
// Put's write sequence (crash-safe):
//   1. write the PDF to DIR/tmp/<sha256>.<pid>.<n>.tmp (O_EXCL) and fsync it;
//   2. rename it to DIR/objects/ab/<sha256>.pdf (atomic) and fsync
//      DIR/objects/ab (and DIR/objects when the fan-out folder is new), so
//      the name is durable;
//   3. only then insert the index row, in one SQLite transaction, durable at
//      COMMIT (WAL + synchronous=FULL).
// A crash before 3 leaves at most a temporary file or a PDF no row refers
// to: no entry is visible. A PDF whose bytes are already stored intact (the
// same content) is not written again; a damaged copy is replaced.
//
// The store check (Open, and `panelpaper store check`, store_admin.h) never
// deletes anything. Open moves temporary files, an unindexed PDF and
// symbolic links to DIR/quarantine/<UTC time>/ (keeping their relative
// paths) and reports them (StoreCheckReport). Puts are serialised, so an
// ordinary crash leaves at most one unindexed PDF; a store that looks like
// it lost its index — objects present and the index file missing or
// without rows, or more than one PDF unindexed — is refused
// (FAILED_PRECONDITION, with the counts and what to do) and left exactly as
// it was. Nothing inside DIR is followed through a symbolic link (lstat,
// O_NOFOLLOW): a linked object is damage, not data.
//
// Index health: a call that finds the index corrupt (SQLITE_CORRUPT,
// SQLITE_NOTADB) answers DATA_LOSS and marks the store unhealthy for good;
// IndexHealth() also runs `PRAGMA quick_check` on a read-only connection of
// its own (WAL: it does not block the service's reads or writes).
//
// Puts are serialised (one mutex): archiving is rare and each Put is a
// handful of fsyncs. Reads run concurrently. The LOCK file keeps a second
// process (another panelpaperd on the same DIR) out: its Open fails with
// FAILED_PRECONDITION, since its store check could quarantine a file this
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
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
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
  // runs the store check (filling *report when given, also when Open
  // refuses). FAILED_PRECONDITION when another process has it open, when it
  // looks like it lost its index (see above), or a symbolic link stands for
  // its index, objects/ or tmp/; UNAVAILABLE when the directory or the index
  // cannot be opened; DATA_LOSS when the index is corrupt.
  static absl::StatusOr<std::unique_ptr<LocalArchiveStore>> Open(LocalStoreOptions options,
                                                                 StoreCheckReport* report = nullptr);
  ~LocalArchiveStore() override;
  LocalArchiveStore(const LocalArchiveStore&) = delete;
  LocalArchiveStore& operator=(const LocalArchiveStore&) = delete;

  absl::StatusOr<PutResult> Put(const ArchiveEntry& entry, std::string_view pdf) override
      ABSL_LOCKS_EXCLUDED(put_mu_, db_mu_);
  absl::StatusOr<ArchiveEntry> Lookup(std::string_view paper_id) override;
  absl::StatusOr<std::string> ReadPdf(const ArchiveEntry& entry) override;
  absl::StatusOr<std::string> StoredSha256(const ArchiveEntry& entry) override;
  absl::StatusOr<ListPage> List(const ListQuery& query) override;
  absl::Status IndexHealth(bool probe) override;

  // Where the bytes with this SHA-256 live: DIR/objects/ab/<sha256>.pdf.
  std::string ObjectPath(std::string_view sha256) const;
  const std::string& dir() const { return options_.dir; }

 private:
  LocalArchiveStore(LocalStoreOptions options, int lock_fd, sqlite3* db);
  absl::Status InitSchema() ABSL_LOCKS_EXCLUDED(db_mu_);
  absl::Status Check(StoreCheckReport* report);
  // A SQLite failure as a status; SQLITE_CORRUPT / SQLITE_NOTADB are
  // DATA_LOSS and mark the index corrupt.
  absl::Status IndexError(std::string_view what) ABSL_EXCLUSIVE_LOCKS_REQUIRED(db_mu_);
  // `s` with the store's directory taken out of its message (clients never
  // see server paths; the full message is logged by the caller).
  absl::Status ForClients(absl::Status s) const;
  absl::Status Step(std::string_view name);
  // Writes `pdf` to ObjectPath(sha256) by the sequence above (unless intact
  // bytes are there already); *wrote says whether it put a file there.
  absl::Status WriteObject(std::string_view sha256, std::string_view pdf, bool* wrote)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(put_mu_);
  absl::StatusOr<bool> ShaReferenced(std::string_view sha256) ABSL_LOCKS_EXCLUDED(db_mu_);
  absl::Status Insert(const ArchiveEntry& entry) ABSL_LOCKS_EXCLUDED(db_mu_);

  LocalStoreOptions options_;
  int lock_fd_ = -1;
  absl::Mutex put_mu_ ABSL_ACQUIRED_BEFORE(db_mu_);  // Puts one at a time
  absl::Mutex db_mu_;  // one SQLite connection, one statement at a time
  sqlite3* db_ ABSL_GUARDED_BY(db_mu_) = nullptr;
  std::atomic<uint64_t> temp_counter_{0};
  std::atomic<bool> index_corrupt_{false};
  absl::Mutex probe_mu_;  // one quick_check at a time
};

// The store check's parts, shared by Open and store_admin.h. They never
// follow a symbolic link inside `dir` and never delete.

// One index row, as the check sees it.
struct IndexedObject {
  std::string paper_id;
  std::string sha256;
  int64_t size_bytes = 0;
};

// Every row of the index `db` (the papers table; none when it has none).
absl::StatusOr<std::vector<IndexedObject>> ReadIndexedObjects(sqlite3* db);

// Scans dir/tmp and dir/objects against `rows` (changes nothing).
StoreCheckReport ScanStore(const std::string& dir, const std::vector<IndexedObject>& rows);

// FAILED_PRECONDITION when `report` says the store lost its index: objects
// present and the index missing or without rows, or more than one object
// unindexed. The message says what was found and what to do.
absl::Status LostIndexCheck(const std::string& dir, const StoreCheckReport& report);

// Moves the report's temporary files, unindexed objects and symbolic links
// to dir/quarantine/<UTC time>/<their relative path> (renames, fsynced) and
// records that in the report. The caller holds the store's LOCK.
absl::Status QuarantineFindings(const std::string& dir, StoreCheckReport* report);

// Takes dir/LOCK (flock, non-blocking): its fd, or FAILED_PRECONDITION when
// another process holds it.
absl::StatusOr<int> LockStore(const std::string& dir);

// The object file of `sha256` in the store `dir`: dir/objects/ab/<sha256>.pdf.
std::string ObjectPathIn(const std::string& dir, std::string_view sha256);

// mkdir -p, each new name fsynced; a symbolic link where a directory should
// be is FAILED_PRECONDITION (never followed).
absl::Status MakeDirectories(const std::string& path);

// fsync()s the directory `path` (so the names in it are durable).
absl::Status SyncDirectory(const std::string& path);

// Writes `bytes` to a new file `path` durably: a temporary file beside it
// (O_EXCL), fsync, rename, fsync of the directory. Mode 0440.
absl::Status WriteFileDurably(const std::string& path, std::string_view bytes);

// Reads a regular file without following a symbolic link in its last
// component: NOT_FOUND when absent; DATA_LOSS when it is a link, a directory
// or anything but a regular file; UNAVAILABLE on an I/O error.
absl::StatusOr<std::string> ReadRegularFile(const std::string& path);

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_LOCAL_ARCHIVE_STORE_H_
