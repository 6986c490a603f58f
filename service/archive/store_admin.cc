#include "service/archive/store_admin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "service/archive/local_archive_store.h"
#include "service/sha256.h"

namespace pp::service::archive {
namespace {

std::string Trimmed(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using Db = std::unique_ptr<sqlite3, SqliteCloser>;

absl::Status SqliteError(sqlite3* db, const std::string& what) {
  const std::string message =
      absl::StrCat(what, ": ", db ? sqlite3_errmsg(db) : "out of memory");
  const int code = db ? (sqlite3_extended_errcode(db) & 0xff) : SQLITE_NOMEM;
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return absl::DataLossError(message);
  return absl::UnavailableError(message);
}

// "file:" URI of `path` for sqlite3_open_v2 with SQLITE_OPEN_URI.
std::string FileUri(const std::string& path) {
  std::string out = "file:";
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#' || c < 0x21 || c >= 0x7f) {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// The index `path`, read-only, never through a symbolic link. With
// `untouched` and no -wal beside it (no process has the index open), it is
// opened as immutable, so not even SQLite's -wal/-shm companions are
// created.
absl::StatusOr<Db> OpenIndexReadOnly(const std::string& path, bool untouched = false) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a regular file (a symbolic link?); links are never followed"));
  }
  struct stat wal;
  const bool immutable = untouched && ::lstat((path + "-wal").c_str(), &wal) != 0 && errno == ENOENT;
  sqlite3* raw = nullptr;
  const std::string name = immutable ? FileUri(path) + "?immutable=1" : path;
  const int rc = sqlite3_open_v2(name.c_str(), &raw,
                                 SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_URI, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) return SqliteError(raw, absl::StrCat("open ", path));
  sqlite3_busy_timeout(raw, 10000);
  return db;
}

// The directory `path` new, or existing and empty (then it is used).
absl::Status NewOrEmptyDir(const std::string& path, const char* role) {
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(absl::StrCat(role, " ", path, " exists and is not a directory"));
    }
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) return absl::UnavailableError(absl::StrCat("open ", path, ": ", std::strerror(errno)));
    bool empty = true;
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) empty = false;
    }
    ::closedir(d);
    if (!empty) {
      return absl::FailedPreconditionError(
          absl::StrCat(role, " ", path, " is not empty: give a new or empty directory"));
    }
    return absl::OkStatus();
  }
  return MakeDirectories(path);
}

absl::Status SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("open ", path, ": ", std::strerror(errno)));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return absl::UnavailableError(absl::StrCat("fsync ", path, ": ", std::strerror(err)));
  return absl::OkStatus();
}

// Copies the whole database `from` into the new file `to_path` with
// SQLite's online backup API: one read transaction on `from`, so the copy
// is a consistent snapshot even while another process writes. The copy is
// closed (complete, no -wal left) and fsynced when this returns.
absl::Status CopyIndex(sqlite3* from, const std::string& to_path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(to_path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW, nullptr);
  Db to(raw);
  if (rc != SQLITE_OK) return SqliteError(raw, absl::StrCat("create ", to_path));
  sqlite3_backup* backup = sqlite3_backup_init(raw, "main", from, "main");
  if (backup == nullptr) return SqliteError(raw, "start the index backup");
  // -1: every page in one step (one read transaction on the source). A
  // writer holding the source's lock briefly: retry.
  for (int attempt = 0;; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_DONE) break;
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && attempt < 1000) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    break;
  }
  const int finish = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return absl::UnavailableError(absl::StrCat("copy the index: ", sqlite3_errstr(rc)));
  }
  if (finish != SQLITE_OK) return SqliteError(raw, "copy the index");
  to.reset();  // closes: a WAL-mode copy is checkpointed into the file
  return SyncFile(to_path);
}

// Reads the object of `sha256` from the store `dir` and checks it against
// `size` and the digest: its bytes, NOT_FOUND when absent, DATA_LOSS when
// damaged (or not a regular file).
absl::StatusOr<std::string> ReadObject(const std::string& dir, const std::string& sha256, int64_t size) {
  absl::StatusOr<std::string> bytes = ReadRegularFile(ObjectPathIn(dir, sha256));
  if (!bytes.ok()) return bytes.status();
  if (static_cast<int64_t>(bytes->size()) != size || Sha256Hex(*bytes) != sha256) {
    return absl::DataLossError(absl::StrCat("objects/", sha256.substr(0, 2), "/", sha256,
                                            ".pdf does not match its recorded size and SHA-256"));
  }
  return bytes;
}

