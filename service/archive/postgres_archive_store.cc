#include "service/archive/postgres_archive_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "service/log.h"
#include "service/sha256.h"

namespace pp::service::archive {
namespace {

absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Version 1. Each later version appends its own statements (never edits
// these) and its row in panelpaper_schema_version.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE panelpaper_schema_version (
  version    integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE pdfs (
  sha256     text COLLATE "C" PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes bigint NOT NULL CHECK (size_bytes = octet_length(bytes)),
  bytes      bytea NOT NULL
);
-- PDFs are compressed already: store them out of line, uncompressed.
ALTER TABLE pdfs ALTER COLUMN bytes SET STORAGE EXTERNAL;
CREATE TABLE papers (
  paper_id           text COLLATE "C" PRIMARY KEY,
  sha256             text COLLATE "C" NOT NULL REFERENCES pdfs (sha256),
  size_bytes         bigint NOT NULL,
  page_count         integer NOT NULL,
  renderer_version   text NOT NULL,
  fonts_sha256       text NOT NULL,
  renderer_identity  text NOT NULL,
  request            bytea NOT NULL,
  request_sha256     text COLLATE "C" NOT NULL,
  panel_name         text COLLATE "C" NOT NULL,
  meeting_date       text COLLATE "C" NOT NULL,
  agenda_item        text COLLATE "C" NOT NULL,
  title              text NOT NULL,
  approved_by        text NOT NULL,
  role               text NOT NULL,
  decision_date      text NOT NULL,
  meeting            text NOT NULL,
  decision_reference text NOT NULL,
  archived_by        text NOT NULL,
  archived_at_millis bigint NOT NULL
);
CREATE INDEX papers_by_date ON papers (meeting_date, paper_id);
CREATE INDEX papers_by_panel ON papers (panel_name, meeting_date, paper_id);
CREATE INDEX papers_by_sha256 ON papers (sha256);
CREATE FUNCTION panelpaper_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'archived papers are immutable: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER papers_are_immutable BEFORE UPDATE OR DELETE ON papers
  FOR EACH ROW EXECUTE FUNCTION panelpaper_refuse_change();
CREATE TRIGGER papers_are_kept BEFORE TRUNCATE ON papers
  FOR EACH STATEMENT EXECUTE FUNCTION panelpaper_refuse_change();
CREATE TRIGGER pdfs_are_immutable BEFORE UPDATE OR DELETE ON pdfs
  FOR EACH ROW EXECUTE FUNCTION panelpaper_refuse_change();
CREATE TRIGGER pdfs_are_kept BEFORE TRUNCATE ON pdfs
  FOR EACH STATEMENT EXECUTE FUNCTION panelpaper_refuse_change();
INSERT INTO panelpaper_schema_version (version) VALUES (1);
)sql";

// Columns in the order RowToEntry reads them.
constexpr char kColumns[] =
    "paper_id, sha256, size_bytes, page_count, renderer_version, fonts_sha256, request_sha256, "
    "panel_name, meeting_date, agenda_item, title, approved_by, role, decision_date, meeting, "
    "decision_reference, archived_by, archived_at_millis, renderer_identity";

std::string Trimmed(const char* message) {
  return std::string(absl::StripTrailingAsciiWhitespace(message ? message : ""));
}

// A failed libpq call as a status. A lost or refused connection is
// UNAVAILABLE (its details — host, socket path — go to the log, not to
// clients); a full disk RESOURCE_EXHAUSTED; data corruption DATA_LOSS; a
// refused change (our triggers) or a missing privilege FAILED_PRECONDITION.
absl::Status PgStatus(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  const std::string detail = Trimmed(res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  const std::string message = absl::StrCat("archive database: ", AV(what), ": ", detail);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK || absl::StartsWith(sqlstate, "08") ||
      absl::StartsWith(sqlstate, "57") || (absl::StartsWith(sqlstate, "53") && sqlstate != "53100")) {
    Log(LogLevel::kError, message);
    return absl::UnavailableError(
        absl::StrCat("archive database unavailable (", AV(what), "); the server log has details"));
  }
  if (sqlstate == "53100") return absl::ResourceExhaustedError(message);
  if (sqlstate == "XX001" || sqlstate == "XX002") return absl::DataLossError(message);
  if (sqlstate == "P0001" || sqlstate == "42501") return absl::FailedPreconditionError(message);
  if (absl::StartsWith(sqlstate, "22")) return absl::InvalidArgumentError(message);
  if (sqlstate == "40001" || sqlstate == "40P01") return absl::AbortedError(message);
  return absl::InternalError(message);
}

// Parameters for PQexecParams: text ones NUL-terminated, binary ones raw.
class Params {
 public:
  Params& Text(std::string_view v) {
    storage_.emplace_back(v);
    Push(storage_.back(), 0);
    return *this;
  }
  Params& Int(int64_t v) { return Text(std::to_string(v)); }
  Params& Binary(std::string_view v) {
    storage_.emplace_back(v);
    Push(storage_.back(), 1);
    return *this;
  }
  int size() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  void Push(const std::string& s, int format) {
    values_.push_back(s.c_str());
    lengths_.push_back(static_cast<int>(s.size()));
    formats_.push_back(format);
  }
  std::deque<std::string> storage_;  // stable addresses
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

Result Exec(PGconn* conn, const std::string& sql, const Params& p = Params(), bool binary_result = false) {
  return Result(PQexecParams(conn, sql.c_str(), p.size(), nullptr, p.values(), p.lengths(),
                             p.formats(), binary_result ? 1 : 0),
                &PQclear);
}

bool Ok(const Result& r) {
  const ExecStatusType s = PQresultStatus(r.get());
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

std::string Value(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col)));
}

int64_t IntValue(const PGresult* r, int row, int col) {
  int64_t v = 0;
  (void)absl::SimpleAtoi(PQgetvalue(r, row, col), &v);
  return v;
}

std::string ByteaValue(const PGresult* r, int row, int col) {
  size_t n = 0;
  unsigned char* raw =
      PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r, row, col)), &n);
  if (raw == nullptr) return std::string();
  std::string out(reinterpret_cast<const char*>(raw), n);
  PQfreemem(raw);
  return out;
}

