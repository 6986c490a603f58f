#include "service/archive/local_archive_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cstring>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "service/sha256.h"

namespace pp::service::archive {
namespace {

// Index schema versions (PRAGMA user_version): 1 the first; 2 adds
// papers.renderer_identity (rows migrated from 1 keep it empty).
constexpr int kSchemaVersion = 2;

// This Abseil's string_view is its own type.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// An errno as a status: a full disk is RESOURCE_EXHAUSTED, anything else
// UNAVAILABLE (the storage is not usable now; Put is idempotent, so a retry
// is safe).
absl::Status ErrnoStatus(int err, absl::string_view what, absl::string_view path) {
  std::string message = absl::StrCat("archive storage: ", what, " ", path, ": ", std::strerror(err));
  if (err == ENOSPC || err == EDQUOT) return absl::ResourceExhaustedError(std::move(message));
  return absl::UnavailableError(std::move(message));
}

// A SQLite failure: a corrupt index (SQLITE_CORRUPT, SQLITE_NOTADB) is
// DATA_LOSS, anything else UNAVAILABLE.
absl::Status SqliteStatus(sqlite3* db, absl::string_view what) {
  std::string message =
      absl::StrCat("archive index: ", what, ": ", db ? sqlite3_errmsg(db) : "no connection");
  const int code = db ? (sqlite3_extended_errcode(db) & 0xff) : SQLITE_CANTOPEN;
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) {
    return absl::DataLossError(absl::StrCat(message, " (the index is corrupt: restore it from a backup)"));
  }
  return absl::UnavailableError(std::move(message));
}

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// mkdir -p; fsyncs each parent it created an entry in. A symbolic link
// where a directory should be is refused, never followed.
absl::Status MakeDirs(const std::string& path);

absl::Status NotADirectory(const std::string& path, const struct stat& st) {
  if (S_ISLNK(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "archive storage: ", path,
        " is a symbolic link; the store never follows links (make it a real directory)"));
  }
  return absl::UnavailableError(absl::StrCat("archive storage: ", path, " is not a directory"));
}

absl::Status SyncDir(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open directory", path);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus(err, "fsync directory", path);
  return absl::OkStatus();
}

std::string Parent(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status MakeDir(const std::string& path, bool* created) {
  *created = false;
  if (::mkdir(path.c_str(), 0750) == 0) {
    *created = true;
    return absl::OkStatus();
  }
  if (errno != EEXIST) return ErrnoStatus(errno, "create directory", path);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return NotADirectory(path, st);
  }
  return absl::OkStatus();
}

