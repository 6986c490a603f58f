// store_admin: `panelpaper store check` changes nothing and needs no lock;
// --quarantine moves (never deletes) and is refused while the store is
// open; backup while papers are being archived gives a consistent copy
// (every paper in it readable, nothing half-copied) without the store's
// LOCK; restore re-hashes every PDF, refuses a non-empty directory and a
// damaged backup, and gives a store that opens with every paper intact.
#include "service/archive/store_admin.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/archive/local_archive_store.h"
#include "service/sha256.h"

namespace pp::service::archive {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string NewDir(const std::string& name = "store") {
  std::string tmpl = testing::TempDir() + "/store_admin_XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl + "/" + name;
}

std::string Pdf(const std::string& tag) { return "%PDF-1.4\n%" + tag + "\n" + std::string(3000, 'x'); }

ArchiveEntry Entry(const std::string& id, const std::string& pdf) {
  ArchiveEntry e;
  e.paper_id = id;
  e.sha256 = Sha256Hex(pdf);
  e.size_bytes = static_cast<int64_t>(pdf.size());
  e.page_count = 1;
  e.renderer_version = "0.2.0";
  e.fonts_sha256 = std::string(64, 'f');
  e.request = "req " + id;
  e.request_sha256 = Sha256Hex(e.request);
  e.panel_name = "Panel";
  e.meeting_date = "2020-01-08";
  e.title = id;
  e.approved_by = "Jane Doe";
  e.decision_date = "2020-01-08";
  e.decision_reference = "REF/" + id;
  e.archived_by = "token:clerk";
  return e;
}

std::unique_ptr<LocalArchiveStore> OpenOrDie(const std::string& dir, StoreCheckReport* report = nullptr) {
  auto store = LocalArchiveStore::Open({dir, nullptr}, report);
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    std::abort();
  }
  return *std::move(store);
}

std::string StoreWithPapers(int n) {
  const std::string dir = NewDir();
  auto store = OpenOrDie(dir);
  for (int i = 0; i < n; ++i) {
    const std::string pdf = Pdf(absl::StrCat(i));
    if (!store->Put(Entry(absl::StrCat("p", i), pdf), pdf).ok()) std::abort();
  }
  return dir;
}

// Every path under `dir` with its size and mode: what "changes nothing" compares.
std::set<std::string> Tree(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = dir + "/" + name;
    struct stat st;
    lstat(path.c_str(), &st);
    out.insert(absl::StrCat(path, " ", st.st_mode, " ", S_ISDIR(st.st_mode) ? 0 : st.st_size));
    if (S_ISDIR(st.st_mode)) {
      for (const std::string& f : Tree(path)) out.insert(f);
    }
  }
  closedir(d);
  return out;
}

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ObjectRel(const std::string& pdf) {
  const std::string sha = Sha256Hex(pdf);
  return "objects/" + sha.substr(0, 2) + "/" + sha + ".pdf";
}

// Leaves `n` PDFs no row names, as a lost index would.
void AddUnindexed(const std::string& dir, int n) {
  for (int i = 0; i < n; ++i) {
    const std::string pdf = Pdf(absl::StrCat("orphan", i));
    const std::string rel = ObjectRel(pdf);
    mkdir((dir + "/" + rel.substr(0, 10)).c_str(), 0750);
    Write(dir + "/" + rel, pdf);
  }
}

TEST(CheckStore, ReportsAndChangesNothingEvenWhileTheStoreIsOpen) {
  const std::string dir = StoreWithPapers(3);
  AddUnindexed(dir, 2);
  Write(dir + "/tmp/x.1.1.tmp", "half");
  Write(dir + "/objects/NOTES", "note");
  auto open = OpenOrDie(dir + "/../other");  // unrelated
  const std::set<std::string> before = Tree(dir);
  auto r = CheckStore(dir, /*quarantine=*/false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->entries, 3);
  EXPECT_EQ(r->objects, 5);
  EXPECT_THAT(r->unindexed_objects, SizeIs(2));
  EXPECT_THAT(r->temp_files, ElementsAre("tmp/x.1.1.tmp"));
  EXPECT_THAT(r->unknown_files, ElementsAre("objects/NOTES"));
  EXPECT_THAT(r->quarantined, IsEmpty());
  EXPECT_FALSE(r->clean());
  EXPECT_FALSE(LostIndexCheck(dir, *r).ok());
  EXPECT_EQ(Tree(dir), before);
}

