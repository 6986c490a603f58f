// File: service/archive/postgres_archive_store.h
//
// PostgresArchiveStore: the ArchiveStore (archive_store.h) on a PostgreSQL
// server, shared by any number of panelpaperd replicas. Its contract is
// the interface's, unchanged. Everything lives in the database (libpq):
//
//   panelpaper_schema_version (version, applied_at)   one row per migration applied
//   pdfs   (sha256 PK, size_bytes, bytes bytea)       PDFs keyed by SHA-256: papers
//                                                     with identical bytes share one
//   papers (paper_id PK, ..., sha256 -> pdfs)         one row per paper (the index)
//
// Immutability is the database's: triggers refuse UPDATE, DELETE and
// TRUNCATE on both tables (even for the owner), and panelpaperd connects as
// a role granted only SELECT and INSERT (`panelpaper store migrate-schema
// --grant-to ROLE`). Text columns use the "C" collation, so List orders
// exactly like the local store.
//
// Put is one transaction: INSERT the PDF ... ON CONFLICT (sha256) DO
// NOTHING, INSERT the paper ... ON CONFLICT (paper_id) DO NOTHING; if the
// paper row was not inserted, the stored row decides — the same
// request_sha256 is an idempotent repeat, another is ALREADY_EXISTS — and
// the transaction rolls back (nothing written). Under READ COMMITTED the
// conflicting INSERT waits for a racing replica's transaction to finish,
// so two replicas archiving one id concurrently give exactly one created.
// Durable at COMMIT (synchronous_commit is forced on for our sessions when
// the server has it off). Reads re-hash the bytes: DATA_LOSS on mismatch.
// Unlike LocalArchiveStore, archiving the same content again does not
// repair a damaged pdfs row (the database refuses the UPDATE): restore the
// database from a backup (README: PostgreSQL archive).
//
// Statements time out after 30 s (57014, UNAVAILABLE) unless the role or
// database sets its own statement_timeout.
//
// Threads: a small pool of connections (options.connections, default 4),
// opened on demand; a call takes one for its duration and waits when all
// are busy. A broken connection is dropped and re-opened by the next call;
// the call that found it answers UNAVAILABLE (Put is idempotent: safe to
// retry).
//
// Connection strings are libpq conninfo ("host=db dbname=archive
// user=panelpaper") or URIs ("postgresql://panelpaper@db/archive"). A
// password is never accepted in one (it would show in `ps` and shell
// history): Open refuses it; use PGPASSFILE or `passfile=` instead.
//
//   PP_ASSIGN_OR_RETURN(auto store, PostgresArchiveStore::Open({.conninfo = "host=db dbname=archive"}));
#ifndef PANELPAPER_SERVICE_ARCHIVE_POSTGRES_ARCHIVE_STORE_H_
#define PANELPAPER_SERVICE_ARCHIVE_POSTGRES_ARCHIVE_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "service/archive/archive_store.h"

struct pg_conn;

namespace pp::service::archive {

// The schema version this build reads and writes.
inline constexpr int kPostgresSchemaVersion = 1;

struct PostgresStoreOptions {
  std::string conninfo;  // libpq conninfo or URI, without a password
  int connections = 4;   // pool size, >= 1
};

// INVALID_ARGUMENT when `conninfo` does not parse or carries a password.
absl::Status CheckConninfo(std::string_view conninfo);

struct MigrateReport {
  int from_version = 0;  // 0: the database had no archive schema
  int to_version = 0;
  std::string granted_to;  // the role given SELECT + INSERT, or ""
};

// Creates the archive schema in the database of `conninfo` (or migrates it
// to kPostgresSchemaVersion), in one transaction; run as the role that is
// to own the tables. With `grant_to`, that (existing) role gets USAGE on
// the schema, SELECT on the version table and SELECT + INSERT on papers and
// pdfs — nothing else. FAILED_PRECONDITION when the database's schema is
// newer than this build's.
absl::StatusOr<MigrateReport> MigratePostgresSchema(std::string_view conninfo,
                                                    std::string_view grant_to = "");

class PostgresArchiveStore final : public ArchiveStore {
 public:
  // Connects once and checks the schema version: FAILED_PRECONDITION when
  // the database has no archive schema or another version (run `panelpaper
  // store migrate-schema`), INVALID_ARGUMENT for a bad conninfo, UNAVAILABLE
  // when the server cannot be reached.
  static absl::StatusOr<std::unique_ptr<PostgresArchiveStore>> Open(PostgresStoreOptions options);
  ~PostgresArchiveStore() override;
  PostgresArchiveStore(const PostgresArchiveStore&) = delete;
  PostgresArchiveStore& operator=(const PostgresArchiveStore&) = delete;

  absl::StatusOr<PutResult> Put(const ArchiveEntry& entry, std::string_view pdf) override;
  absl::StatusOr<ArchiveEntry> Lookup(std::string_view paper_id) override;
  absl::StatusOr<std::string> ReadPdf(const ArchiveEntry& entry) override;
  absl::StatusOr<std::string> StoredSha256(const ArchiveEntry& entry) override;
  absl::StatusOr<ListPage> List(const ListQuery& query) override;
  // Without `probe`: OK. With it: a round trip that reads the schema
  // version (UNAVAILABLE when the server is unreachable, which does not
  // turn archive health off; FAILED_PRECONDITION when the version changed).
  absl::Status IndexHealth(bool probe) override;

  // "host=... dbname=..." as given (it never holds a password), for logs.
  const std::string& conninfo() const { return options_.conninfo; }

 private:
  class Lease;
  explicit PostgresArchiveStore(PostgresStoreOptions options);
  absl::StatusOr<pg_conn*> Acquire() ABSL_LOCKS_EXCLUDED(mu_);
  void Release(pg_conn* conn) ABSL_LOCKS_EXCLUDED(mu_);

  // Reads the stored bytes of `sha256`: NOT_FOUND when there is no row.
  absl::StatusOr<std::string> ReadBytes(std::string_view sha256);

  PostgresStoreOptions options_;
  absl::Mutex mu_;
  absl::CondVar cv_;
  std::vector<pg_conn*> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // connections in existence (idle or leased)
};

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_POSTGRES_ARCHIVE_STORE_H_
