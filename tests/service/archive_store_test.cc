// The ArchiveStore contract against both stores (LocalArchiveStore, and
// PostgresArchiveStore on a throwaway PostgreSQL 15): round trip,
// idempotency, ALREADY_EXISTS, DATA_LOSS, shared bytes, restart, immutable
// rows, racing puts, listing. PostgresArchiveStore alone: two replicas
// racing, schema version checks, the writer role, conninfos without
// passwords, store copy. Then LocalArchiveStore alone: round trip,
// immutability and idempotency, DATA_LOSS on damaged bytes, the crash-safe
// write sequence (in order, and a real crash — a forked child _exit()ing —
// after every step), the start-up store check (stray and temporary files
// removed, unknown files reported), restart, locking, immutable index rows.
#include "service/archive/local_archive_store.h"
#include "service/archive/postgres_archive_store.h"
#include "service/archive/store_admin.h"

#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <type_traits>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/sha256.h"
#include "tests/testing/postgres_fixture.h"

namespace pp::service::archive {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

std::string NewDir() {
  std::string tmpl = testing::TempDir() + "/archive_store_XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl + "/store";  // Open creates it
}

std::unique_ptr<LocalArchiveStore> OpenOrDie(const std::string& dir, StoreCheckReport* report = nullptr,
                                             std::function<absl::Status(std::string_view)> hook = {}) {
  auto store = LocalArchiveStore::Open({dir, std::move(hook)}, report);
  if (!store.ok()) {
    ADD_FAILURE() << store.status();
    std::abort();
  }
  return *std::move(store);
}

// An entry describing `pdf`, archived from `request`.
ArchiveEntry Entry(const std::string& id, const std::string& pdf, const std::string& request = "req",
                   const std::string& meeting_date = "2020-01-08",
                   const std::string& panel = "Joint Audit Panel", const std::string& item = "7b") {
  ArchiveEntry e;
  e.paper_id = id;
  e.sha256 = Sha256Hex(pdf);
  e.size_bytes = static_cast<int64_t>(pdf.size());
  e.page_count = 3;
  e.renderer_version = "0.1.0";
  e.fonts_sha256 = std::string(64, 'f');
  e.request = request;
  e.request_sha256 = Sha256Hex(request);
  e.panel_name = panel;
  e.meeting_date = meeting_date;
  e.agenda_item = item;
  e.title = "Title of " + id;
  e.approved_by = "Jane Doe";
  e.role = "Chair";
  e.decision_date = meeting_date;
  e.meeting = "Joint Audit Panel";
  e.decision_reference = "JAP/" + id;
  e.archived_by = "token:clerk";
  e.archived_at_millis = 1700000000123;
  e.renderer_identity = "panelpaper-renderer 0.1.0; libharu 2.3.0; zlib 1.2.13; fonts sha256:" +
                        std::string(64, 'f') + "; icc sha256:" + std::string(64, 'c') +
                        "; libharu-patches on";
  return e;
}

std::string Pdf(const std::string& tag) { return "%PDF-1.4\n%" + tag + "\n" + std::string(5000, 'x'); }

std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = dir + "/" + name;
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      for (const std::string& f : FilesUnder(path)) out.push_back(f);
    } else {
      out.push_back(path);
    }
  }
  closedir(d);
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void FlipByte(const std::string& path, size_t offset) {
  chmod(path.c_str(), 0640);  // stored files are read-only
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x01));
}

// What another reader of the index (a fresh SQLite connection) sees for
// "jap-7b" right now.
absl::StatusCode LookupFromAnotherConnection(const std::string& dir) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((dir + "/index.sqlite3").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) !=
      SQLITE_OK) {
    sqlite3_close(db);
    return absl::StatusCode::kUnavailable;
  }
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "SELECT 1 FROM papers WHERE paper_id = 'jap-7b'", -1, &s, nullptr);
  const int rc = sqlite3_step(s);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return rc == SQLITE_ROW ? absl::StatusCode::kOk : absl::StatusCode::kNotFound;
}

// ---- the ArchiveStore contract, against every implementation ---------------
//
// One typed suite over a backend: LocalArchiveStore in a temp directory, and
// PostgresArchiveStore on a fresh database of a throwaway PostgreSQL 15
// (tests/testing/postgres_fixture.h; skipped when it is not installed,
// failed under CI=true), connected as the insert/select-only role.

struct LocalBackend {
  void SetUp() { dir = NewDir(); }
  std::unique_ptr<ArchiveStore> Open() { return OpenOrDie(dir); }
  // Corrupts / removes the stored bytes of `sha256` behind the store's back.
  void DamageBytes(const std::string& sha256) { FlipByte(ObjectPathIn(dir, sha256), 100); }
  void RemoveBytes(const std::string& sha256) { ASSERT_EQ(unlink(ObjectPathIn(dir, sha256).c_str()), 0); }
  int64_t StoredPdfs() { return static_cast<int64_t>(FilesUnder(dir + "/objects").size()); }
  int64_t Rows() {
    sqlite3* db = nullptr;
    sqlite3_open((dir + "/index.sqlite3").c_str(), &db);
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM papers", -1, &s, nullptr);
    sqlite3_step(s);
    const int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
  }
  // Each attempt to change or remove archived rows, as the most privileged
  // writer there is: the error each gave ("" when it succeeded).
  std::vector<std::string> TryToChangeRows() {
    std::vector<std::string> out;
    sqlite3* db = nullptr;
    sqlite3_open((dir + "/index.sqlite3").c_str(), &db);
    for (const char* sql : {"UPDATE papers SET title = 'x'", "DELETE FROM papers"}) {
      char* error = nullptr;
      sqlite3_exec(db, sql, nullptr, nullptr, &error);
      out.push_back(error ? error : "");
      sqlite3_free(error);
    }
    sqlite3_close(db);
    return out;
  }
  std::string dir;
};

struct PostgresBackend {
  void SetUp() {
    PP_REQUIRE_POSTGRES(server);
    pg = server;
    owner = pg->NewDatabase();
    absl::StatusOr<MigrateReport> m = MigratePostgresSchema(owner, pp::test::PostgresServer::kWriterRole);
    ASSERT_TRUE(m.ok()) << m.status();
    writer = pg->AsRole(owner, pp::test::PostgresServer::kWriterRole);
  }
  std::unique_ptr<ArchiveStore> Open() {
    auto store = PostgresArchiveStore::Open({writer, 4});
    if (!store.ok()) {
      ADD_FAILURE() << store.status();
      std::abort();
    }
    return *std::move(store);
  }
  // As the superuser with triggers (and the foreign key) switched off.
  void Tamper(const std::string& sql) {
    auto r = pg->Query(owner, "SET session_replication_role = replica; " + sql);
    ASSERT_TRUE(r.ok()) << r.status();
  }
  void DamageBytes(const std::string& sha256) {
    Tamper("UPDATE pdfs SET bytes = set_byte(bytes, 100, get_byte(bytes, 100) # 1) WHERE sha256 = '" +
           sha256 + "'");
  }
  void RemoveBytes(const std::string& sha256) { Tamper("DELETE FROM pdfs WHERE sha256 = '" + sha256 + "'"); }
  int64_t Count(const char* table) {
    auto r = pg->Query(owner, std::string("SELECT count(*) FROM ") + table);
    return r.ok() ? std::stoll((*r)[0][0]) : -1;
  }
  int64_t StoredPdfs() { return Count("pdfs"); }
  int64_t Rows() { return Count("papers"); }
  std::vector<std::string> TryToChangeRows() {
    std::vector<std::string> out;
    for (const std::string& who : {owner, writer}) {
      for (const char* sql : {"UPDATE papers SET title = 'x'", "DELETE FROM papers", "TRUNCATE papers CASCADE",
                              "UPDATE pdfs SET size_bytes = 1", "DELETE FROM pdfs", "TRUNCATE pdfs CASCADE"}) {
        auto r = pg->Query(who, sql);
        out.push_back(r.ok() ? "" : std::string(r.status().message()));
      }
    }
    return out;
  }
  pp::test::PostgresServer* pg = nullptr;
  std::string owner, writer;
};