// A text-format row of kColumns (+ request as column 19 when asked).
ArchiveEntry RowToEntry(const PGresult* r, int row, bool with_request) {
  ArchiveEntry e;
  e.paper_id = Value(r, row, 0);
  e.sha256 = Value(r, row, 1);
  e.size_bytes = IntValue(r, row, 2);
  e.page_count = static_cast<int>(IntValue(r, row, 3));
  e.renderer_version = Value(r, row, 4);
  e.fonts_sha256 = Value(r, row, 5);
  e.request_sha256 = Value(r, row, 6);
  e.panel_name = Value(r, row, 7);
  e.meeting_date = Value(r, row, 8);
  e.agenda_item = Value(r, row, 9);
  e.title = Value(r, row, 10);
  e.approved_by = Value(r, row, 11);
  e.role = Value(r, row, 12);
  e.decision_date = Value(r, row, 13);
  e.meeting = Value(r, row, 14);
  e.decision_reference = Value(r, row, 15);
  e.archived_by = Value(r, row, 16);
  e.archived_at_millis = IntValue(r, row, 17);
  e.renderer_identity = Value(r, row, 18);
  if (with_request) e.request = ByteaValue(r, row, 19);
  return e;
}

// Opens a connection: UTF-8, our application name, synchronous commits, a
// statement timeout.
absl::StatusOr<PGconn*> Connect(const std::string& conninfo, const char* application) {
  const char* keys[] = {"dbname", "fallback_application_name", "client_encoding", nullptr};
  const char* values[] = {conninfo.c_str(), application, "UTF8", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    absl::Status s = PgStatus(conn, nullptr, "connect");
    PQfinish(conn);
    return s;
  }
  // Durable at COMMIT even where the server was configured otherwise.
  Result sync = Exec(conn, "SHOW synchronous_commit");
  if (Ok(sync) && PQntuples(sync.get()) == 1 && Value(sync.get(), 0, 0) == "off") {
    Result set = Exec(conn, "SET synchronous_commit TO on");
    if (!Ok(set)) {
      absl::Status s = PgStatus(conn, set.get(), "SET synchronous_commit");
      PQfinish(conn);
      return s;
    }
  }
  // A database that stops answering must not hold archive workers for
  // ever: 30 s per statement unless the role or database sets its own.
  Result timeout = Exec(conn, "SHOW statement_timeout");
  if (Ok(timeout) && PQntuples(timeout.get()) == 1 && Value(timeout.get(), 0, 0) == "0") {
    Result set = Exec(conn, "SET statement_timeout TO '30s'");
    if (!Ok(set)) {
      absl::Status s = PgStatus(conn, set.get(), "SET statement_timeout");
      PQfinish(conn);
      return s;
    }
  }
  return conn;
}