absl::Status MakeDirs(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return absl::OkStatus();
    return NotADirectory(path, st);
  }
  const std::string parent = Parent(path);
  if (parent != path && parent != "/" && parent != ".") {
    if (absl::Status s = MakeDirs(parent); !s.ok()) return s;
  }
  bool created = false;
  if (absl::Status s = MakeDir(path, &created); !s.ok()) return s;
  if (created) return SyncDir(parent);
  return absl::OkStatus();
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> out;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return rc_ == SQLITE_OK && stmt_ != nullptr; }
  void Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindBlob(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  int Step() { return sqlite3_step(stmt_); }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::string Blob(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    return p ? std::string(static_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

absl::Status Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status s = absl::UnavailableError(absl::StrCat("archive index: ", error ? error : "error"));
    sqlite3_free(error);
    return s;
  }
  return absl::OkStatus();
}

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS papers (
  paper_id           TEXT PRIMARY KEY NOT NULL,
  sha256             TEXT NOT NULL,
  size_bytes         INTEGER NOT NULL,
  page_count         INTEGER NOT NULL,
  renderer_version   TEXT NOT NULL,
  fonts_sha256       TEXT NOT NULL,
  request            BLOB NOT NULL,
  request_sha256     TEXT NOT NULL,
  panel_name         TEXT NOT NULL,
  meeting_date       TEXT NOT NULL,
  agenda_item        TEXT NOT NULL,
  title              TEXT NOT NULL,
  approved_by        TEXT NOT NULL,
  role               TEXT NOT NULL,
  decision_date      TEXT NOT NULL,
  meeting            TEXT NOT NULL,
  decision_reference TEXT NOT NULL,
  archived_by        TEXT NOT NULL,
  archived_at_millis INTEGER NOT NULL,
  renderer_identity  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS papers_by_date ON papers (meeting_date, paper_id);
CREATE INDEX IF NOT EXISTS papers_by_panel ON papers (panel_name, meeting_date, paper_id);
CREATE INDEX IF NOT EXISTS papers_by_sha256 ON papers (sha256);
CREATE TRIGGER IF NOT EXISTS papers_are_immutable BEFORE UPDATE ON papers
BEGIN SELECT RAISE(ABORT, 'archived papers are immutable'); END;
CREATE TRIGGER IF NOT EXISTS papers_are_kept BEFORE DELETE ON papers
BEGIN SELECT RAISE(ABORT, 'archived papers are never deleted'); END;
)sql";

// Columns in the order RowToEntry reads them.
constexpr char kColumns[] =
    "paper_id, sha256, size_bytes, page_count, renderer_version, fonts_sha256, request_sha256, "
    "panel_name, meeting_date, agenda_item, title, approved_by, role, decision_date, meeting, "
    "decision_reference, archived_by, archived_at_millis, request, renderer_identity";

ArchiveEntry RowToEntry(const Stmt& s, bool with_request) {
  ArchiveEntry e;
  e.paper_id = s.Text(0);
  e.sha256 = s.Text(1);
  e.size_bytes = s.Int(2);
  e.page_count = static_cast<int>(s.Int(3));
  e.renderer_version = s.Text(4);
  e.fonts_sha256 = s.Text(5);
  e.request_sha256 = s.Text(6);
  e.panel_name = s.Text(7);
  e.meeting_date = s.Text(8);
  e.agenda_item = s.Text(9);
  e.title = s.Text(10);
  e.approved_by = s.Text(11);
  e.role = s.Text(12);
  e.decision_date = s.Text(13);
  e.meeting = s.Text(14);
  e.decision_reference = s.Text(15);
  e.archived_by = s.Text(16);
  e.archived_at_millis = s.Int(17);
  if (with_request) e.request = s.Blob(18);
  e.renderer_identity = s.Text(19);
  return e;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalArchiveStore>> LocalArchiveStore::Open(
    LocalStoreOptions options, StoreCheckReport* report) {
  if (options.dir.empty()) return absl::InvalidArgumentError("archive directory not set");
  while (options.dir.size() > 1 && options.dir.back() == '/') options.dir.pop_back();
  const std::string& dir = options.dir;
  if (absl::Status s = MakeDirs(dir); !s.ok()) return s;
  StoreCheckReport local;
  if (report == nullptr) report = &local;
  *report = StoreCheckReport{};

  // One process at a time: its store check may move files being written.
  absl::StatusOr<int> lock_fd = LockStore(dir);
  if (!lock_fd.ok()) return lock_fd.status();
  auto fail = [&](absl::Status s) {
    ::close(*lock_fd);
    return s;
  };
  for (const char* sub : {"/objects", "/tmp"}) {
    if (absl::Status s = MakeDirs(dir + sub); !s.ok()) return fail(s);
  }

  // Before SQLite creates a fresh index: objects present and no index file
  // means the index was lost, not that the store is new.
  const std::string index_path = dir + "/index.sqlite3";
  struct stat st;
  if (::lstat(index_path.c_str(), &st) != 0) {
    if (errno != ENOENT) return fail(ErrnoStatus(errno, "inspect", index_path));
    *report = ScanStore(dir, {});
    report->index_missing = true;
    if (absl::Status s = LostIndexCheck(dir, *report); !s.ok()) return fail(s);
  } else if (!S_ISREG(st.st_mode)) {
    return fail(absl::FailedPreconditionError(absl::StrCat(
        "archive index ", index_path,
        " is not a regular file (a symbolic link?); the store never follows links")));
  }

  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      index_path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
      nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = SqliteStatus(db, absl::StrCat("open ", index_path));
    sqlite3_close(db);
    return fail(s);
  }
  std::unique_ptr<LocalArchiveStore> store(new LocalArchiveStore(std::move(options), *lock_fd, db));
  if (absl::Status s = store->InitSchema(); !s.ok()) return s;
  // The names of LOCK, the index files, objects/ and tmp/ durable too.
  if (absl::Status s = SyncDir(store->dir()); !s.ok()) return s;
  if (absl::Status s = store->Check(report); !s.ok()) return s;
  return store;
}

LocalArchiveStore::LocalArchiveStore(LocalStoreOptions options, int lock_fd, sqlite3* db)
    : options_(std::move(options)), lock_fd_(lock_fd), db_(db) {}

LocalArchiveStore::~LocalArchiveStore() {
  sqlite3_close(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

absl::Status LocalArchiveStore::InitSchema() {
  absl::MutexLock lock(&db_mu_);
  sqlite3_busy_timeout(db_, 10000);
  {
    // WAL: readers never block the writer; synchronous=FULL: a committed
    // transaction survives power loss, not only a process crash.
    Stmt wal(db_, "PRAGMA journal_mode=WAL");
    if (!wal.ok() || wal.Step() != SQLITE_ROW) return SqliteStatus(db_, "PRAGMA journal_mode");
    if (absl::AsciiStrToLower(wal.Text(0)) != "wal") {
      return absl::UnavailableError(
          absl::StrCat("archive index: the filesystem does not support WAL mode (journal_mode=",
                       wal.Text(0), ")"));
    }
  }
  if (absl::Status s = Exec(db_, "PRAGMA synchronous=FULL"); !s.ok()) return s;
  int version = 0;
  {
    Stmt v(db_, "PRAGMA user_version");
    if (!v.ok() || v.Step() != SQLITE_ROW) return SqliteStatus(db_, "PRAGMA user_version");
    version = static_cast<int>(v.Int(0));
  }
  if (version > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("archive index schema version ", version, " is newer than this server's (",
                     kSchemaVersion, "): upgrade panelpaperd"));
  }
  if (absl::Status s = Exec(db_, "BEGIN IMMEDIATE"); !s.ok()) return s;
  absl::Status s = Exec(db_, kSchema);
  if (s.ok() && version < 2) {
    // Version 1 -> 2: an index made before identities has no such column
    // (a new one got it from kSchema).
    bool has_identity = false;
    {
      Stmt cols(db_, "SELECT 1 FROM pragma_table_info('papers') WHERE name = 'renderer_identity'");
      if (!cols.ok()) {
        s = SqliteStatus(db_, "read the index's columns");
      } else {
        has_identity = cols.Step() == SQLITE_ROW;
      }
    }
    if (s.ok() && !has_identity) {
      s = Exec(db_, "ALTER TABLE papers ADD COLUMN renderer_identity TEXT NOT NULL DEFAULT ''");
    }
  }
  if (s.ok()) s = Exec(db_, absl::StrCat("PRAGMA user_version=", kSchemaVersion).c_str());
  if (s.ok()) return Exec(db_, "COMMIT");
  (void)Exec(db_, "ROLLBACK");
  return s;
}

std::string LocalArchiveStore::ObjectPath(std::string_view sha256) const {
  return ObjectPathIn(options_.dir, sha256);
}

absl::Status LocalArchiveStore::Step(std::string_view name) {
  if (options_.step_hook_for_testing) return options_.step_hook_for_testing(name);
  return absl::OkStatus();
}

absl::Status LocalArchiveStore::Check(StoreCheckReport* report) {
  absl::StatusOr<std::vector<IndexedObject>> rows;
  {
    absl::MutexLock lock(&db_mu_);
    rows = ReadIndexedObjects(db_);
  }
  if (!rows.ok()) {
    if (absl::IsDataLoss(rows.status())) index_corrupt_.store(true);
    return rows.status();
  }
  *report = ScanStore(options_.dir, *rows);
  if (absl::Status s = LostIndexCheck(options_.dir, *report); !s.ok()) return s;
  // At most one unindexed PDF (an interrupted Put), temporary files and
  // symbolic links: aside, kept.
  return QuarantineFindings(options_.dir, report);
}

absl::Status LocalArchiveStore::IndexError(std::string_view what) {
  absl::Status s = SqliteStatus(db_, AV(what));
  if (absl::IsDataLoss(s)) index_corrupt_.store(true);
  return s;
}

absl::Status LocalArchiveStore::ForClients(absl::Status s) const {
  if (s.ok()) return s;
  const std::string message = absl::StrReplaceAll(s.message(), {{options_.dir + "/", ""}, {options_.dir, "."}});
  return absl::Status(s.code(), message);
}

absl::Status LocalArchiveStore::IndexHealth(bool probe) {
  auto corrupt = [] {
    return absl::DataLossError("archive index is corrupt: restore it from a backup (README: Backup and restore)");
  };
  if (index_corrupt_.load()) return corrupt();
  if (!probe) return absl::OkStatus();
  absl::MutexLock lock(&probe_mu_);
  sqlite3* db = nullptr;
  const std::string index_path = options_.dir + "/index.sqlite3";
  int rc = sqlite3_open_v2(index_path.c_str(), &db,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, nullptr);
  absl::Status result = absl::OkStatus();
  if (rc != SQLITE_OK) {
    result = SqliteStatus(db, "open for the health probe");
  } else {
    sqlite3_busy_timeout(db, 10000);
    Stmt q(db, "PRAGMA quick_check");
    if (!q.ok()) {
      result = SqliteStatus(db, "quick_check");
    } else {
      rc = q.Step();
      if (rc == SQLITE_ROW) {
        if (q.Text(0) != "ok") result = corrupt();
      } else {
        result = SqliteStatus(db, "quick_check");
      }
    }
  }
  sqlite3_close(db);
  if (absl::IsDataLoss(result)) {
    index_corrupt_.store(true);
    return corrupt();
  }
  return result;
}

// ---- the store check's parts --------------------------------------------

absl::StatusOr<std::vector<IndexedObject>> ReadIndexedObjects(sqlite3* db) {
  std::vector<IndexedObject> rows;
  {
    // A fresh or emptied index may not have the table at all.
    Stmt t(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'papers'");
    if (!t.ok()) return SqliteStatus(db, "read the index");
    const int rc = t.Step();
    if (rc == SQLITE_DONE) return rows;
    if (rc != SQLITE_ROW) return SqliteStatus(db, "read the index");
  }
  Stmt q(db, "SELECT paper_id, sha256, size_bytes FROM papers ORDER BY paper_id");
  if (!q.ok()) return SqliteStatus(db, "read the index");
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    rows.push_back(IndexedObject{q.Text(0), q.Text(1), q.Int(2)});
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db, "read the index");
  return rows;
}

StoreCheckReport ScanStore(const std::string& dir, const std::vector<IndexedObject>& rows) {
  StoreCheckReport report;
  report.entries = static_cast<int64_t>(rows.size());
  std::set<std::string> referenced;
  for (const IndexedObject& r : rows) referenced.insert(r.sha256);
  auto is_link = [](const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
  };

  // 1. Interrupted writes (and anything else) in tmp/.
  for (const std::string& name : ListDir(dir + "/tmp")) {
    const std::string rel = "tmp/" + name;
    if (is_link(dir + "/" + rel)) {
      report.symlinks.push_back(rel);
    } else {
      report.temp_files.push_back(rel);
    }
  }

  // 2. objects/: PDFs no row refers to (written, but the process died
  // before the row was committed; nobody was told they exist).
  for (const std::string& fan : ListDir(dir + "/objects")) {
    const std::string fan_rel = "objects/" + fan;
    struct stat st;
    if (::lstat((dir + "/" + fan_rel).c_str(), &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      report.symlinks.push_back(fan_rel);
      continue;
    }
    if (!S_ISDIR(st.st_mode) || fan.size() != 2) {
      report.unknown_files.push_back(fan_rel);
      continue;
    }
    for (const std::string& name : ListDir(dir + "/" + fan_rel)) {
      const std::string rel = fan_rel + "/" + name;
      if (::lstat((dir + "/" + rel).c_str(), &st) != 0) continue;
      if (S_ISLNK(st.st_mode)) {
        report.symlinks.push_back(rel);
        continue;
      }
      const std::string_view sha = std::string_view(name).substr(0, 64);
      if (!S_ISREG(st.st_mode) || !(name.size() == 68 && absl::EndsWith(name, ".pdf") &&
                                    IsHex64(sha) && sha.substr(0, 2) == fan)) {
        report.unknown_files.push_back(rel);
        continue;
      }
      ++report.objects;
      if (referenced.count(std::string(sha)) == 0) report.unindexed_objects.push_back(rel);
    }
  }

  // 3. Rows whose bytes are gone, are not a regular file, or have the
  // wrong size (cheap: lstat only; reads re-hash).
  for (const IndexedObject& r : rows) {
    struct stat st;
    const std::string path = ObjectPathIn(dir, r.sha256);
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != r.size_bytes) {
      report.missing_or_damaged.push_back(r.paper_id);
    }
  }
  return report;
}

absl::Status LostIndexCheck(const std::string& dir, const StoreCheckReport& report) {
  std::string found;
  if (report.index_missing && report.objects > 0) {
    found = absl::StrCat(report.objects, " archived PDFs but no index file (index.sqlite3)");
  } else if (!report.index_missing && report.entries == 0 && report.objects > 0) {
    found = absl::StrCat(report.objects, " archived PDFs but an index without rows");
  } else if (report.unindexed_objects.size() > 1) {
    found = absl::StrCat(report.unindexed_objects.size(), " of ", report.objects,
                         " archived PDFs are not in the index (", report.entries,
                         " rows); an interrupted write leaves at most one");
  } else {
    return absl::OkStatus();
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "archive store ", dir, " looks like it lost its index: ", found,
      ". Nothing was changed. Restore index.sqlite3 together with its -wal file from a backup "
      "(panelpaper store restore; README: Backup and restore), or inspect the store with "
      "`panelpaper store check ",
      dir, "` and, if the PDFs really are not archived papers, move them aside with `panelpaper store check --quarantine ",
      dir, "`"));
}

absl::Status QuarantineFindings(const std::string& dir, StoreCheckReport* report) {
  std::vector<std::string> moving = report->temp_files;
  moving.insert(moving.end(), report->unindexed_objects.begin(), report->unindexed_objects.end());
  moving.insert(moving.end(), report->symlinks.begin(), report->symlinks.end());
  if (moving.empty()) return absl::OkStatus();

  // dir/quarantine/<UTC time>[-n]/: a new folder per check.
  const std::string base = dir + "/quarantine";
  if (absl::Status s = MakeDirs(base); !s.ok()) return s;
  char stamp[32];
  const time_t now = ::time(nullptr);
  struct tm utc;
  ::gmtime_r(&now, &utc);
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  std::string name = stamp;
  for (int n = 1;; ++n) {
    if (::mkdir((base + "/" + name).c_str(), 0750) == 0) break;
    if (errno != EEXIST) return ErrnoStatus(errno, "create directory", base + "/" + name);
    name = absl::StrCat(stamp, "-", n);
  }
  if (absl::Status s = SyncDir(base); !s.ok()) return s;
  report->quarantine_dir = "quarantine/" + name;
  const std::string target = base + "/" + name;

  std::set<std::string> touched;  // directories whose entries changed
  for (const std::string& rel : moving) {
    const std::string to = target + "/" + rel;
    if (absl::Status s = MakeDirs(Parent(to)); !s.ok()) return s;
    // rename() moves a link itself, never what it points to.
    if (::rename((dir + "/" + rel).c_str(), to.c_str()) != 0) {
      return ErrnoStatus(errno, "move into quarantine", dir + "/" + rel);
    }
    report->quarantined.push_back(rel);
    touched.insert(Parent(dir + "/" + rel));
    touched.insert(Parent(to));
  }
  for (const std::string& d : touched) {
    if (absl::Status s = SyncDir(d); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<int> LockStore(const std::string& dir) {
  const std::string lock_path = dir + "/LOCK";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) return ErrnoStatus(errno, "open", lock_path);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat("archive directory ", dir, " is in use by another process (", lock_path,
                       " is locked)"));
    }
    return ErrnoStatus(err, "lock", lock_path);
  }
  return fd;
}