template <typename Backend>
class ArchiveStoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    backend_.SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = backend_.Open();
  }
  Backend backend_;
  std::unique_ptr<ArchiveStore> store_;
};

class BackendNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, LocalBackend> ? "local" : "postgres";
  }
};
using Backends = ::testing::Types<LocalBackend, PostgresBackend>;
TYPED_TEST_SUITE(ArchiveStoreContract, Backends, BackendNames);

TYPED_TEST(ArchiveStoreContract, PutThenReadGivesTheSameBytesAndEntry) {
  const std::string pdf = Pdf("a");
  auto put = this->store_->Put(Entry("jap-7b", pdf), pdf);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_TRUE(put->created);
  EXPECT_EQ(put->entry, Entry("jap-7b", pdf));
  auto entry = this->store_->Lookup("jap-7b");
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(*entry, Entry("jap-7b", pdf));
  auto bytes = this->store_->ReadPdf(*entry);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, pdf);
  EXPECT_EQ(*this->store_->StoredSha256(*entry), Sha256Hex(pdf));
}

TYPED_TEST(ArchiveStoreContract, EveryByteValueAndTextSurvivesTheRoundTrip) {
  std::string pdf = Pdf("bin");
  for (int i = 0; i < 256; ++i) pdf.push_back(static_cast<char>(i));
  std::string request;
  for (int i = 255; i >= 0; --i) request.push_back(static_cast<char>(i));
  ArchiveEntry e = Entry("unicode-£-é-”", pdf, request);
  e.title = "Budget 2020–21: £1.5m — “revised” ½ €";
  e.agenda_item = "";
  ASSERT_TRUE(this->store_->Put(e, pdf).ok());
  auto back = this->store_->Lookup(e.paper_id);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, e);
  EXPECT_EQ(*this->store_->ReadPdf(*back), pdf);
}

TYPED_TEST(ArchiveStoreContract, UnknownIdIsNotFound) {
  EXPECT_EQ(this->store_->Lookup("nope").status().code(), absl::StatusCode::kNotFound);
}

TYPED_TEST(ArchiveStoreContract, IdenticalRequestIsIdempotent) {
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(this->store_->Put(Entry("jap-7b", pdf), pdf).ok());
  ArchiveEntry again = Entry("jap-7b", pdf);
  again.archived_by = "token:other";
  again.archived_at_millis = 1800000000000;
  auto put = this->store_->Put(again, pdf);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_FALSE(put->created);
  // The stored entry, not the new one.
  EXPECT_EQ(put->entry, Entry("jap-7b", pdf));
  EXPECT_EQ(this->backend_.Rows(), 1);
}

TYPED_TEST(ArchiveStoreContract, DifferentRequestUnderATakenIdIsAlreadyExistsAndWritesNothing) {
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(this->store_->Put(Entry("jap-7b", pdf), pdf).ok());
  const std::string other = Pdf("b");
  auto put = this->store_->Put(Entry("jap-7b", other, "another request"), other);
  EXPECT_EQ(put.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(put.status().message(), HasSubstr("immutable"));
  EXPECT_EQ(this->backend_.StoredPdfs(), 1);
  EXPECT_EQ(this->backend_.Rows(), 1);
  EXPECT_EQ(*this->store_->ReadPdf(*this->store_->Lookup("jap-7b")), pdf);
}

TYPED_TEST(ArchiveStoreContract, PutRefusesAnEntryThatDoesNotDescribeTheBytes) {
  ArchiveEntry e = Entry("x", Pdf("a"));
  EXPECT_EQ(this->store_->Put(e, Pdf("b")).status().code(), absl::StatusCode::kInvalidArgument);
  e.size_bytes += 1;
  EXPECT_EQ(this->store_->Put(e, Pdf("a")).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(this->backend_.Rows(), 0);
}

TYPED_TEST(ArchiveStoreContract, AFlippedByteIsDataLoss) {
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(this->store_->Put(Entry("jap-7b", pdf), pdf).ok());
  this->backend_.DamageBytes(Sha256Hex(pdf));
  auto entry = this->store_->Lookup("jap-7b");
  ASSERT_TRUE(entry.ok());
  auto bytes = this->store_->ReadPdf(*entry);
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(bytes.status().message(), HasSubstr("damaged"));
  auto stored = this->store_->StoredSha256(*entry);
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(*stored, entry->sha256);
  EXPECT_THAT(*stored, SizeIs(64));
}

TYPED_TEST(ArchiveStoreContract, MissingBytesAreDataLoss) {
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(this->store_->Put(Entry("jap-7b", pdf), pdf).ok());
  this->backend_.RemoveBytes(Sha256Hex(pdf));
  auto entry = this->store_->Lookup("jap-7b");
  EXPECT_EQ(this->store_->ReadPdf(*entry).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(*this->store_->StoredSha256(*entry), "");
}

TYPED_TEST(ArchiveStoreContract, SameContentUnderTwoIdsIsStoredOnce) {
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(this->store_->Put(Entry("one", pdf), pdf).ok());
  ASSERT_TRUE(this->store_->Put(Entry("two", pdf, "other request"), pdf).ok());
  EXPECT_EQ(this->backend_.StoredPdfs(), 1);
  EXPECT_EQ(this->backend_.Rows(), 2);
  EXPECT_EQ(*this->store_->ReadPdf(*this->store_->Lookup("two")), pdf);
}

TYPED_TEST(ArchiveStoreContract, ARestartKeepsEverything) {
  for (int i = 0; i < 5; ++i) {
    const std::string pdf = Pdf(absl::StrCat(i));
    ASSERT_TRUE(this->store_->Put(Entry(absl::StrCat("p", i), pdf), pdf).ok());
  }
  this->store_.reset();
  auto store = this->backend_.Open();
  for (int i = 0; i < 5; ++i) {
    auto entry = store->Lookup(absl::StrCat("p", i));
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(*entry, Entry(absl::StrCat("p", i), Pdf(absl::StrCat(i))));
    EXPECT_EQ(*store->ReadPdf(*entry), Pdf(absl::StrCat(i)));
  }
}

TYPED_TEST(ArchiveStoreContract, StoredRowsCannotBeChangedOrDeleted) {
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(this->store_->Put(Entry("jap-7b", pdf), pdf).ok());
  for (const std::string& error : this->backend_.TryToChangeRows()) {
    EXPECT_THAT(error, Not(IsEmpty()));
  }
  EXPECT_EQ(this->backend_.Rows(), 1);
  auto entry = this->store_->Lookup("jap-7b");
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(*entry, Entry("jap-7b", pdf));
  auto bytes = this->store_->ReadPdf(*entry);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, pdf);
}

// Many threads archiving one id at once, with the same request or another:
// exactly one is created, the same request is an idempotent repeat, another
// ALREADY_EXISTS; one row, one PDF.
TYPED_TEST(ArchiveStoreContract, RacingPutsOnOneIdCreateItOnce) {
  constexpr int kThreads = 24;
  std::vector<absl::StatusOr<PutResult>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const bool same = i % 3 != 0;
      const std::string pdf = Pdf(same ? "same" : absl::StrCat("other", i));
      results[i] = this->store_->Put(Entry("race", pdf, same ? "req" : absl::StrCat("req", i)), pdf);
    });
  }
  for (std::thread& t : threads) t.join();
  int created = 0, repeats = 0, exists = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      (r->created ? created : repeats)++;
    } else {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists) << r.status();
      exists++;
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(created + repeats + exists, kThreads);
  EXPECT_EQ(this->backend_.Rows(), 1);
  EXPECT_EQ(this->backend_.StoredPdfs(), 1);
  auto entry = this->store_->Lookup("race");
  ASSERT_TRUE(entry.ok());
  EXPECT_TRUE(this->store_->ReadPdf(*entry).ok());
}

