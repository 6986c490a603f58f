// File: service/archive/archive_store.h
//
// ArchiveStore: where the archive keeps signed-off papers — the PDF bytes
// and one index entry (the record) per paper id. The interface says what
// any backend must guarantee; LocalArchiveStore (local_archive_store.h:
// content-addressed files + SQLite) is the embedded default, and a backend
// on a database server (PostgreSQL + shared object storage) can serve
// several panelpaperd replicas later without the service changing.
//
// Contract, for every implementation:
//   * Put is atomic and durable: when it returns OK the PDF and its entry
//     survive a crash (process kill or power loss); when it fails or the
//     process dies during it, no entry becomes visible (a half-written paper
//     never shows in Lookup or List).
//   * Entries are immutable: a paper id, once stored, keeps its entry and
//     bytes forever. Put with an existing id and the same request digest is
//     an idempotent success (created = false, the stored entry returned, the
//     new bytes ignored); with a different digest it is ALREADY_EXISTS.
//   * ReadPdf re-hashes what it reads: bytes that do not have the entry's
//     size and SHA-256, or no bytes at all, are DATA_LOSS.
//   * Thread-safe: any number of concurrent calls.
// No gRPC and no generated protos here: the request is an opaque blob.
//
//   std::unique_ptr<ArchiveStore> store = ...;
//   PP_ASSIGN_OR_RETURN(PutResult r, store->Put(entry, pdf_bytes));
//   PP_ASSIGN_OR_RETURN(ArchiveEntry e, store->Lookup("jap-2020-01-08-7b"));
//   PP_ASSIGN_OR_RETURN(std::string pdf, store->ReadPdf(e));
#ifndef PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_STORE_H_
#define PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_STORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace pp::service::archive {

// One archived paper: everything but the PDF bytes.
struct ArchiveEntry {
  std::string paper_id;
  // The PDF.
  std::string sha256;  // lower-case hex, 64 characters
  int64_t size_bytes = 0;
  int page_count = 0;
  std::string renderer_version;  // pp::kRendererVersion of the archiving server
  std::string fonts_sha256;      // digest of the fonts + ICC profile rendered with
  // pp::RendererIdentity::ToString() of the archiving server; empty for rows
  // archived before the index had the column (schema version 1).
  std::string renderer_identity;
  // The canonical request (ArchivePaperRequest, deterministic serialization)
  // and its SHA-256, which decides idempotency.
  std::string request;
  std::string request_sha256;
  // From the paper, for listing.
  std::string panel_name;
  std::string meeting_date;  // "YYYY-MM-DD"
  std::string agenda_item;   // "7b", or empty
  std::string title;
  // The sign-off record.
  std::string approved_by;
  std::string role;
  std::string decision_date;  // "YYYY-MM-DD"
  std::string meeting;
  std::string decision_reference;
  // Set by the service, not part of idempotency.
  std::string archived_by;       // "token:<name>" or "mtls:<identity>"
  int64_t archived_at_millis = 0;  // Unix time, milliseconds

  friend bool operator==(const ArchiveEntry&, const ArchiveEntry&) = default;
};

struct PutResult {
  ArchiveEntry entry;    // the stored entry (the earlier one when !created)
  bool created = false;  // false: idempotent repeat, nothing written
};

// Filters are ANDed; empty means "any". Dates are "YYYY-MM-DD", inclusive.
struct ListQuery {
  std::string panel_name;
  std::string meeting_date_from;
  std::string meeting_date_to;
  std::string agenda_item;
  int limit = 50;  // > 0
  // Keyset position: entries strictly after (after_meeting_date,
  // after_paper_id) in (meeting_date, paper_id) order. Empty: from the start.
  std::string after_meeting_date;
  std::string after_paper_id;
};

struct ListPage {
  std::vector<ArchiveEntry> entries;  // in (meeting_date, paper_id) order, request blobs empty
  bool more = false;                  // entries follow the last one returned
};

// What a store check found, and what it moved to quarantine
// (LocalArchiveStore::Open, `panelpaper store check`). The check never
// deletes anything: what is not data goes to DIR/quarantine/<UTC time>/.
// Paths are relative to the store's directory.
struct StoreCheckReport {
  bool index_missing = false;  // no index file (objects present: Open refuses)
  int64_t entries = 0;         // index rows
  int64_t objects = 0;         // PDF files under objects/ (regular files named like objects)
  std::vector<std::string> temp_files;          // interrupted writes under tmp/
  std::vector<std::string> unindexed_objects;   // PDFs no index row names
  std::vector<std::string> symlinks;            // symbolic links inside the store (never followed)
  std::vector<std::string> unknown_files;       // left alone, reported
  std::vector<std::string> missing_or_damaged;  // paper ids whose file is missing, not a
                                                // regular file, or the wrong size
  std::string quarantine_dir;                   // "" when nothing was moved
  std::vector<std::string> quarantined;         // what was moved there (old paths)

  // Nothing to report: no temp files, unindexed objects, symlinks, unknown
  // files or damage.
  bool clean() const {
    return temp_files.empty() && unindexed_objects.empty() && symlinks.empty() &&
           unknown_files.empty() && missing_or_damaged.empty() && !(index_missing && objects > 0);
  }
};

class ArchiveStore {
 public:
  virtual ~ArchiveStore() = default;

  // Stores `pdf` and `entry` (whose sha256 and size_bytes must describe
  // `pdf`: INVALID_ARGUMENT otherwise). See the contract above.
  virtual absl::StatusOr<PutResult> Put(const ArchiveEntry& entry, std::string_view pdf) = 0;

  // The entry of `paper_id` (with its request blob); NOT_FOUND if none.
  virtual absl::StatusOr<ArchiveEntry> Lookup(std::string_view paper_id) = 0;

  // The PDF bytes of `entry`, re-hashed: DATA_LOSS if they do not match.
  virtual absl::StatusOr<std::string> ReadPdf(const ArchiveEntry& entry) = 0;

  // The SHA-256 of the bytes stored for `entry` as they are now, without
  // judging them ("" when there are none): for verification reports.
  virtual absl::StatusOr<std::string> StoredSha256(const ArchiveEntry& entry) = 0;

  virtual absl::StatusOr<ListPage> List(const ListQuery& query) = 0;

  // OK while the index is usable; DATA_LOSS once the store has found it
  // corrupt (on a call, or by a consistency probe). Without `probe` only
  // what calls found (cheap: call it often); with it the store also checks
  // the whole index (PRAGMA quick_check for LocalArchiveStore: reads every
  // page, so seconds apart). For archive health (archive_setup.h).
  virtual absl::Status IndexHealth(bool probe) {
    (void)probe;
    return absl::OkStatus();
  }
};

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_STORE_H_