absl::Status MakeDirectories(const std::string& path) { return MakeDirs(path); }

absl::Status SyncDirectory(const std::string& path) { return SyncDir(path); }

absl::Status WriteFileDurably(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".partial";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0440);
  if (fd < 0) return ErrnoStatus(errno, "create", tmp);
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return ErrnoStatus(err, "write", tmp);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "fsync", tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "rename into", path);
  }
  return SyncDir(Parent(path));
}

std::string ObjectPathIn(const std::string& dir, std::string_view sha256) {
  return absl::StrCat(dir, "/objects/", AV(sha256.substr(0, 2)), "/", AV(sha256), ".pdf");
}

absl::StatusOr<std::string> ReadRegularFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(path);
    if (errno == ELOOP) return absl::DataLossError(absl::StrCat(path, " is a symbolic link"));
    return ErrnoStatus(errno, "open", path);
  }
  std::string out;
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus(err, "inspect", path);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::DataLossError(absl::StrCat(path, " is not a regular file"));
  }
  if (st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

absl::StatusOr<ArchiveEntry> LocalArchiveStore::Lookup(std::string_view paper_id) {
  absl::MutexLock lock(&db_mu_);
  const std::string sql = absl::StrCat("SELECT ", kColumns, " FROM papers WHERE paper_id = ?1");
  Stmt q(db_, sql.c_str());
  if (!q.ok()) return IndexError("look up a paper");
  q.Bind(1, paper_id);
  const int rc = q.Step();
  if (rc == SQLITE_ROW) return RowToEntry(q, /*with_request=*/true);
  if (rc == SQLITE_DONE) {
    return absl::NotFoundError(absl::StrCat("no archived paper has the id \"", AV(paper_id), "\""));
  }
  return IndexError("look up a paper");
}

absl::StatusOr<bool> LocalArchiveStore::ShaReferenced(std::string_view sha256) {
  absl::MutexLock lock(&db_mu_);
  Stmt q(db_, "SELECT 1 FROM papers WHERE sha256 = ?1 LIMIT 1");
  if (!q.ok()) return IndexError("look up a PDF");
  q.Bind(1, sha256);
  const int rc = q.Step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return IndexError("look up a PDF");
}

absl::Status LocalArchiveStore::WriteObject(std::string_view sha256, std::string_view pdf,
                                            bool* wrote) {
  *wrote = false;
  const std::string path = ObjectPath(sha256);
  {
    // The same content may be stored already (content addressing): keep it
    // if it is intact, replace it if it is damaged.
    absl::StatusOr<std::string> existing = ReadRegularFile(path);
    if (existing.ok() && existing->size() == pdf.size() && Sha256Hex(*existing) == sha256) {
      return absl::OkStatus();
    }
    // Not a regular file (a link, a directory): damaged, replaced below.
    if (!existing.ok() && !absl::IsNotFound(existing.status()) &&
        !absl::IsDataLoss(existing.status())) {
      return existing.status();
    }
  }

  // 1. The bytes, in a temporary file of their own, synced.
  const std::string tmp = absl::StrCat(options_.dir, "/tmp/", AV(sha256), ".", ::getpid(), ".",
                                       temp_counter_.fetch_add(1), ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0440);
  if (fd < 0) return ErrnoStatus(errno, "create", tmp);
  auto fail = [&](int err, absl::string_view what) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, what, tmp);
  };
  size_t written = 0;
  while (written < pdf.size()) {
    const ssize_t n = ::write(fd, pdf.data() + written, pdf.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "write");
    }
    written += static_cast<size_t>(n);
  }
  if (absl::Status s = Step("temp_written"); !s.ok()) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  if (::fsync(fd) != 0) return fail(errno, "fsync");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "close", tmp);
  }
  if (absl::Status s = Step("temp_synced"); !s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }

  // 2. Its final name, atomically; then make the name durable.
  const std::string fan = Parent(path);
  if (absl::Status s = MakeDirs(fan); !s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return ErrnoStatus(err, "rename into", path);
  }
  *wrote = true;
  if (absl::Status s = Step("renamed"); !s.ok()) return s;
  if (absl::Status s = SyncDir(fan); !s.ok()) return s;
  return Step("dir_synced");
}