TYPED_TEST(ArchiveStoreContract, ListFiltersAndPagesInMeetingDateOrder) {
  ArchiveStore* store = this->store_.get();
  struct P {
    const char *id, *date, *panel, *item;
  };
  const P papers[] = {
      {"c", "2020-03-01", "Audit", "7b"}, {"a", "2020-01-08", "Audit", "7b"},
      {"b", "2020-01-08", "Audit", "3"},  {"d", "2021-01-01", "Ethics", "7b"},
      {"e", "2019-12-31", "Audit", "1"},  {"B", "2020-01-08", "Audit", "3"},
  };
  for (const P& p : papers) {
    const std::string pdf = Pdf(p.id);
    ASSERT_TRUE(store->Put(Entry(p.id, pdf, p.id, p.date, p.panel, p.item), pdf).ok());
  }
  auto ids = [&](const ListQuery& q) {
    std::vector<std::string> out;
    auto page = store->List(q);
    EXPECT_TRUE(page.ok()) << page.status();
    for (const ArchiveEntry& e : page->entries) {
      out.push_back(e.paper_id);
      EXPECT_EQ(e.request, "");  // listing leaves the request blob out
    }
    return out;
  };
  // Byte order ("B" before "a"), whatever the database's locale.
  EXPECT_THAT(ids({}), ElementsAre("e", "B", "a", "b", "c", "d"));
  ListQuery panel;
  panel.panel_name = "Audit";
  EXPECT_THAT(ids(panel), ElementsAre("e", "B", "a", "b", "c"));
  ListQuery item;
  item.agenda_item = "7b";
  EXPECT_THAT(ids(item), ElementsAre("a", "c", "d"));
  ListQuery dates;
  dates.meeting_date_from = "2020-01-08";
  dates.meeting_date_to = "2020-12-31";
  EXPECT_THAT(ids(dates), ElementsAre("B", "a", "b", "c"));
  // Keyset pages of two.
  ListQuery q;
  q.limit = 2;
  auto page = store->List(q);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->more);
  EXPECT_THAT(page->entries, SizeIs(2));
  q.after_meeting_date = page->entries.back().meeting_date;
  q.after_paper_id = page->entries.back().paper_id;
  EXPECT_THAT(ids(q), ElementsAre("a", "b"));
  q.after_meeting_date = "2020-03-01";
  q.after_paper_id = "c";
  page = store->List(q);
  EXPECT_THAT(page->entries, SizeIs(1));
  EXPECT_FALSE(page->more);
}


// ---- PostgresArchiveStore only ---------------------------------------------

// Two stores on one database (two replicas), 24 threads racing on one id
// through both: one created, one row, one PDF.
TEST(PostgresArchiveStore, TwoReplicasRacingOnOneIdCreateItOnce) {
  PostgresBackend backend;
  backend.SetUp();
  if (::testing::Test::IsSkipped() || ::testing::Test::HasFatalFailure()) return;
  std::unique_ptr<ArchiveStore> replicas[2] = {backend.Open(), backend.Open()};
  constexpr int kThreads = 24;
  std::vector<absl::StatusOr<PutResult>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      const bool same = i % 4 != 0;
      const std::string pdf = Pdf(same ? "same" : absl::StrCat("other", i));
      results[i] = replicas[i % 2]->Put(Entry("race", pdf, same ? "req" : absl::StrCat("req", i)), pdf);
    });
  }
  for (std::thread& t : threads) t.join();
  int created = 0;
  for (const auto& r : results) {
    if (r.ok()) {
      created += r->created ? 1 : 0;
    } else {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists) << r.status();
    }
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(backend.Rows(), 1);
  EXPECT_EQ(backend.StoredPdfs(), 1);
  auto entry = replicas[1]->Lookup("race");
  ASSERT_TRUE(entry.ok());
  EXPECT_TRUE(replicas[0]->ReadPdf(*entry).ok());
}

