#include "service/cli/store_cli.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "service/archive/archive_store.h"
#include "service/archive/local_archive_store.h"
#include "service/archive/postgres_archive_store.h"
#include "service/archive/store_admin.h"

namespace pp::cli {
namespace {

using pp::service::archive::BackupReport;
using pp::service::archive::CopyReport;
using pp::service::archive::LocalArchiveStore;
using pp::service::archive::MigrateReport;
using pp::service::archive::PostgresArchiveStore;
using pp::service::archive::RestoreReport;
using pp::service::archive::StoreCheckReport;

int Usage(const std::string& command, const std::string& message) {
  std::cerr << "panelpaper store " << command << ": " << message << "\n"
            << "Run 'panelpaper store " << command << " --help' for usage.\n";
  return kExitUsage;
}

int Failed(const std::string& command, const absl::Status& s) {
  std::cerr << "panelpaper store " << command << ": " << s.message() << "\n";
  if (absl::IsDataLoss(s)) return kExitDamaged;
  if (absl::IsFailedPrecondition(s)) return kExitRejected;
  return kExitFailure;
}

int Check(const std::string& dir, bool quarantine) {
  absl::StatusOr<StoreCheckReport> r = pp::service::archive::CheckStore(dir, quarantine);
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
  const absl::Status lost = pp::service::archive::LostIndexCheck(dir, *r);
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
  if (!r->clean()) return kExitRejected;
  std::cout << "clean\n";
  return kExitOk;
}

int Backup(const std::string& dir, const std::string& dest) {
  absl::StatusOr<BackupReport> r = pp::service::archive::BackupStore(dir, dest);
  if (!r.ok()) return Failed("backup", r.status());
  std::cout << "backup of " << dir << " in " << dest << ": " << r->papers << " papers, "
            << r->objects << " PDFs, " << r->bytes << " bytes, each re-hashed\n";
  for (const std::string& id : r->damaged) {
    std::cout << "  DAMAGED in the store, not in the backup: paper " << id << "\n";
  }
  return r->damaged.empty() ? kExitOk : kExitDamaged;
}

int Restore(const std::string& backup, const std::string& dir) {
  absl::StatusOr<RestoreReport> r = pp::service::archive::RestoreStore(backup, dir);
  if (!r.ok()) return Failed("restore", r.status());
  std::cout << "restored " << backup << " into " << dir << ": " << r->papers << " papers, "
            << r->objects << " PDFs, " << r->bytes << " bytes, each re-hashed\n";
  for (const std::string& id : r->missing) {
    std::cout << "  MISSING from the backup (damaged when it was made): paper " << id << "\n";
  }
  return r->missing.empty() ? kExitOk : kExitDamaged;
}

int MigrateSchema(const std::string& conninfo, const std::string& grant_to) {
  absl::StatusOr<MigrateReport> r = pp::service::archive::MigratePostgresSchema(conninfo, grant_to);
  if (!r.ok()) {
    if (absl::IsInvalidArgument(r.status())) {
      return Usage("migrate-schema", std::string(r.status().message()));
    }
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
  return kExitOk;
}

int Copy(const std::string& dir, const std::string& conninfo) {
  if (absl::Status s = pp::service::archive::CheckConninfo(conninfo); !s.ok()) {
    return Usage("copy", std::string(s.message()));
  }
  StoreCheckReport check;
  absl::StatusOr<std::unique_ptr<LocalArchiveStore>> from =
      LocalArchiveStore::Open({dir, nullptr}, &check);
  if (!from.ok()) return Failed("copy", from.status());
  absl::StatusOr<std::unique_ptr<PostgresArchiveStore>> to = PostgresArchiveStore::Open({conninfo, 2});
  if (!to.ok()) return Failed("copy", to.status());
  absl::StatusOr<CopyReport> r = pp::service::archive::CopyStore(**from, **to);
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
  if (!r->conflicts.empty()) return kExitRejected;
  return kExitOk;
}

struct StoreArgs {
  std::string dir, other;
  bool quarantine = false;
  std::string postgres, grant_to;
};

}  // namespace

void AddStoreCommands(CommandSet& commands) {
  struct Subcommands {
    CLI::App* check = nullptr;
    CLI::App* backup = nullptr;
    CLI::App* restore = nullptr;
    CLI::App* migrate = nullptr;
    CLI::App* copy = nullptr;
  };
  auto args = std::make_shared<StoreArgs>();
  auto subs = std::make_shared<Subcommands>();
  CLI::App* store = commands.Add(
      "store",
      "maintain an archive store: check, back up or restore a local store directory; create or "
      "upgrade a PostgreSQL archive's schema; copy a local store into PostgreSQL (no server)",
      [args, subs]() {
        if (subs->check->parsed()) return Check(args->dir, args->quarantine);
        if (subs->backup->parsed()) return Backup(args->dir, args->other);
        if (subs->restore->parsed()) return Restore(args->other, args->dir);
        if (subs->migrate->parsed()) return MigrateSchema(args->postgres, args->grant_to);
        if (subs->copy->parsed()) return Copy(args->dir, args->postgres);
        return kExitUsage;
      });
  store->require_subcommand(1);
  store->footer(
      "CONNINFO: a libpq conninfo or URI; passwords come from PGPASSFILE or passfile=, never\n"
      "from CONNINFO.\n"
      "Exit status: 0 ok (check: nothing found), 1 findings, refused, or papers the destination\n"
      "holds differently (copy), 2 usage, 3 I/O or database failure, 4 damaged papers.");
  subs->check = store->add_subcommand(
      "check",
      "report what DIR holds that is not an archived paper, or is damaged; changes nothing "
      "(safe while panelpaperd runs)");
  subs->check->add_option("DIR", args->dir, "the archive store directory")->required();
  subs->check->add_flag("--quarantine", args->quarantine,
                        "move temporary files, unindexed PDFs and symbolic links to "
                        "DIR/quarantine/<UTC time>/ (needs panelpaperd stopped; nothing is "
                        "deleted)");
  subs->backup = store->add_subcommand(
      "backup", "consistent copy of DIR into the new or empty DEST, while panelpaperd runs");
  subs->backup->add_option("DIR", args->dir, "the archive store directory")->required();
  subs->backup->add_option("DEST", args->other, "a new or empty directory")->required();
  subs->restore =
      store->add_subcommand("restore", "a backup into the new or empty DIR, every PDF re-hashed");
  subs->restore->add_option("BACKUP", args->other, "a directory made by store backup")->required();
  subs->restore->add_option("DIR", args->dir, "a new or empty directory")->required();
  subs->migrate = store->add_subcommand(
      "migrate-schema",
      "create or upgrade the archive schema in a PostgreSQL database (run as the role that owns "
      "it)");
  subs->migrate->add_option("--postgres", args->postgres, "the database")
      ->type_name("CONNINFO")->required();
  subs->migrate->add_option("--grant-to", args->grant_to,
                            "give this existing role SELECT + INSERT only, for panelpaperd "
                            "--archive_postgres")
      ->type_name("ROLE");
  subs->copy = store->add_subcommand(
      "copy",
      "every paper of the local store DIR (panelpaperd stopped) into a PostgreSQL archive, then "
      "each read back and compared; safe to re-run");
  subs->copy->add_option("--from", args->dir, "the local archive store directory")
      ->type_name("DIR")->required();
  subs->copy->add_option("--to-postgres", args->postgres, "the PostgreSQL archive")
      ->type_name("CONNINFO")->required();
}

}  // namespace pp::cli