absl::Status LocalArchiveStore::Insert(const ArchiveEntry& e) {
  absl::MutexLock lock(&db_mu_);
  Stmt q(db_,
         "INSERT INTO papers (paper_id, sha256, size_bytes, page_count, renderer_version, "
         "fonts_sha256, request_sha256, panel_name, meeting_date, agenda_item, title, "
         "approved_by, role, decision_date, meeting, decision_reference, archived_by, "
         "archived_at_millis, request, renderer_identity) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
         "?18, ?19, ?20)");
  if (!q.ok()) return IndexError("prepare the insert");
  q.Bind(1, e.paper_id);
  q.Bind(2, e.sha256);
  q.Bind(3, e.size_bytes);
  q.Bind(4, static_cast<int64_t>(e.page_count));
  q.Bind(5, e.renderer_version);
  q.Bind(6, e.fonts_sha256);
  q.Bind(7, e.request_sha256);
  q.Bind(8, e.panel_name);
  q.Bind(9, e.meeting_date);
  q.Bind(10, e.agenda_item);
  q.Bind(11, e.title);
  q.Bind(12, e.approved_by);
  q.Bind(13, e.role);
  q.Bind(14, e.decision_date);
  q.Bind(15, e.meeting);
  q.Bind(16, e.decision_reference);
  q.Bind(17, e.archived_by);
  q.Bind(18, e.archived_at_millis);
  q.BindBlob(19, e.request);
  q.Bind(20, e.renderer_identity);
  // One statement in autocommit mode is one transaction: durable when
  // sqlite3_step returns SQLITE_DONE (WAL, synchronous=FULL).
  const int rc = q.Step();
  if (rc == SQLITE_DONE) return absl::OkStatus();
  if ((sqlite3_extended_errcode(db_) & 0xff) == SQLITE_CONSTRAINT) {
    return absl::AlreadyExistsError(absl::StrCat("paper id \"", e.paper_id, "\" is taken"));
  }
  return IndexError("insert the index row");
}

