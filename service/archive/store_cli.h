// File: service/archive/store_cli.h
//
// The CLI's store maintenance commands (service/cli_main.cc dispatches
// `panelpaper store ...` here); the work is in store_admin.h and
// postgres_archive_store.h. They act on a local store directory or a
// PostgreSQL archive database, not on a server:
//
//   panelpaper store check DIR [--quarantine]
//   panelpaper store backup DIR DEST
//   panelpaper store restore BACKUP DIR
//   panelpaper store migrate-schema --postgres CONNINFO [--grant-to ROLE]
//   panelpaper store copy --from DIR --to-postgres CONNINFO
//
// Exit status: 0 ok (check: nothing found); 1 check found something to look
// at (temporary files, unindexed PDFs, symbolic links, unknown files, a
// lost index), or the command was refused (DEST or DIR not empty, the store
// in use for --quarantine), copy found papers PostgreSQL holds with another
// request; 2 usage (also a CONNINFO with a password); 3 I/O or database
// failure; 4 damaged papers (a stored PDF missing or wrong, a corrupt index,
// a backup object that does not match its hash, a copy that reads back
// differently).
#ifndef PANELPAPER_SERVICE_ARCHIVE_STORE_CLI_H_
#define PANELPAPER_SERVICE_ARCHIVE_STORE_CLI_H_

#include <string>
#include <vector>

namespace pp::service::archive {

// The usage lines of `panelpaper store`, for the CLI's help text.
extern const char kStoreCliUsage[];

// `args` are the arguments after `store` (the subcommand first).
int StoreCommand(const std::vector<std::string>& args);

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_STORE_CLI_H_
