#include "service/archive/store_cli.h"

#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "service/archive/local_archive_store.h"
#include "service/archive/postgres_archive_store.h"
#include "service/archive/store_admin.h"

namespace pp::service::archive {

const char kStoreCliUsage[] =
    "       panelpaper store check DIR [--quarantine]\n"
    "       panelpaper store backup DIR DEST\n"
    "       panelpaper store restore BACKUP DIR\n"
    "       panelpaper store migrate-schema --postgres CONNINFO [--grant-to ROLE]\n"
    "       panelpaper store copy --from DIR --to-postgres CONNINFO\n"
    "\n"
    "  store check    report what the archive store DIR holds that is not an archived\n"
    "                 paper, or is damaged; changes nothing (safe while panelpaperd runs).\n"
    "                 --quarantine moves temporary files, unindexed PDFs and symbolic links\n"
    "                 to DIR/quarantine/<UTC time>/ (needs panelpaperd stopped)\n"
    "  store backup   consistent copy of DIR into the new or empty DEST, while\n"
    "                 panelpaperd runs\n"
    "  store restore  a backup into the new or empty DIR, every PDF re-hashed\n"
    "  store migrate-schema  create or upgrade the archive schema in a PostgreSQL database\n"
    "                 (run as the role that owns it); --grant-to gives an existing role\n"
    "                 SELECT + INSERT only, for panelpaperd --archive_postgres\n"
    "  store copy     every paper of the local store DIR (panelpaperd stopped) into a\n"
    "                 PostgreSQL archive, then each read back and compared; safe to re-run\n"
    "                 (CONNINFO: libpq conninfo or URI; passwords from PGPASSFILE or\n"
    "                 passfile=, never in CONNINFO)\n"
    "  store commands exit 0 ok, 1 findings (check), refused, or papers the destination\n"
    "  holds differently (copy), 2 usage, 3 I/O or database failure, 4 damaged papers\n";

namespace {

constexpr int kExitFindings = 1;
constexpr int kExitUsage = 2;
constexpr int kExitFailure = 3;
constexpr int kExitDamaged = 4;

int Usage(const std::string& message) {
  std::cerr << "panelpaper store: " << message << "\n\nusage:\n" << kStoreCliUsage;
  return kExitUsage;
}

int Failed(const std::string& command, const absl::Status& s) {
  std::cerr << "panelpaper store " << command << ": " << s.message() << "\n";
  if (absl::IsDataLoss(s)) return kExitDamaged;
  if (absl::IsFailedPrecondition(s)) return kExitFindings;
  return kExitFailure;
}

int Check(const std::string& dir, bool quarantine) {
  absl::StatusOr<StoreCheckReport> r = CheckStore(dir, quarantine);
  if (!r.ok()) return Failed("check", r.status());
  std::cout << "store " << dir << ": " << r->entries << " papers in the index"
            << (r->index_missing ? " (no index file)" : "") << ", " << r->objects << " PDFs\n";
  auto list = [](const char* what, const std::vector<std::string>& items) {
    for (const std::string& i : items) std::cout << "  " << what << ": " << i << "\n";
  };
  list("temporary file (an interrupted write)", r->temp_files);
  list("unindexed PDF (no index row names it)", r->unindexed_objects);
  list("symbolic link (never followed)", r->symlinks);
  list("unknown file (left alone)", r->unknown_files);
  list("DAMAGED paper (its PDF is missing, not a regular file, or the wrong size)",
       r->missing_or_damaged);
  const absl::Status lost = LostIndexCheck(dir, *r);
  if (!lost.ok()) std::cout << "  LOST INDEX: " << lost.message() << "\n";
  if (quarantine) {
    if (r->quarantined.empty()) {
      std::cout << "nothing to quarantine\n";
    } else {
      std::cout << "moved " << r->quarantined.size() << " files to " << dir << "/"
                << r->quarantine_dir << " (nothing was deleted)\n";
    }
  }
  if (!r->missing_or_damaged.empty()) return kExitDamaged;
  if (!r->clean()) return kExitFindings;
  std::cout << "clean\n";
  return 0;
}

int Backup(const std::string& dir, const std::string& dest) {
  absl::StatusOr<BackupReport> r = BackupStore(dir, dest);
  if (!r.ok()) return Failed("backup", r.status());
  std::cout << "backup of " << dir << " in " << dest << ": " << r->papers << " papers, "
            << r->objects << " PDFs, " << r->bytes << " bytes, each re-hashed\n";
  for (const std::string& id : r->damaged) {
    std::cout << "  DAMAGED in the store, not in the backup: paper " << id << "\n";
  }
  return r->damaged.empty() ? 0 : kExitDamaged;
}

int Restore(const std::string& backup, const std::string& dir) {
  absl::StatusOr<RestoreReport> r = RestoreStore(backup, dir);
  if (!r.ok()) return Failed("restore", r.status());
  std::cout << "restored " << backup << " into " << dir << ": " << r->papers << " papers, "
            << r->objects << " PDFs, " << r->bytes << " bytes, each re-hashed\n";
  for (const std::string& id : r->missing) {
    std::cout << "  MISSING from the backup (damaged when it was made): paper " << id << "\n";
  }
  return r->missing.empty() ? 0 : kExitDamaged;
}

int MigrateSchema(const std::string& conninfo, const std::string& grant_to) {
  absl::StatusOr<MigrateReport> r = MigratePostgresSchema(conninfo, grant_to);
  if (!r.ok()) {
    if (absl::IsInvalidArgument(r.status())) return Usage(std::string(r.status().message()));
    return Failed("migrate-schema", r.status());
  }
  if (r->from_version == r->to_version) {
    std::cout << "archive schema: version " << r->to_version << ", up to date\n";
  } else {
    std::cout << "archive schema: version " << r->from_version << " -> " << r->to_version << "\n";
  }
  if (!r->granted_to.empty()) {
    std::cout << "granted SELECT + INSERT (no UPDATE, DELETE or TRUNCATE) to " << r->granted_to << "\n";
  }
  return 0;
}

int Copy(const std::string& dir, const std::string& conninfo) {
  if (absl::Status s = CheckConninfo(conninfo); !s.ok()) return Usage(std::string(s.message()));
  StoreCheckReport check;
  absl::StatusOr<std::unique_ptr<LocalArchiveStore>> from = LocalArchiveStore::Open({dir, nullptr}, &check);
  if (!from.ok()) return Failed("copy", from.status());
  absl::StatusOr<std::unique_ptr<PostgresArchiveStore>> to = PostgresArchiveStore::Open({conninfo, 2});
  if (!to.ok()) return Failed("copy", to.status());
  absl::StatusOr<CopyReport> r = CopyStore(**from, **to);
  if (!r.ok()) return Failed("copy", r.status());
  std::cout << "copied " << dir << " to PostgreSQL: " << r->papers << " papers, " << r->copied
            << " copied (" << r->bytes << " PDF bytes), " << r->present
            << " there already; " << r->verified << " read back and verified\n";
  for (const std::string& id : r->conflicts) {
    std::cout << "  CONFLICT: paper " << id
              << " is archived in PostgreSQL with another request (left as it is)\n";
  }
  for (const std::string& id : r->damaged) {
    std::cout << "  DAMAGED in the local store, not copied: paper " << id << "\n";
  }
  for (const std::string& id : r->mismatched) {
    std::cout << "  MISMATCH: paper " << id << " reads back differently from PostgreSQL\n";
  }
  if (!r->damaged.empty() || !r->mismatched.empty()) return kExitDamaged;
  if (!r->conflicts.empty()) return kExitFindings;
  return 0;
}

}  // namespace

int StoreCommand(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("needs a command: check, backup, restore, migrate-schema or copy");
  const std::string& command = args[0];
  std::vector<std::string> positional;
  bool quarantine = false;
  std::string postgres, grant_to, from, to_postgres;
  // --NAME VALUE or --NAME=VALUE options of one command.
  auto value_of = [&](size_t* i, const char* cmd, const char* name, std::string* out) {
    const std::string& a = args[*i];
    const std::string flag = absl::StrCat("--", name);
    if (command != cmd) return false;
    if (a == flag && *i + 1 < args.size()) {
      *out = args[++*i];
      return true;
    }
    if (absl::StartsWith(a, flag + "=")) {
      *out = a.substr(flag.size() + 1);
      return true;
    }
    return false;
  };
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (value_of(&i, "migrate-schema", "postgres", &postgres) ||
        value_of(&i, "migrate-schema", "grant-to", &grant_to) ||
        value_of(&i, "copy", "from", &from) || value_of(&i, "copy", "to-postgres", &to_postgres)) {
      continue;
    }
    if (command == "check" && a == "--quarantine") {
      quarantine = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return Usage(absl::StrCat(command, ": unknown option ", a));
    } else {
      positional.push_back(a);
    }
  }
  if (command == "check") {
    if (positional.size() != 1) return Usage("check needs exactly one DIR");
    return Check(positional[0], quarantine);
  }
  if (command == "backup") {
    if (positional.size() != 2) return Usage("backup needs DIR and DEST");
    return Backup(positional[0], positional[1]);
  }
  if (command == "restore") {
    if (positional.size() != 2) return Usage("restore needs BACKUP and DIR");
    return Restore(positional[0], positional[1]);
  }
  if (command == "migrate-schema") {
    if (postgres.empty() || !positional.empty()) return Usage("migrate-schema needs --postgres CONNINFO");
    return MigrateSchema(postgres, grant_to);
  }
  if (command == "copy") {
    if (from.empty() || to_postgres.empty() || !positional.empty()) {
      return Usage("copy needs --from DIR and --to-postgres CONNINFO");
    }
    return Copy(from, to_postgres);
  }
  return Usage(absl::StrCat("unknown command '", command,
                            "' (check, backup, restore, migrate-schema or copy)"));
}

}  // namespace pp::service::archive