TEST(PostgresArchiveStore, AConninfoWithAPasswordIsRefused) {
  for (const char* c : {"host=db password=secret dbname=a", "postgresql://u:secret@db/a",
                        "postgresql://u@db/a?password=secret"}) {
    SCOPED_TRACE(c);
    const absl::Status s = CheckConninfo(c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(s.message(), HasSubstr("PGPASSFILE"));
    EXPECT_THAT(s.message(), Not(HasSubstr("secret")));
    EXPECT_EQ(PostgresArchiveStore::Open({c, 1}).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(MigratePostgresSchema(c).status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(CheckConninfo("host=/run/postgresql dbname=archive passfile=/etc/pp/pgpass").ok());
  EXPECT_TRUE(CheckConninfo("postgresql://panelpaper@db.example/archive").ok());
  EXPECT_EQ(CheckConninfo("host='unterminated").code(), absl::StatusCode::kInvalidArgument);
}

TEST(PostgresArchiveStore, OpenChecksTheSchemaVersion) {
  PP_REQUIRE_POSTGRES(pg);
  const std::string db = pg->NewDatabase();
  auto none = PostgresArchiveStore::Open({db, 1});
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(none.status().message(), HasSubstr("migrate-schema"));
  auto first = MigratePostgresSchema(db);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->from_version, 0);
  EXPECT_EQ(first->to_version, kPostgresSchemaVersion);
  // Again: nothing to do.
  auto again = MigratePostgresSchema(db);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->from_version, kPostgresSchemaVersion);
  EXPECT_TRUE(PostgresArchiveStore::Open({db, 1}).ok());
  // A newer schema (a later panelpaper migrated it): refused by both.
  ASSERT_TRUE(pg->Query(db, "INSERT INTO panelpaper_schema_version (version) VALUES (99)").ok());
  auto newer = PostgresArchiveStore::Open({db, 1});
  EXPECT_EQ(newer.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(newer.status().message(), HasSubstr("99"));
  EXPECT_EQ(MigratePostgresSchema(db).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(PostgresArchiveStore, TheWriterRoleMayOnlyInsertAndSelect) {
  PP_REQUIRE_POSTGRES(pg);
  const std::string db = pg->NewDatabase();
  ASSERT_TRUE(MigratePostgresSchema(db, pp::test::PostgresServer::kWriterRole).ok());
  const std::string writer = pg->AsRole(db, pp::test::PostgresServer::kWriterRole);
  for (const char* p : {"INSERT", "SELECT"}) {
    auto r = pg->Query(writer, absl::StrCat("SELECT has_table_privilege('papers', '", p,
                                            "') AND has_table_privilege('pdfs', '", p, "')"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ((*r)[0][0], "t") << p;
  }
  for (const char* p : {"UPDATE", "DELETE", "TRUNCATE"}) {
    auto r = pg->Query(writer, absl::StrCat("SELECT has_table_privilege('papers', '", p,
                                            "') OR has_table_privilege('pdfs', '", p, "')"));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ((*r)[0][0], "f") << p;
  }
  // The writer cannot alter the schema either.
  EXPECT_FALSE(pg->Query(writer, "DROP TRIGGER papers_are_immutable ON papers").ok());
  EXPECT_FALSE(pg->Query(writer, "INSERT INTO panelpaper_schema_version (version) VALUES (2)").ok());
}

TEST(PostgresArchiveStore, AnUnreachableServerIsUnavailableWithoutItsAddress) {
  auto store = PostgresArchiveStore::Open({"host=/nonexistent/socket/dir port=1 dbname=x connect_timeout=2", 1});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(store.status().message(), Not(HasSubstr("/nonexistent")));
}

// `panelpaper store copy`: a local store into PostgreSQL, entries, requests
// and bytes; a damaged local paper is reported and skipped, a paper held
// with another request is a conflict, a second run copies nothing new.
TEST(PostgresArchiveStore, CopyStoreMovesALocalArchiveAndVerifiesIt) {
  PostgresBackend backend;
  backend.SetUp();
  if (::testing::Test::IsSkipped() || ::testing::Test::HasFatalFailure()) return;
  const std::string dir = NewDir();
  auto local = OpenOrDie(dir);
  for (int i = 0; i < 7; ++i) {
    const std::string pdf = Pdf(absl::StrCat(i % 5));  // two pairs share bytes
    ASSERT_TRUE(local->Put(Entry(absl::StrCat("p", i), pdf, absl::StrCat("req", i)), pdf).ok());
  }
  const std::string damaged = Pdf("damaged");
  ASSERT_TRUE(local->Put(Entry("z-damaged", damaged, "reqz"), damaged).ok());
  FlipByte(ObjectPathIn(dir, Sha256Hex(damaged)), 50);
  auto pg = backend.Open();
  const std::string taken = Pdf("taken");
  ASSERT_TRUE(pg->Put(Entry("p3", taken, "another request"), taken).ok());

  absl::StatusOr<CopyReport> r = CopyStore(*local, *pg);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->papers, 8);
  EXPECT_EQ(r->copied, 6);
  EXPECT_EQ(r->present, 0);
  EXPECT_EQ(r->verified, 6);
  EXPECT_THAT(r->conflicts, ElementsAre("p3"));
  EXPECT_THAT(r->damaged, ElementsAre("z-damaged"));
  EXPECT_THAT(r->mismatched, IsEmpty());
  for (int i : {0, 1, 2, 4, 5, 6}) {
    auto e = pg->Lookup(absl::StrCat("p", i));
    ASSERT_TRUE(e.ok()) << e.status();
    EXPECT_EQ(*e, *local->Lookup(absl::StrCat("p", i)));
    EXPECT_EQ(*pg->ReadPdf(*e), Pdf(absl::StrCat(i % 5)));
  }
  // Contents 0, 1, 2, 4 (p5, p6 share those of p0, p1) and "taken".
  EXPECT_EQ(backend.StoredPdfs(), 5);
  // Again: nothing new, everything verified.
  r = CopyStore(*local, *pg);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->copied, 0);
  EXPECT_EQ(r->present, 6);
  EXPECT_EQ(r->verified, 6);
}

// ---- LocalArchiveStore only -------------------------------------------------

TEST(LocalArchiveStore, PutThenReadGivesTheSameBytesAndEntry) {
  auto store = OpenOrDie(NewDir());
  const std::string pdf = Pdf("a");
  auto put = store->Put(Entry("jap-7b", pdf), pdf);
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_TRUE(put->created);
  auto entry = store->Lookup("jap-7b");
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(*entry, Entry("jap-7b", pdf));
  auto bytes = store->ReadPdf(*entry);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, pdf);
  // Content-addressed, read-only.
  struct stat st;
  ASSERT_EQ(stat(store->ObjectPath(Sha256Hex(pdf)).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0222, 0u);
}

TEST(LocalArchiveStore, DifferentRequestUnderATakenIdIsAlreadyExistsAndWritesNothing) {
  const std::string dir = NewDir();
  auto store = OpenOrDie(dir);
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(store->Put(Entry("jap-7b", pdf), pdf).ok());
  const std::vector<std::string> before = FilesUnder(dir + "/objects");
  const std::string other = Pdf("b");
  auto put = store->Put(Entry("jap-7b", other, "another request"), other);
  EXPECT_EQ(put.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(put.status().message(), HasSubstr("immutable"));
  EXPECT_EQ(FilesUnder(dir + "/objects"), before);
  EXPECT_EQ(*store->ReadPdf(*store->Lookup("jap-7b")), pdf);
}

TEST(LocalArchiveStore, AFlippedByteIsDataLoss) {
  auto store = OpenOrDie(NewDir());
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(store->Put(Entry("jap-7b", pdf), pdf).ok());
  FlipByte(store->ObjectPath(Sha256Hex(pdf)), 100);
  auto entry = store->Lookup("jap-7b");
  ASSERT_TRUE(entry.ok());
  auto bytes = store->ReadPdf(*entry);
  EXPECT_EQ(bytes.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(bytes.status().message(), HasSubstr("damaged"));
  auto stored = store->StoredSha256(*entry);
  ASSERT_TRUE(stored.ok());
  EXPECT_NE(*stored, entry->sha256);
  EXPECT_THAT(*stored, SizeIs(64));
}

TEST(LocalArchiveStore, ADamagedCopyIsReplacedWhenTheSameContentIsArchivedAgain) {
  auto store = OpenOrDie(NewDir());
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(store->Put(Entry("one", pdf), pdf).ok());
  FlipByte(store->ObjectPath(Sha256Hex(pdf)), 10);
  ASSERT_TRUE(store->Put(Entry("two", pdf, "second request"), pdf).ok());
  EXPECT_EQ(*store->ReadPdf(*store->Lookup("one")), pdf);
}

TEST(LocalArchiveStore, SameContentUnderTwoIdsIsStoredOnce) {
  const std::string dir = NewDir();
  auto store = OpenOrDie(dir);
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(store->Put(Entry("one", pdf), pdf).ok());
  ASSERT_TRUE(store->Put(Entry("two", pdf, "other request"), pdf).ok());
  EXPECT_THAT(FilesUnder(dir + "/objects"), SizeIs(1));
}

TEST(LocalArchiveStore, WriteSequenceIsFileSyncRenameDirSyncThenIndex) {
  std::vector<std::string> steps;
  const std::string dir = NewDir();
  auto store = OpenOrDie(dir, nullptr, [&](std::string_view step) {
    steps.emplace_back(step);
    // At every step before the index row, the paper is not visible.
    if (step != "indexed") {
      EXPECT_EQ(LookupFromAnotherConnection(dir), absl::StatusCode::kNotFound) << step;
    }
    return absl::OkStatus();
  });
  const std::string pdf = Pdf("a");
  ASSERT_TRUE(store->Put(Entry("jap-7b", pdf), pdf).ok());
  EXPECT_THAT(steps, ElementsAre("temp_written", "temp_synced", "renamed", "dir_synced", "indexed"));
}

// A failure at any step (a full disk, an I/O error) leaves nothing visible,
// and the same Put succeeds afterwards.
TEST(LocalArchiveStore, AFailureAtAnyStepLeavesNoEntry) {
  for (const char* failing : {"temp_written", "temp_synced", "renamed", "dir_synced"}) {
    SCOPED_TRACE(failing);
    const std::string dir = NewDir();
    bool fail = true;
    auto store = OpenOrDie(dir, nullptr, [&](std::string_view step) {
      if (fail && step == failing) return absl::UnavailableError("injected");
      return absl::OkStatus();
    });
    const std::string pdf = Pdf("a");
    EXPECT_EQ(store->Put(Entry("jap-7b", pdf), pdf).status().code(), absl::StatusCode::kUnavailable);
    EXPECT_EQ(store->Lookup("jap-7b").status().code(), absl::StatusCode::kNotFound);
    auto list = store->List({});
    ASSERT_TRUE(list.ok());
    EXPECT_THAT(list->entries, IsEmpty());
    EXPECT_THAT(FilesUnder(dir + "/tmp"), IsEmpty());
    EXPECT_THAT(FilesUnder(dir + "/objects"), IsEmpty());
    fail = false;
    ASSERT_TRUE(store->Put(Entry("jap-7b", pdf), pdf).ok());
    EXPECT_EQ(*store->ReadPdf(*store->Lookup("jap-7b")), pdf);
  }
}

// A real crash after each step: a child process opens the store, archives,
// and _exit()s at that step (no destructors, no cleanup). Reopening the
// store (its check) must show either no entry and no leftover files, or —
// after the index row — the complete paper.
TEST(LocalArchiveStore, ACrashAfterAnyStepLeavesNoHalfWrittenEntry) {
  for (const char* crash_at : {"temp_written", "temp_synced", "renamed", "dir_synced", "indexed"}) {
    SCOPED_TRACE(crash_at);
    const std::string dir = NewDir();
    const std::string pdf = Pdf(crash_at);
    {
      // One paper that was stored before the crash.
      auto store = OpenOrDie(dir);
      ASSERT_TRUE(store->Put(Entry("earlier", Pdf("earlier")), Pdf("earlier")).ok());
    }
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto store = LocalArchiveStore::Open({dir, [&](std::string_view step) {
                                              if (step == crash_at) _exit(0);
                                              return absl::OkStatus();
                                            }});
      if (!store.ok()) _exit(2);
      (void)(*store)->Put(Entry("jap-7b", pdf), pdf);
      _exit(3);  // not reached: the hook crashed first
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);

    StoreCheckReport report;
    auto store = OpenOrDie(dir, &report);
    EXPECT_THAT(report.missing_or_damaged, IsEmpty());
    EXPECT_THAT(FilesUnder(dir + "/tmp"), IsEmpty());
    EXPECT_EQ(*store->ReadPdf(*store->Lookup("earlier")), Pdf("earlier"));
    const std::string step = crash_at;
    if (step == "indexed") {
      auto entry = store->Lookup("jap-7b");
      ASSERT_TRUE(entry.ok()) << entry.status();
      EXPECT_EQ(*store->ReadPdf(*entry), pdf);
      EXPECT_THAT(report.unindexed_objects, IsEmpty());
      EXPECT_THAT(report.temp_files, IsEmpty());
      EXPECT_THAT(report.quarantined, IsEmpty());
    } else {
      EXPECT_EQ(store->Lookup("jap-7b").status().code(), absl::StatusCode::kNotFound);
      EXPECT_THAT(store->List({})->entries, SizeIs(1));
      EXPECT_THAT(FilesUnder(dir + "/objects"), SizeIs(1));  // "earlier" only
      // What the crash left is moved aside, never deleted.
      const std::string sha = Sha256Hex(pdf);
      if (step == "temp_written" || step == "temp_synced") {
        EXPECT_THAT(report.temp_files, SizeIs(1));
        EXPECT_THAT(report.unindexed_objects, IsEmpty());
      } else {
        EXPECT_THAT(report.temp_files, IsEmpty());
        EXPECT_THAT(report.unindexed_objects,
                    ElementsAre("objects/" + sha.substr(0, 2) + "/" + sha + ".pdf"));
      }
      ASSERT_THAT(report.quarantined, SizeIs(1));
      EXPECT_THAT(report.quarantine_dir, ::testing::StartsWith("quarantine/"));
      EXPECT_THAT(FilesUnder(dir + "/" + report.quarantine_dir), SizeIs(1));
      EXPECT_EQ(access((dir + "/" + report.quarantine_dir + "/" + report.quarantined[0]).c_str(), F_OK), 0);
      // The interrupted paper can be archived now.
      ASSERT_TRUE(store->Put(Entry("jap-7b", pdf), pdf).ok());
    }
  }
}

TEST(LocalArchiveStore, TheCheckQuarantinesStrayAndTemporaryFilesAndReportsUnknownOnes) {
  const std::string dir = NewDir();
  const std::string pdf = Pdf("kept");
  {
    auto store = OpenOrDie(dir);
    ASSERT_TRUE(store->Put(Entry("kept", pdf), pdf).ok());
  }
  const std::string stray_sha = Sha256Hex("stray");
  const std::string stray_rel = "objects/" + stray_sha.substr(0, 2) + "/" + stray_sha + ".pdf";
  mkdir((dir + "/objects/" + stray_sha.substr(0, 2)).c_str(), 0750);
  std::ofstream(dir + "/" + stray_rel) << "stray";
  const std::string temp_rel = "tmp/" + stray_sha + ".1.1.tmp";
  std::ofstream(dir + "/" + temp_rel) << "half";
  const std::string unknown = dir + "/objects/README";
  std::ofstream(unknown) << "operator's note";

  StoreCheckReport report;
  auto store = OpenOrDie(dir, &report);
  EXPECT_THAT(report.unindexed_objects, ElementsAre(stray_rel));
  EXPECT_THAT(report.temp_files, ElementsAre(temp_rel));
  EXPECT_THAT(report.unknown_files, ElementsAre("objects/README"));
  EXPECT_THAT(report.missing_or_damaged, IsEmpty());
  EXPECT_EQ(report.entries, 1);
  EXPECT_EQ(report.objects, 2);
  // Moved, with their contents, to quarantine/<UTC time>/<relative path>.
  EXPECT_THAT(report.quarantined, ::testing::UnorderedElementsAre(stray_rel, temp_rel));
  EXPECT_THAT(report.quarantine_dir, ::testing::MatchesRegex("quarantine/[0-9]{8}T[0-9]{6}Z(-[0-9]+)?"));
  EXPECT_NE(access((dir + "/" + stray_rel).c_str(), F_OK), 0);
  EXPECT_NE(access((dir + "/" + temp_rel).c_str(), F_OK), 0);
  EXPECT_EQ(ReadAll(dir + "/" + report.quarantine_dir + "/" + stray_rel), "stray");
  EXPECT_EQ(ReadAll(dir + "/" + report.quarantine_dir + "/" + temp_rel), "half");
  EXPECT_EQ(access(unknown.c_str(), F_OK), 0);
  EXPECT_EQ(*store->ReadPdf(*store->Lookup("kept")), pdf);
}

TEST(LocalArchiveStore, TheCheckReportsEntriesWhoseFileIsMissing) {
  const std::string dir = NewDir();
  const std::string pdf = Pdf("gone");
  std::string path;
  {
    auto store = OpenOrDie(dir);
    ASSERT_TRUE(store->Put(Entry("gone", pdf), pdf).ok());
    path = store->ObjectPath(Sha256Hex(pdf));
  }
  ASSERT_EQ(unlink(path.c_str()), 0);
  StoreCheckReport report;
  auto store = OpenOrDie(dir, &report);
  EXPECT_THAT(report.missing_or_damaged, ElementsAre("gone"));
}

TEST(LocalArchiveStore, ARestartKeepsEverything) {
  const std::string dir = NewDir();
  {
    auto store = OpenOrDie(dir);
    for (int i = 0; i < 5; ++i) {
      const std::string pdf = Pdf(absl::StrCat(i));
      ASSERT_TRUE(store->Put(Entry(absl::StrCat("p", i), pdf), pdf).ok());
    }
  }
  StoreCheckReport report;
  auto store = OpenOrDie(dir, &report);
  EXPECT_EQ(report.entries, 5);
  EXPECT_THAT(report.unindexed_objects, IsEmpty());
  EXPECT_TRUE(report.clean());
  for (int i = 0; i < 5; ++i) {
    auto entry = store->Lookup(absl::StrCat("p", i));
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(*entry, Entry(absl::StrCat("p", i), Pdf(absl::StrCat(i))));
    EXPECT_EQ(*store->ReadPdf(*entry), Pdf(absl::StrCat(i)));
  }
  // WAL mode.
  EXPECT_EQ(access((dir + "/index.sqlite3-wal").c_str(), F_OK), 0);
}

TEST(LocalArchiveStore, ASecondOpenOfTheSameDirectoryIsRefused) {
  const std::string dir = NewDir();
  auto first = OpenOrDie(dir);
  auto second = LocalArchiveStore::Open({dir, nullptr});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
  first.reset();
  EXPECT_TRUE(LocalArchiveStore::Open({dir, nullptr}).ok());
}

TEST(LocalArchiveStore, IndexRowsCannotBeChangedOrDeleted) {
  const std::string dir = NewDir();
  {
    auto store = OpenOrDie(dir);
    const std::string pdf = Pdf("a");
    ASSERT_TRUE(store->Put(Entry("jap-7b", pdf), pdf).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/index.sqlite3").c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_NE(sqlite3_exec(db, "UPDATE papers SET title = 'x'", nullptr, nullptr, &error), SQLITE_OK);
  EXPECT_THAT(std::string(error ? error : ""), HasSubstr("immutable"));
  sqlite3_free(error);
  error = nullptr;
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM papers", nullptr, nullptr, &error), SQLITE_OK);
  sqlite3_free(error);
  sqlite3_close(db);
}

// The index as schema version 1 made it (panelpaperd before renderer
// identities), verbatim.
constexpr char kVersion1Schema[] = R"sql(
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
  archived_at_millis INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS papers_by_date ON papers (meeting_date, paper_id);
CREATE INDEX IF NOT EXISTS papers_by_panel ON papers (panel_name, meeting_date, paper_id);
CREATE INDEX IF NOT EXISTS papers_by_sha256 ON papers (sha256);
CREATE TRIGGER IF NOT EXISTS papers_are_immutable BEFORE UPDATE ON papers
BEGIN SELECT RAISE(ABORT, 'archived papers are immutable'); END;
CREATE TRIGGER IF NOT EXISTS papers_are_kept BEFORE DELETE ON papers
BEGIN SELECT RAISE(ABORT, 'archived papers are never deleted'); END;
PRAGMA user_version=1;
)sql";

int UserVersion(const std::string& dir) {
  sqlite3* db = nullptr;
  int version = -1;
  if (sqlite3_open_v2((dir + "/index.sqlite3").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, nullptr);
    if (sqlite3_step(s) == SQLITE_ROW) version = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return version;
}

// Rows archived before the index recorded renderer identities keep an empty
// one; the index is migrated in place (schema version 1 -> 2) and new rows
// record theirs.
TEST(LocalArchiveStore, AVersion1IndexIsMigratedAndItsRowsKeepAnEmptyIdentity) {
  const std::string dir = NewDir();
  const std::string pdf = Pdf("old");
  ArchiveEntry old = Entry("jap-7b", pdf);
  old.renderer_identity.clear();
  {
    auto store = OpenOrDie(dir);  // stores the object file
    ASSERT_TRUE(store->Put(old, pdf).ok());
  }
  EXPECT_EQ(UserVersion(dir), 2);
  // Replace the index by one schema version 1 made, holding the same row.
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((dir + "/index.sqlite3" + suffix).c_str());
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir + "/index.sqlite3").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, kVersion1Schema, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "INSERT INTO papers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                                 "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
                                 -1, &q, nullptr),
              SQLITE_OK);
    int i = 0;
    auto text = [&](const std::string& v) {
      sqlite3_bind_text(q, ++i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    };
    text(old.paper_id);
    text(old.sha256);
    sqlite3_bind_int64(q, ++i, old.size_bytes);
    sqlite3_bind_int64(q, ++i, old.page_count);
    text(old.renderer_version);
    text(old.fonts_sha256);
    sqlite3_bind_blob(q, ++i, old.request.data(), static_cast<int>(old.request.size()), SQLITE_TRANSIENT);
    for (const std::string* v : {&old.request_sha256, &old.panel_name, &old.meeting_date,
                                 &old.agenda_item, &old.title, &old.approved_by, &old.role,
                                 &old.decision_date, &old.meeting, &old.decision_reference,
                                 &old.archived_by}) {
      text(*v);
    }
    sqlite3_bind_int64(q, ++i, old.archived_at_millis);
    EXPECT_EQ(sqlite3_step(q), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_finalize(q);
    sqlite3_close(db);
  }
  ASSERT_EQ(UserVersion(dir), 1);
  const std::string new_pdf = Pdf("new");
  const ArchiveEntry fresh = Entry("jap-8", new_pdf, "req8");
  {
    StoreCheckReport report;
    auto store = OpenOrDie(dir, &report);
    EXPECT_EQ(report.entries, 1);
    auto entry = store->Lookup("jap-7b");
    ASSERT_TRUE(entry.ok()) << entry.status();
    EXPECT_EQ(*entry, old);
    EXPECT_EQ(entry->renderer_identity, "");
    EXPECT_EQ(*store->ReadPdf(*entry), pdf);
    ASSERT_TRUE(store->Put(fresh, new_pdf).ok());
    EXPECT_EQ(*store->Lookup("jap-8"), fresh);
  }
  EXPECT_EQ(UserVersion(dir), 2);
  // Opening the migrated index again changes nothing.
  auto store = OpenOrDie(dir);
  EXPECT_EQ(*store->Lookup("jap-7b"), old);
  EXPECT_EQ(*store->Lookup("jap-8"), fresh);
  EXPECT_EQ(UserVersion(dir), 2);
}


// ---- a store that lost its index is refused, never emptied ----------------

// Archives `n` papers ("p0", "p1", ...) in a store of their own.
std::string StoreWithPapers(int n) {
  const std::string dir = NewDir();
  auto store = OpenOrDie(dir);
  for (int i = 0; i < n; ++i) {
    const std::string pdf = Pdf(absl::StrCat(i));
    if (!store->Put(Entry(absl::StrCat("p", i), pdf), pdf).ok()) std::abort();
  }
  return dir;
}

std::vector<std::string> ObjectFiles(const std::string& dir) { return FilesUnder(dir + "/objects"); }

void MoveIndexAway(const std::string& dir, const std::string& to) {
  mkdir(to.c_str(), 0750);
  for (const char* f : {"/index.sqlite3", "/index.sqlite3-wal", "/index.sqlite3-shm"}) {
    rename((dir + f).c_str(), (to + f).c_str());
  }
}

// Issue 10's reproduction: archive a paper, stop, move index.sqlite3* away,
// start: the PDF used to be deleted.
TEST(LocalArchiveStore, AMissingIndexIsRefusedAndEveryPdfKept) {
  for (int papers : {1, 3}) {
    SCOPED_TRACE(papers);
    const std::string dir = StoreWithPapers(papers);
    const std::vector<std::string> before = ObjectFiles(dir);
    ASSERT_THAT(before, SizeIs(papers));
    MoveIndexAway(dir, dir + ".index");

    StoreCheckReport report;
    auto store = LocalArchiveStore::Open({dir, nullptr}, &report);
    ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
    EXPECT_THAT(store.status().message(), HasSubstr(absl::StrCat(papers, " archived PDFs but no index file")));
    EXPECT_THAT(store.status().message(), HasSubstr("panelpaper store check"));
    EXPECT_THAT(store.status().message(), HasSubstr("from a backup"));
    EXPECT_TRUE(report.index_missing);
    EXPECT_EQ(report.objects, papers);
    // Nothing changed: the PDFs are where they were, no index was created,
    // nothing was quarantined.
    EXPECT_EQ(ObjectFiles(dir), before);
    EXPECT_NE(access((dir + "/index.sqlite3").c_str(), F_OK), 0);
    EXPECT_NE(access((dir + "/quarantine").c_str(), F_OK), 0);
    // The index restored: everything is back.
    MoveIndexAway(dir + ".index", dir);
    auto reopened = OpenOrDie(dir);
    for (int i = 0; i < papers; ++i) {
      EXPECT_EQ(*reopened->ReadPdf(*reopened->Lookup(absl::StrCat("p", i))), Pdf(absl::StrCat(i)));
    }
  }
}

TEST(LocalArchiveStore, AnEmptyIndexIsRefusedAndEveryPdfKept) {
  // An empty file (a copy taken while the rows were still in the -wal), and
  // an index whose table is there but has no rows.
  for (bool zero_length : {true, false}) {
    SCOPED_TRACE(zero_length);
    const std::string dir = StoreWithPapers(2);
    const std::vector<std::string> before = ObjectFiles(dir);
    MoveIndexAway(dir, dir + ".index");
    if (zero_length) {
      std::ofstream(dir + "/index.sqlite3").flush();
    } else {
      // The index of a store that has no papers yet.
      const std::string empty = NewDir();
      OpenOrDie(empty).reset();
      std::ofstream(dir + "/index.sqlite3", std::ios::binary) << ReadAll(empty + "/index.sqlite3");
    }
    auto store = LocalArchiveStore::Open({dir, nullptr});
    ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
    EXPECT_THAT(store.status().message(), HasSubstr("2 archived PDFs but an index without rows"));
    EXPECT_EQ(ObjectFiles(dir), before);
    EXPECT_NE(access((dir + "/quarantine").c_str(), F_OK), 0);
  }
}

TEST(LocalArchiveStore, AnOlderIndexMissingSeveralRowsIsRefused) {
  const std::string dir = NewDir();
  const std::string old_copy = dir + ".old-index";
  {
    auto store = OpenOrDie(dir);
    ASSERT_TRUE(store->Put(Entry("p0", Pdf("0")), Pdf("0")).ok());
  }
  // A copy of the index as it was (the store closed: no -wal).
  ASSERT_EQ(access((dir + "/index.sqlite3-wal").c_str(), F_OK), -1);
  mkdir(old_copy.c_str(), 0750);
  std::ofstream(old_copy + "/index.sqlite3", std::ios::binary) << ReadAll(dir + "/index.sqlite3");
  {
    auto store = OpenOrDie(dir);
    for (const char* id : {"p1", "p2"}) ASSERT_TRUE(store->Put(Entry(id, Pdf(id)), Pdf(id)).ok());
  }
  MoveIndexAway(dir, dir + ".current");
  MoveIndexAway(old_copy, dir);
  const std::vector<std::string> before = ObjectFiles(dir);
  ASSERT_THAT(before, SizeIs(3));

  StoreCheckReport report;
  auto store = LocalArchiveStore::Open({dir, nullptr}, &report);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr("2 of 3 archived PDFs are not in the index (1 rows)"));
  EXPECT_THAT(report.unindexed_objects, SizeIs(2));
  EXPECT_THAT(report.quarantined, IsEmpty());
  EXPECT_EQ(ObjectFiles(dir), before);
  EXPECT_NE(access((dir + "/quarantine").c_str(), F_OK), 0);
}

TEST(LocalArchiveStore, OneUnindexedPdfIsQuarantinedAndStartUpGoesOn) {
  const std::string dir = NewDir();
  const std::string old_copy = dir + ".old-index";
  {
    auto store = OpenOrDie(dir);
    ASSERT_TRUE(store->Put(Entry("p0", Pdf("0")), Pdf("0")).ok());
  }
  mkdir(old_copy.c_str(), 0750);
  std::ofstream(old_copy + "/index.sqlite3", std::ios::binary) << ReadAll(dir + "/index.sqlite3");
  {
    auto store = OpenOrDie(dir);
    ASSERT_TRUE(store->Put(Entry("p1", Pdf("1")), Pdf("1")).ok());
  }
  MoveIndexAway(dir, dir + ".current");
  MoveIndexAway(old_copy, dir);

  StoreCheckReport report;
  auto store = OpenOrDie(dir, &report);
  const std::string sha = Sha256Hex(Pdf("1"));
  const std::string rel = "objects/" + sha.substr(0, 2) + "/" + sha + ".pdf";
  EXPECT_THAT(report.unindexed_objects, ElementsAre(rel));
  EXPECT_THAT(report.quarantined, ElementsAre(rel));
  EXPECT_EQ(ReadAll(dir + "/" + report.quarantine_dir + "/" + rel), Pdf("1"));
  EXPECT_EQ(*store->ReadPdf(*store->Lookup("p0")), Pdf("0"));
  EXPECT_EQ(store->Lookup("p1").status().code(), absl::StatusCode::kNotFound);
}

// ---- symbolic links and other damage -------------------------------------

TEST(LocalArchiveStore, SymbolicLinksInsideTheStoreAreNeverFollowed) {
  const std::string dir = StoreWithPapers(1);
  const std::string outside = dir + ".outside";
  mkdir(outside.c_str(), 0750);
  const std::string secret = outside + "/secret.pdf";
  std::ofstream(secret) << "not the store's";
  std::string linked_path;
  {
    auto store = OpenOrDie(dir);
    linked_path = store->ObjectPath(Sha256Hex(Pdf("0")));
  }
  // The indexed object replaced by a link to bytes outside the store
  // (even the right bytes), an unindexed link named like an object, a link in tmp/.
  const std::string right_bytes = outside + "/right.pdf";
  std::ofstream(right_bytes, std::ios::binary) << Pdf("0");
  ASSERT_EQ(unlink(linked_path.c_str()), 0);
  ASSERT_EQ(symlink(right_bytes.c_str(), linked_path.c_str()), 0);
  const std::string sha = Sha256Hex("x");
  mkdir((dir + "/objects/" + sha.substr(0, 2)).c_str(), 0750);
  const std::string link_rel = "objects/" + sha.substr(0, 2) + "/" + sha + ".pdf";
  ASSERT_EQ(symlink(secret.c_str(), (dir + "/" + link_rel).c_str()), 0);
  ASSERT_EQ(symlink(secret.c_str(), (dir + "/tmp/t.tmp").c_str()), 0);

  StoreCheckReport report;
  auto store = OpenOrDie(dir, &report);
  EXPECT_THAT(report.missing_or_damaged, ElementsAre("p0"));
  EXPECT_THAT(report.symlinks, ::testing::Contains(link_rel));
  EXPECT_THAT(report.symlinks, ::testing::Contains("tmp/t.tmp"));
  EXPECT_THAT(report.unindexed_objects, IsEmpty());  // a link is not an object
  EXPECT_EQ(report.objects, 0);
  // The links were moved (themselves), what they point to is untouched.
  EXPECT_EQ(ReadAll(secret), "not the store's");
  EXPECT_EQ(ReadAll(right_bytes), Pdf("0"));
  auto entry = store->Lookup("p0");
  ASSERT_TRUE(entry.ok());
  const absl::StatusOr<std::string> pdf = store->ReadPdf(*entry);
  EXPECT_EQ(pdf.status().code(), absl::StatusCode::kDataLoss) << pdf.status();
  EXPECT_THAT(pdf.status().message(), Not(HasSubstr(dir)));
  EXPECT_EQ(*store->StoredSha256(*entry), "");
  // Archiving the same content again replaces the link with real bytes.
  ASSERT_TRUE(store->Put(Entry("p0-again", Pdf("0"), "other"), Pdf("0")).ok());
  EXPECT_EQ(*store->ReadPdf(*entry), Pdf("0"));
  EXPECT_EQ(ReadAll(right_bytes), Pdf("0"));
}

TEST(LocalArchiveStore, ASymbolicLinkForTheIndexOrAFolderIsRefused) {
  for (const char* name : {"index.sqlite3", "objects", "tmp"}) {
    SCOPED_TRACE(name);
    const std::string dir = StoreWithPapers(1);
    const std::string moved = dir + ".real";
    mkdir(moved.c_str(), 0750);
    ASSERT_EQ(rename((dir + "/" + name).c_str(), (moved + "/" + name).c_str()), 0);
    ASSERT_EQ(symlink((moved + "/" + name).c_str(), (dir + "/" + name).c_str()), 0);
    auto store = LocalArchiveStore::Open({dir, nullptr});
    EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
    EXPECT_THAT(store.status().message(), HasSubstr("symbolic link"));
  }
}

// Issue 10 item 8: a stored file replaced by a directory answered
// UNAVAILABLE with the server's absolute path.
TEST(LocalArchiveStore, AStoredFileReplacedByADirectoryIsDamageWithoutServerPaths) {
  const std::string dir = StoreWithPapers(1);
  auto store = OpenOrDie(dir);
  auto entry = store->Lookup("p0");
  ASSERT_TRUE(entry.ok());
  const std::string path = store->ObjectPath(entry->sha256);
  ASSERT_EQ(unlink(path.c_str()), 0);
  ASSERT_EQ(mkdir(path.c_str(), 0750), 0);
  const absl::StatusOr<std::string> pdf = store->ReadPdf(*entry);
  EXPECT_EQ(pdf.status().code(), absl::StatusCode::kDataLoss) << pdf.status();
  EXPECT_THAT(pdf.status().message(), HasSubstr("not a regular file"));
  EXPECT_THAT(pdf.status().message(), Not(HasSubstr(dir)));
  EXPECT_EQ(*store->StoredSha256(*entry), "");
  store.reset();
  StoreCheckReport report;
  store = OpenOrDie(dir, &report);
  EXPECT_THAT(report.missing_or_damaged, ElementsAre("p0"));
}

TEST(LocalArchiveStore, StorageErrorsNameNoServerPath) {
  const std::string dir = StoreWithPapers(1);
  auto store = OpenOrDie(dir);
  // tmp/ turned into a file: the Put fails, its message names no server path.
  ASSERT_EQ(rmdir((dir + "/tmp").c_str()), 0);
  std::ofstream(dir + "/tmp") << "in the way";
  const absl::StatusOr<PutResult> put = store->Put(Entry("p9", Pdf("9")), Pdf("9"));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.status().code(), absl::StatusCode::kUnavailable) << put.status();
  EXPECT_THAT(put.status().message(), Not(HasSubstr(dir)));
  EXPECT_THAT(put.status().message(), HasSubstr("tmp/"));
}

// ---- index health ----------------------------------------------------------

TEST(LocalArchiveStore, IndexHealthFindsACorruptIndex) {
  const std::string dir = NewDir();
  {
    auto store = OpenOrDie(dir);
    for (int i = 0; i < 40; ++i) {
      const std::string pdf = Pdf(absl::StrCat(i));
      ASSERT_TRUE(store->Put(Entry(absl::StrCat("p", i), pdf, std::string(3000, 'r') + absl::StrCat(i)), pdf).ok());
    }
  }
  auto store = OpenOrDie(dir);
  EXPECT_TRUE(store->IndexHealth(true).ok()) << store->IndexHealth(true);
  // Garbage over every page but the first (the schema page), as a bad disk
  // or a stray write would leave it.
  {
    const std::string index = dir + "/index.sqlite3";
    struct stat st;
    ASSERT_EQ(stat(index.c_str(), &st), 0);
    ASSERT_GT(st.st_size, 8192);
    std::fstream f(index, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    for (off_t i = 4096; i < st.st_size; ++i) f.put(static_cast<char>((i * 7919) & 0xff));
  }
  EXPECT_TRUE(store->IndexHealth(/*probe=*/false).ok());  // no call has seen it yet
  const absl::Status health = store->IndexHealth(/*probe=*/true);
  EXPECT_EQ(health.code(), absl::StatusCode::kDataLoss) << health;
  // It stays unhealthy (the flag is sticky), also for the cheap check.
  EXPECT_EQ(store->IndexHealth(false).code(), absl::StatusCode::kDataLoss);
}

TEST(LocalArchiveStore, ACorruptIndexAtStartUpIsDataLoss) {
  const std::string dir = StoreWithPapers(3);
  {
    std::fstream f(dir + "/index.sqlite3", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f << "this is not a database file at all, no..";
  }
  auto store = LocalArchiveStore::Open({dir, nullptr});
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_THAT(ObjectFiles(dir), SizeIs(3));
}

}  // namespace

}  // namespace pp::service::archive