absl::StatusOr<PutResult> LocalArchiveStore::Put(const ArchiveEntry& entry, std::string_view pdf) {
  if (entry.paper_id.empty() || !IsHex64(entry.sha256) ||
      entry.size_bytes != static_cast<int64_t>(pdf.size()) || Sha256Hex(pdf) != entry.sha256) {
    return absl::InvalidArgumentError("archive entry does not describe the PDF given (id, size, SHA-256)");
  }
  absl::MutexLock put_lock(&put_mu_);
  // Immutability first: nothing is written for a taken id.
  if (absl::StatusOr<ArchiveEntry> existing = Lookup(entry.paper_id); existing.ok()) {
    if (existing->request_sha256 == entry.request_sha256) return PutResult{*std::move(existing), false};
    return absl::AlreadyExistsError(absl::StrCat(
        "paper \"", entry.paper_id,
        "\" is archived already with a different request or sign-off; archived papers are "
        "immutable (archive the new version under a new paper id)"));
  } else if (!absl::IsNotFound(existing.status())) {
    return ForClients(existing.status());
  }

  // On a failure the file this Put wrote may be a stray now: remove it
  // unless another entry has the same content (Puts are serialised, so
  // nothing else is writing it). Bytes that were there before this Put are
  // never removed. Should the removal fail, the next store check
  // quarantines the file.
  bool wrote = false;
  auto remove_stray = [&] {
    if (!wrote) return;
    absl::StatusOr<bool> used = ShaReferenced(entry.sha256);
    if (used.ok() && !*used) ::unlink(ObjectPath(entry.sha256).c_str());
  };
  if (absl::Status s = WriteObject(entry.sha256, pdf, &wrote); !s.ok()) {
    remove_stray();
    return ForClients(s);
  }
  if (absl::Status s = Insert(entry); !s.ok()) {
    remove_stray();
    return ForClients(s);
  }
  if (absl::Status s = Step("indexed"); !s.ok()) return s;
  ArchiveEntry stored = entry;
  return PutResult{std::move(stored), true};
}