// Copies the objects `rows` name from `from` into `to` (a store layout),
// each re-hashed; fan-out folders fsynced. Papers whose object is absent
// go to *missing (NOT_FOUND), damaged ones to *damaged.
absl::Status CopyObjects(const std::string& from, const std::string& to,
                         const std::vector<IndexedObject>& rows, int64_t* objects, int64_t* bytes,
                         std::vector<std::string>* missing, std::vector<std::string>* damaged) {
  std::map<std::string, std::vector<const IndexedObject*>> by_sha;
  for (const IndexedObject& r : rows) by_sha[r.sha256].push_back(&r);
  if (absl::Status s = MakeDirectories(to + "/objects"); !s.ok()) return s;
  std::set<std::string> fans;
  for (const auto& [sha, users] : by_sha) {
    absl::StatusOr<std::string> pdf = ReadObject(from, sha, users.front()->size_bytes);
    if (!pdf.ok()) {
      std::vector<std::string>* list = absl::IsNotFound(pdf.status()) ? missing
                                       : absl::IsDataLoss(pdf.status()) ? damaged
                                                                         : nullptr;
      if (list == nullptr) return pdf.status();
      for (const IndexedObject* r : users) list->push_back(r->paper_id);
      continue;
    }
    const std::string path = ObjectPathIn(to, sha);
    const std::string fan = path.substr(0, path.rfind('/'));
    if (fans.insert(fan).second) {
      if (absl::Status s = MakeDirectories(fan); !s.ok()) return s;
    }
    if (absl::Status s = WriteFileDurably(path, *pdf); !s.ok()) return s;
    ++*objects;
    *bytes += static_cast<int64_t>(pdf->size());
  }
  return SyncDirectory(to + "/objects");
}

}  // namespace

absl::StatusOr<StoreCheckReport> CheckStore(const std::string& dir_in, bool quarantine) {
  const std::string dir = Trimmed(dir_in);
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat(dir, " is not a directory"));
  }
  int lock_fd = -1;
  if (quarantine) {
    absl::StatusOr<int> fd = LockStore(dir);
    if (!fd.ok()) return fd.status();
    lock_fd = *fd;
  }
  auto unlock = [&] {
    if (lock_fd >= 0) ::close(lock_fd);
  };
  std::vector<IndexedObject> rows;
  bool index_missing = false;
  absl::StatusOr<Db> db = OpenIndexReadOnly(dir + "/index.sqlite3", /*untouched=*/true);
  if (absl::IsNotFound(db.status())) {
    index_missing = true;
  } else if (!db.ok()) {
    unlock();
    return db.status();
  } else {
    absl::StatusOr<std::vector<IndexedObject>> read = ReadIndexedObjects(db->get());
    db->reset();
    if (!read.ok()) {
      unlock();
      return read.status();
    }
    rows = *std::move(read);
  }
  StoreCheckReport report = ScanStore(dir, rows);
  report.index_missing = index_missing;
  if (quarantine) {
    absl::Status s = QuarantineFindings(dir, &report);
    unlock();
    if (!s.ok()) return s;
  }
  return report;
}

absl::StatusOr<BackupReport> BackupStore(const std::string& dir_in, const std::string& dest_in) {
  const std::string dir = Trimmed(dir_in);
  const std::string dest = Trimmed(dest_in);
  absl::StatusOr<Db> source = OpenIndexReadOnly(dir + "/index.sqlite3");
  if (!source.ok()) return source.status();
  if (absl::Status s = NewOrEmptyDir(dest, "backup destination"); !s.ok()) return s;
  const std::string index = dest + "/index.sqlite3";
  if (absl::Status s = CopyIndex(source->get(), index); !s.ok()) return s;
  source->reset();

  // The objects the copy names (not what the live index names now).
  absl::StatusOr<Db> copy = OpenIndexReadOnly(index);
  if (!copy.ok()) return copy.status();
  absl::StatusOr<std::vector<IndexedObject>> rows = ReadIndexedObjects(copy->get());
  copy->reset();
  if (!rows.ok()) return rows.status();
  BackupReport report;
  report.papers = static_cast<int64_t>(rows->size());
  if (absl::Status s = CopyObjects(dir, dest, *rows, &report.objects, &report.bytes,
                                   &report.damaged, &report.damaged);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = SyncDirectory(dest); !s.ok()) return s;
  return report;
}

