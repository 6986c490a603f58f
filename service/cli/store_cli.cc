#include "service/cli/store_cli.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "service/archive/archive_store.h"
#include "service/archive/local_archive_store.h"
#include "service/archive/store_admin.h"

namespace pp::cli {
namespace {

using pp::service::archive::BackupReport;
using pp::service::archive::RestoreReport;
using pp::service::archive::StoreCheckReport;

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

struct StoreArgs {
  std::string dir, other;
  bool quarantine = false;
};

}  // namespace

void AddStoreCommands(CommandSet& commands) {
  struct Subcommands {
    CLI::App* check = nullptr;
    CLI::App* backup = nullptr;
    CLI::App* restore = nullptr;
  };
  auto args = std::make_shared<StoreArgs>();
  auto subs = std::make_shared<Subcommands>();
  CLI::App* store = commands.Add(
      "store", "check, back up or restore a local archive store directory (no server)",
      [args, subs]() {
        if (subs->check->parsed()) return Check(args->dir, args->quarantine);
        if (subs->backup->parsed()) return Backup(args->dir, args->other);
        if (subs->restore->parsed()) return Restore(args->other, args->dir);
        return kExitUsage;
      });
  store->require_subcommand(1);
  store->footer(
      "Exit status: 0 ok (check: nothing found), 1 findings or refused, 2 usage, 3 I/O failure,\n"
      "4 damaged papers.");
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
}

}  // namespace pp::cli