TEST(CheckStore, WorksWithoutTheLockAndWithoutAnIndex) {
  const std::string dir = StoreWithPapers(2);
  {
    // panelpaperd running: the check needs no lock.
    auto store = OpenOrDie(dir);
    auto r = CheckStore(dir, false);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->clean());
    EXPECT_EQ(r->entries, 2);
  }
  for (const char* f : {"/index.sqlite3", "/index.sqlite3-wal", "/index.sqlite3-shm"}) {
    unlink((dir + f).c_str());
  }
  const std::set<std::string> before = Tree(dir);
  auto r = CheckStore(dir, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->index_missing);
  EXPECT_EQ(r->objects, 2);
  EXPECT_THAT(LostIndexCheck(dir, *r).message(), HasSubstr("2 archived PDFs but no index file"));
  EXPECT_EQ(Tree(dir), before);
}

TEST(CheckStore, QuarantineMovesEverythingThatIsNotDataAndIsRefusedWhileTheStoreIsOpen) {
  const std::string dir = StoreWithPapers(2);
  AddUnindexed(dir, 3);
  Write(dir + "/tmp/x.1.1.tmp", "half");
  {
    auto store_fails = LocalArchiveStore::Open({dir, nullptr});
    ASSERT_EQ(store_fails.status().code(), absl::StatusCode::kFailedPrecondition);
  }
  const std::string other = StoreWithPapers(1);
  {
    auto store = OpenOrDie(other);
    EXPECT_EQ(CheckStore(other, true).status().code(), absl::StatusCode::kFailedPrecondition);
  }
  auto r = CheckStore(dir, /*quarantine=*/true);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->quarantined, SizeIs(4));
  for (int i = 0; i < 3; ++i) {
    const std::string pdf = Pdf(absl::StrCat("orphan", i));
    EXPECT_EQ(access((dir + "/" + ObjectRel(pdf)).c_str(), F_OK), -1);
    std::ifstream in(dir + "/" + r->quarantine_dir + "/" + ObjectRel(pdf), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), pdf);
  }
  // Now the store starts, with its papers.
  StoreCheckReport report;
  auto store = OpenOrDie(dir, &report);
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(*store->ReadPdf(*store->Lookup("p1")), Pdf("1"));
}

TEST(BackupStore, CopiesEveryPaperWhileAnotherThreadArchivesAndNeedsNoLock) {
  const std::string dir = StoreWithPapers(20);
  auto store = OpenOrDie(dir);  // holds the LOCK, as panelpaperd does
  std::atomic<bool> stop{false};
  std::atomic<int> archived{20};
  std::thread writer([&] {
    for (int i = 20; !stop.load() && i < 400; ++i) {
      const std::string pdf = Pdf(absl::StrCat(i));
      if (store->Put(Entry(absl::StrCat("p", i), pdf), pdf).ok()) archived.fetch_add(1);
    }
  });
  while (archived.load() < 30) std::this_thread::yield();
  const std::string dest = NewDir("backup");
  auto r = BackupStore(dir, dest);
  stop.store(true);
  writer.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(r->papers, 30);
  EXPECT_EQ(r->objects, r->papers);
  EXPECT_THAT(r->damaged, IsEmpty());
  // The backup is a store: clean, with exactly the papers its index names.
  auto check = CheckStore(dest, false);
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->clean());
  EXPECT_EQ(check->entries, r->papers);
  EXPECT_EQ(check->objects, r->papers);
  // Restored and opened: every paper the backup names, bytes intact, and
  // the papers archived before the backup began among them.
  const std::string restored = NewDir("restored");
  auto rr = RestoreStore(dest, restored);
  ASSERT_TRUE(rr.ok()) << rr.status();
  EXPECT_EQ(rr->papers, r->papers);
  EXPECT_THAT(rr->missing, IsEmpty());
  StoreCheckReport report;
  auto copy = OpenOrDie(restored, &report);
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(report.entries, r->papers);
  for (int i = 0; i < r->papers; ++i) {
    auto e = copy->Lookup(absl::StrCat("p", i));
    ASSERT_TRUE(e.ok()) << i << " " << e.status();
    EXPECT_EQ(*copy->ReadPdf(*e), Pdf(absl::StrCat(i)));
    EXPECT_EQ(*e, *store->Lookup(absl::StrCat("p", i)));
  }
}