// The archive schema's version in `conn`'s database; 0 when it has none.
absl::StatusOr<int> SchemaVersion(PGconn* conn) {
  Result exists = Exec(conn, "SELECT to_regclass('panelpaper_schema_version') IS NOT NULL");
  if (!Ok(exists)) return PgStatus(conn, exists.get(), "read the schema version");
  if (Value(exists.get(), 0, 0) != "t") return 0;
  Result v = Exec(conn, "SELECT coalesce(max(version), 0) FROM panelpaper_schema_version");
  if (!Ok(v)) return PgStatus(conn, v.get(), "read the schema version");
  return static_cast<int>(IntValue(v.get(), 0, 0));
}

}  // namespace

absl::Status CheckConninfo(std::string_view conninfo) {
  if (conninfo.empty()) return absl::InvalidArgumentError("PostgreSQL connection string is empty");
  char* error = nullptr;
  const std::string c(conninfo);
  PQconninfoOption* options = PQconninfoParse(c.c_str(), &error);
  if (options == nullptr) {
    absl::Status s = absl::InvalidArgumentError(
        absl::StrCat("PostgreSQL connection string does not parse: ", Trimmed(error)));
    PQfreemem(error);
    return s;
  }
  bool password = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr && o->val[0] != '\0') {
      password = true;
    }
  }
  PQconninfoFree(options);
  if (password) {
    return absl::InvalidArgumentError(
        "PostgreSQL connection string contains a password: it would show in the process list "
        "and shell history; put it in a password file (PGPASSFILE, or passfile=PATH in the "
        "connection string) instead");
  }
  return absl::OkStatus();
}

absl::StatusOr<MigrateReport> MigratePostgresSchema(std::string_view conninfo,
                                                    std::string_view grant_to) {
  if (absl::Status s = CheckConninfo(conninfo); !s.ok()) return s;
  absl::StatusOr<PGconn*> connected = Connect(std::string(conninfo), "panelpaper-migrate");
  if (!connected.ok()) return connected.status();
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(*connected, &PQfinish);
  PGconn* c = conn.get();
  auto run = [&](const std::string& sql, std::string_view what) -> absl::Status {
    Result r = Result(PQexec(c, sql.c_str()), &PQclear);
    if (!Ok(r)) return PgStatus(c, r.get(), what);
    return absl::OkStatus();
  };
  if (absl::Status s = run("BEGIN", "begin"); !s.ok()) return s;
  auto fail = [&](absl::Status s) {
    (void)run("ROLLBACK", "rollback");
    return s;
  };
  // One migration at a time, whoever runs it.
  if (absl::Status s = run("SELECT pg_advisory_xact_lock(7073626170657200)", "lock"); !s.ok()) {
    return fail(s);
  }
  MigrateReport report;
  absl::StatusOr<int> version = SchemaVersion(c);
  if (!version.ok()) return fail(version.status());
  report.from_version = *version;
  if (*version > kPostgresSchemaVersion) {
    return fail(absl::FailedPreconditionError(
        absl::StrCat("the archive database has schema version ", *version,
                     ", newer than this panelpaper's (", kPostgresSchemaVersion, "): upgrade")));
  }
  if (*version == 0) {
    Result papers = Exec(c, "SELECT to_regclass('papers') IS NOT NULL OR to_regclass('pdfs') IS NOT NULL");
    if (!Ok(papers)) return fail(PgStatus(c, papers.get(), "inspect the database"));
    if (Value(papers.get(), 0, 0) == "t") {
      return fail(absl::FailedPreconditionError(
          "the database has tables named papers or pdfs but no panelpaper_schema_version: not "
          "an archive schema; use another database or schema"));
    }
    if (absl::Status s = run(kSchemaV1, "create the schema"); !s.ok()) return fail(s);
  }
  report.to_version = kPostgresSchemaVersion;
  if (!grant_to.empty()) {
    const std::string g(grant_to);
    char* role = PQescapeIdentifier(c, g.c_str(), g.size());
    if (role == nullptr) return fail(PgStatus(c, nullptr, "quote the role name"));
    const std::string r = role;
    PQfreemem(role);
    Result schema = Exec(c, "SELECT quote_ident(current_schema())");
    if (!Ok(schema) || PQgetisnull(schema.get(), 0, 0)) {
      return fail(PgStatus(c, schema.get(), "read the current schema"));
    }
    const std::string sc = Value(schema.get(), 0, 0);
    for (const std::string& sql :
         {absl::StrCat("GRANT USAGE ON SCHEMA ", sc, " TO ", r),
          absl::StrCat("GRANT SELECT ON panelpaper_schema_version TO ", r),
          absl::StrCat("GRANT SELECT, INSERT ON papers, pdfs TO ", r),
          absl::StrCat("REVOKE UPDATE, DELETE, TRUNCATE ON papers, pdfs, panelpaper_schema_version FROM ", r)}) {
      if (absl::Status s = run(sql, absl::StrCat("grant to ", g)); !s.ok()) return fail(s);
    }
    report.granted_to = g;
  }
  if (absl::Status s = run("COMMIT", "commit"); !s.ok()) return s;
  return report;
}