absl::StatusOr<RestoreReport> RestoreStore(const std::string& backup_in, const std::string& dir_in) {
  const std::string backup = Trimmed(backup_in);
  const std::string dir = Trimmed(dir_in);
  absl::StatusOr<Db> source = OpenIndexReadOnly(backup + "/index.sqlite3", /*untouched=*/true);
  if (!source.ok()) return source.status();
  absl::StatusOr<std::vector<IndexedObject>> rows = ReadIndexedObjects(source->get());
  if (!rows.ok()) return rows.status();
  if (absl::Status s = NewOrEmptyDir(dir, "restore directory"); !s.ok()) return s;

  RestoreReport report;
  report.papers = static_cast<int64_t>(rows->size());
  std::vector<std::string> damaged;
  if (absl::Status s = CopyObjects(backup, dir, *rows, &report.objects, &report.bytes,
                                   &report.missing, &damaged);
      !s.ok()) {
    return s;
  }
  if (!damaged.empty()) {
    return absl::DataLossError(absl::StrCat(
        "the backup's copy of ", damaged.size(), " papers does not match its recorded SHA-256 (",
        absl::StrJoin(damaged, ", "), "); nothing was restored as a store (no index written in ",
        dir, "): restore from another backup"));
  }
  // The index last, under a temporary name, then renamed: until then the
  // directory is no store panelpaperd would start on with papers missing.
  const std::string partial = dir + "/index.sqlite3.restoring";
  if (absl::Status s = CopyIndex(source->get(), partial); !s.ok()) return s;
  source->reset();
  if (::rename(partial.c_str(), (dir + "/index.sqlite3").c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("rename ", partial, ": ", std::strerror(errno)));
  }
  if (absl::Status s = SyncDirectory(dir); !s.ok()) return s;
  return report;
}

absl::StatusOr<CopyReport> CopyStore(ArchiveStore& from, ArchiveStore& to) {
  CopyReport report;
  std::vector<ArchiveEntry> copied;
  ListQuery q;
  q.limit = 500;
  while (true) {
    absl::StatusOr<ListPage> page = from.List(q);
    if (!page.ok()) return page.status();
    for (const ArchiveEntry& listed : page->entries) {
      ++report.papers;
      absl::StatusOr<ArchiveEntry> entry = from.Lookup(listed.paper_id);  // with its request
      if (!entry.ok()) return entry.status();
      absl::StatusOr<std::string> pdf = from.ReadPdf(*entry);
      if (!pdf.ok()) {
        if (!absl::IsDataLoss(pdf.status())) return pdf.status();
        report.damaged.push_back(entry->paper_id);
        continue;
      }
      absl::StatusOr<PutResult> put = to.Put(*entry, *pdf);
      if (!put.ok()) {
        if (!absl::IsAlreadyExists(put.status())) return put.status();
        report.conflicts.push_back(entry->paper_id);
        continue;
      }
      if (put->created) {
        ++report.copied;
        report.bytes += entry->size_bytes;
      } else {
        ++report.present;
      }
      copied.push_back(*std::move(entry));
    }
    if (!page->more || page->entries.empty()) break;
    q.after_meeting_date = page->entries.back().meeting_date;
    q.after_paper_id = page->entries.back().paper_id;
  }
  // Verified after: every copied paper read back from the destination.
  for (const ArchiveEntry& e : copied) {
    absl::StatusOr<ArchiveEntry> there = to.Lookup(e.paper_id);
    if (!there.ok() && !absl::IsNotFound(there.status())) return there.status();
    bool same = there.ok() && *there == e;
    if (same) {
      absl::StatusOr<std::string> pdf = to.ReadPdf(*there);
      if (!pdf.ok() && !absl::IsDataLoss(pdf.status())) return pdf.status();
      same = pdf.ok();
    }
    if (same) {
      ++report.verified;
    } else {
      report.mismatched.push_back(e.paper_id);
    }
  }
  return report;
}

}  // namespace pp::service::archive