TEST(BackupStore, RefusesANonEmptyDestinationAndReportsDamagedPapers) {
  const std::string dir = StoreWithPapers(3);
  const std::string dest = NewDir("backup");
  mkdir(dest.c_str(), 0750);
  Write(dest + "/something", "x");
  EXPECT_EQ(BackupStore(dir, dest).status().code(), absl::StatusCode::kFailedPrecondition);

  // p1's bytes damaged in the store: the backup holds the others and says so.
  {
    auto store = OpenOrDie(dir);
    const std::string path = store->ObjectPath(Sha256Hex(Pdf("1")));
    chmod(path.c_str(), 0640);
    Write(path, Pdf("1") + "tail");
  }
  const std::string dest2 = NewDir("backup");
  auto r = BackupStore(dir, dest2);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->papers, 3);
  EXPECT_EQ(r->objects, 2);
  EXPECT_THAT(r->damaged, ElementsAre("p1"));
  // Restoring it says p1 is missing; the store reports it damaged, as the
  // original was.
  const std::string restored = NewDir("restored");
  auto rr = RestoreStore(dest2, restored);
  ASSERT_TRUE(rr.ok()) << rr.status();
  EXPECT_THAT(rr->missing, ElementsAre("p1"));
  StoreCheckReport report;
  auto store = OpenOrDie(restored, &report);
  EXPECT_THAT(report.missing_or_damaged, ElementsAre("p1"));
  EXPECT_EQ(*store->ReadPdf(*store->Lookup("p2")), Pdf("2"));
}

TEST(RestoreStore, RefusesANonEmptyDirectoryAndADamagedBackup) {
  const std::string dir = StoreWithPapers(3);
  const std::string backup = NewDir("backup");
  ASSERT_TRUE(BackupStore(dir, backup).ok());
  // Into the live store (not empty): refused, nothing touched.
  const std::set<std::string> before = Tree(dir);
  EXPECT_EQ(RestoreStore(backup, dir).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Tree(dir), before);
  // A flipped byte in the backup: DATA_LOSS naming the paper, and no index
  // in the target (so panelpaperd refuses it rather than starting without p0).
  const std::string path = backup + "/" + ObjectRel(Pdf("0"));
  chmod(path.c_str(), 0640);
  std::string bytes = Pdf("0");
  bytes[20] ^= 1;
  Write(path, bytes);
  const std::string restored = NewDir("restored");
  const absl::Status s = RestoreStore(backup, restored).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss) << s;
  EXPECT_THAT(s.message(), HasSubstr("p0"));
  EXPECT_EQ(access((restored + "/index.sqlite3").c_str(), F_OK), -1);
  EXPECT_EQ(LocalArchiveStore::Open({restored, nullptr}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(RestoreStore, ABackupWithoutAnIndexIsNotFound) {
  const std::string empty = NewDir("nothing");
  mkdir(empty.c_str(), 0750);
  EXPECT_EQ(RestoreStore(empty, NewDir("restored")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(BackupStore(empty, NewDir("backup")).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace pp::service::archive
