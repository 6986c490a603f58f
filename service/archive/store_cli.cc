#include "service/archive/store_cli.h"

#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "service/archive/local_archive_store.h"
#include "service/archive/store_admin.h"

namespace pp::service::archive {

const char kStoreCliUsage[] =
    "       panelpaper store check DIR [--quarantine]\n"
    "       panelpaper store backup DIR DEST\n"
    "       panelpaper store restore BACKUP DIR\n"
    "\n"
    "  store check    report what the archive store DIR holds that is not an archived\n"
    "                 paper, or is damaged; changes nothing (safe while panelpaperd runs).\n"
    "                 --quarantine moves temporary files, unindexed PDFs and symbolic links\n"
    "                 to DIR/quarantine/<UTC time>/ (needs panelpaperd stopped)\n"
    "  store backup   consistent copy of DIR into the new or empty DEST, while\n"
    "                 panelpaperd runs\n"
    "  store restore  a backup into the new or empty DIR, every PDF re-hashed\n"
    "  store commands exit 0 ok, 1 findings (check) or refused, 2 usage, 3 I/O failure,\n"
    "  4 damaged papers\n";

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

}  // namespace

int StoreCommand(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("needs a command: check, backup or restore");
  const std::string& command = args[0];
  std::vector<std::string> positional;
  bool quarantine = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
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
  return Usage(absl::StrCat("unknown command '", command, "' (check, backup or restore)"));
}

}  // namespace pp::service::archive