absl::StatusOr<std::string> LocalArchiveStore::ReadPdf(const ArchiveEntry& entry) {
  absl::StatusOr<std::string> bytes = ReadRegularFile(ObjectPath(entry.sha256));
  if (!bytes.ok()) {
    if (absl::IsNotFound(bytes.status())) {
      return absl::DataLossError(absl::StrCat("archived paper \"", entry.paper_id,
                                              "\": its stored PDF is missing"));
    }
    if (absl::IsDataLoss(bytes.status())) {
      return absl::DataLossError(absl::StrCat(
          "archived paper \"", entry.paper_id,
          "\": its stored PDF is not a regular file (a directory or a symbolic link: the archive "
          "copy is damaged)"));
    }
    return ForClients(bytes.status());
  }
  if (static_cast<int64_t>(bytes->size()) != entry.size_bytes || Sha256Hex(*bytes) != entry.sha256) {
    return absl::DataLossError(absl::StrCat(
        "archived paper \"", entry.paper_id,
        "\": the stored PDF no longer matches its recorded SHA-256 (the archive copy is damaged)"));
  }
  return bytes;
}

absl::StatusOr<std::string> LocalArchiveStore::StoredSha256(const ArchiveEntry& entry) {
  absl::StatusOr<std::string> bytes = ReadRegularFile(ObjectPath(entry.sha256));
  if (!bytes.ok()) {
    // Missing, or not a regular file (a directory, a link): no bytes.
    if (absl::IsNotFound(bytes.status()) || absl::IsDataLoss(bytes.status())) return std::string();
    return ForClients(bytes.status());
  }
  return Sha256Hex(*bytes);
}