// A pooled connection, returned on destruction (dropped when broken or
// left inside a transaction).
class PostgresArchiveStore::Lease {
 public:
  Lease(PostgresArchiveStore* store, PGconn* conn) : store_(store), conn_(conn) {}
  ~Lease() { store_->Release(conn_); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  PGconn* get() const { return conn_; }

 private:
  PostgresArchiveStore* store_;
  PGconn* conn_;
};

absl::StatusOr<std::unique_ptr<PostgresArchiveStore>> PostgresArchiveStore::Open(
    PostgresStoreOptions options) {
  if (absl::Status s = CheckConninfo(options.conninfo); !s.ok()) return s;
  if (options.connections < 1) return absl::InvalidArgumentError("connections must be >= 1");
  std::unique_ptr<PostgresArchiveStore> store(new PostgresArchiveStore(std::move(options)));
  absl::StatusOr<PGconn*> conn = store->Acquire();
  if (!conn.ok()) return conn.status();
  Lease lease(store.get(), *conn);
  absl::StatusOr<int> version = SchemaVersion(*conn);
  if (!version.ok()) return version.status();
  if (*version == 0) {
    return absl::FailedPreconditionError(
        "the archive database has no archive schema: run `panelpaper store migrate-schema "
        "--postgres CONNINFO` as the owner role first");
  }
  if (*version != kPostgresSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the archive database has schema version ", *version, "; this panelpaperd needs ",
        kPostgresSchemaVersion,
        *version < kPostgresSchemaVersion ? ": run `panelpaper store migrate-schema` first"
                                          : ": upgrade panelpaperd"));
  }
  return store;
}

PostgresArchiveStore::PostgresArchiveStore(PostgresStoreOptions options)
    : options_(std::move(options)) {}

PostgresArchiveStore::~PostgresArchiveStore() {
  for (PGconn* c : idle_) PQfinish(c);
}

absl::StatusOr<pg_conn*> PostgresArchiveStore::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    while (idle_.empty() && open_ >= options_.connections) cv_.Wait(&mu_);
    if (!idle_.empty()) {
      PGconn* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    ++open_;  // reserve a slot; connect without holding the lock
  }
  absl::StatusOr<PGconn*> c = Connect(options_.conninfo, "panelpaperd");
  if (!c.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
    cv_.Signal();
  }
  return c;
}

void PostgresArchiveStore::Release(pg_conn* conn) {
  const bool reusable =
      PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) == PQTRANS_IDLE;
  {
    absl::MutexLock lock(&mu_);
    if (reusable) {
      idle_.push_back(conn);
    } else {
      --open_;
    }
  }
  if (!reusable) PQfinish(conn);
  cv_.Signal();
}