absl::StatusOr<ListPage> LocalArchiveStore::List(const ListQuery& query) {
  std::string sql = absl::StrCat("SELECT ", kColumns, " FROM papers WHERE 1");
  std::vector<std::string> args;
  auto arg = [&](std::string v) {
    args.push_back(std::move(v));
    return absl::StrCat("?", args.size());
  };
  if (!query.panel_name.empty()) absl::StrAppend(&sql, " AND panel_name = ", arg(query.panel_name));
  if (!query.agenda_item.empty()) absl::StrAppend(&sql, " AND agenda_item = ", arg(query.agenda_item));
  if (!query.meeting_date_from.empty()) {
    absl::StrAppend(&sql, " AND meeting_date >= ", arg(query.meeting_date_from));
  }
  if (!query.meeting_date_to.empty()) {
    absl::StrAppend(&sql, " AND meeting_date <= ", arg(query.meeting_date_to));
  }
  if (!query.after_meeting_date.empty() || !query.after_paper_id.empty()) {
    const std::string d = arg(query.after_meeting_date);
    const std::string id = arg(query.after_paper_id);
    absl::StrAppend(&sql, " AND (meeting_date > ", d, " OR (meeting_date = ", d,
                    " AND paper_id > ", id, "))");
  }
  const int limit = std::max(1, query.limit);
  absl::StrAppend(&sql, " ORDER BY meeting_date, paper_id LIMIT ", limit + 1);

  absl::MutexLock lock(&db_mu_);
  Stmt q(db_, sql.c_str());
  if (!q.ok()) return IndexError("list papers");
  for (size_t i = 0; i < args.size(); ++i) q.Bind(static_cast<int>(i + 1), args[i]);
  ListPage page;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    if (static_cast<int>(page.entries.size()) == limit) {
      page.more = true;
      break;
    }
    page.entries.push_back(RowToEntry(q, /*with_request=*/false));
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return IndexError("list papers");
  return page;
}

}  // namespace pp::service::archive