absl::StatusOr<ArchiveEntry> PostgresArchiveStore::Lookup(std::string_view paper_id) {
  absl::StatusOr<PGconn*> conn = Acquire();
  if (!conn.ok()) return conn.status();
  Lease lease(this, *conn);
  Result r = Exec(*conn, absl::StrCat("SELECT ", kColumns, ", request FROM papers WHERE paper_id = $1"),
                  Params().Text(paper_id));
  if (!Ok(r)) return PgStatus(*conn, r.get(), "look up a paper");
  if (PQntuples(r.get()) == 0) {
    return absl::NotFoundError(absl::StrCat("no archived paper \"", AV(paper_id), "\""));
  }
  return RowToEntry(r.get(), 0, /*with_request=*/true);
}

absl::StatusOr<PutResult> PostgresArchiveStore::Put(const ArchiveEntry& e, std::string_view pdf) {
  if (e.paper_id.empty() || !IsHex64(e.sha256) ||
      e.size_bytes != static_cast<int64_t>(pdf.size()) || Sha256Hex(pdf) != e.sha256) {
    return absl::InvalidArgumentError("archive entry does not describe the PDF given (id, size, SHA-256)");
  }
  auto decide = [&](ArchiveEntry existing) -> absl::StatusOr<PutResult> {
    if (existing.request_sha256 == e.request_sha256) return PutResult{std::move(existing), false};
    return absl::AlreadyExistsError(absl::StrCat(
        "paper \"", e.paper_id,
        "\" is archived already with a different request or sign-off; archived papers are "
        "immutable (archive the new version under a new paper id)"));
  };
  // Immutability first, cheaply: a taken id sends no bytes.
  if (absl::StatusOr<ArchiveEntry> existing = Lookup(e.paper_id); existing.ok()) {
    return decide(*std::move(existing));
  } else if (!absl::IsNotFound(existing.status())) {
    return existing.status();
  }

  absl::StatusOr<PGconn*> conn = Acquire();
  if (!conn.ok()) return conn.status();
  Lease lease(this, *conn);
  PGconn* c = *conn;
  auto rollback = [&](absl::Status s) {
    Result(PQexec(c, "ROLLBACK"), &PQclear);
    return s;
  };
  Result begin(PQexec(c, "BEGIN"), &PQclear);
  if (!Ok(begin)) return PgStatus(c, begin.get(), "begin a transaction");
  Result bytes = Exec(c,
                      "INSERT INTO pdfs (sha256, size_bytes, bytes) VALUES ($1, $2, $3) "
                      "ON CONFLICT (sha256) DO NOTHING",
                      Params().Text(e.sha256).Int(e.size_bytes).Binary(pdf));
  if (!Ok(bytes)) return rollback(PgStatus(c, bytes.get(), "store the PDF"));
  Result row = Exec(
      c,
      "INSERT INTO papers (paper_id, sha256, size_bytes, page_count, renderer_version, "
      "fonts_sha256, request_sha256, panel_name, meeting_date, agenda_item, title, approved_by, "
      "role, decision_date, meeting, decision_reference, archived_by, archived_at_millis, "
      "renderer_identity, request) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
      "$13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT (paper_id) DO NOTHING RETURNING 1",
      Params()
          .Text(e.paper_id).Text(e.sha256).Int(e.size_bytes).Int(e.page_count)
          .Text(e.renderer_version).Text(e.fonts_sha256).Text(e.request_sha256)
          .Text(e.panel_name).Text(e.meeting_date).Text(e.agenda_item).Text(e.title)
          .Text(e.approved_by).Text(e.role).Text(e.decision_date).Text(e.meeting)
          .Text(e.decision_reference).Text(e.archived_by).Int(e.archived_at_millis)
          .Text(e.renderer_identity).Binary(e.request));
  if (!Ok(row)) return rollback(PgStatus(c, row.get(), "insert the index row"));
  if (PQntuples(row.get()) == 0) {
    // Another replica archived this id first (its transaction has
    // committed: ours waited for it). Its row decides; write nothing.
    Result other = Exec(c, absl::StrCat("SELECT ", kColumns, ", request FROM papers WHERE paper_id = $1"),
                        Params().Text(e.paper_id));
    if (!Ok(other) || PQntuples(other.get()) != 1) {
      return rollback(PgStatus(c, other.get(), "read the racing paper's row"));
    }
    ArchiveEntry existing = RowToEntry(other.get(), 0, /*with_request=*/true);
    (void)rollback(absl::OkStatus());
    return decide(std::move(existing));
  }
  Result commit(PQexec(c, "COMMIT"), &PQclear);
  if (!Ok(commit)) return PgStatus(c, commit.get(), "commit");
  return PutResult{e, true};
}

absl::StatusOr<std::string> PostgresArchiveStore::ReadBytes(std::string_view sha256) {
  absl::StatusOr<PGconn*> conn = Acquire();
  if (!conn.ok()) return conn.status();
  Lease lease(this, *conn);
  Result r = Exec(*conn, "SELECT bytes FROM pdfs WHERE sha256 = $1", Params().Text(sha256),
                  /*binary_result=*/true);
  if (!Ok(r)) return PgStatus(*conn, r.get(), "read a PDF");
  if (PQntuples(r.get()) == 0) return absl::NotFoundError("no stored bytes");
  return Value(r.get(), 0, 0);
}

absl::StatusOr<std::string> PostgresArchiveStore::ReadPdf(const ArchiveEntry& entry) {
  absl::StatusOr<std::string> bytes = ReadBytes(entry.sha256);
  if (!bytes.ok()) {
    if (absl::IsNotFound(bytes.status())) {
      return absl::DataLossError(absl::StrCat("archived paper \"", entry.paper_id,
                                              "\": its stored PDF is missing"));
    }
    return bytes.status();
  }
  if (static_cast<int64_t>(bytes->size()) != entry.size_bytes || Sha256Hex(*bytes) != entry.sha256) {
    return absl::DataLossError(absl::StrCat(
        "archived paper \"", entry.paper_id,
        "\": the stored PDF no longer matches its recorded SHA-256 (the archive copy is damaged)"));
  }
  return bytes;
}

absl::StatusOr<std::string> PostgresArchiveStore::StoredSha256(const ArchiveEntry& entry) {
  absl::StatusOr<std::string> bytes = ReadBytes(entry.sha256);
  if (!bytes.ok()) {
    if (absl::IsNotFound(bytes.status())) return std::string();
    return bytes.status();
  }
  return Sha256Hex(*bytes);
}

absl::StatusOr<ListPage> PostgresArchiveStore::List(const ListQuery& query) {
  std::string sql = absl::StrCat("SELECT ", kColumns, " FROM papers WHERE true");
  Params params;
  auto arg = [&](const std::string& v) {
    params.Text(v);
    return absl::StrCat("$", params.size());
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
    absl::StrAppend(&sql, " AND (meeting_date, paper_id) > (", d, ", ", id, ")");
  }
  const int limit = std::max(1, query.limit);
  absl::StrAppend(&sql, " ORDER BY meeting_date, paper_id LIMIT ", limit + 1);

  absl::StatusOr<PGconn*> conn = Acquire();
  if (!conn.ok()) return conn.status();
  Lease lease(this, *conn);
  Result r = Exec(*conn, sql, params);
  if (!Ok(r)) return PgStatus(*conn, r.get(), "list papers");
  ListPage page;
  const int rows = PQntuples(r.get());
  for (int i = 0; i < rows; ++i) {
    if (i == limit) {
      page.more = true;
      break;
    }
    page.entries.push_back(RowToEntry(r.get(), i, /*with_request=*/false));
  }
  return page;
}

absl::Status PostgresArchiveStore::IndexHealth(bool probe) {
  if (!probe) return absl::OkStatus();
  absl::StatusOr<PGconn*> conn = Acquire();
  if (!conn.ok()) return conn.status();
  Lease lease(this, *conn);
  absl::StatusOr<int> version = SchemaVersion(*conn);
  if (!version.ok()) return version.status();
  if (*version != kPostgresSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat("the archive database's schema version is now ",
                                                      *version, ", not ", kPostgresSchemaVersion));
  }
  return absl::OkStatus();
}

}  // namespace pp::service::archive
