// File: service/archive/store_cli.h
//
// The CLI's store maintenance commands (service/cli_main.cc dispatches
// `panelpaper store ...` here); the work is in store_admin.h. They act on a
// local store directory, not on a server:
//
//   panelpaper store check DIR [--quarantine]
//   panelpaper store backup DIR DEST
//   panelpaper store restore BACKUP DIR
//
// Exit status: 0 ok (check: nothing found); 1 check found something to look
// at (temporary files, unindexed PDFs, symbolic links, unknown files, a
// lost index), or the command was refused (DEST or DIR not empty, the store
// in use for --quarantine); 2 usage; 3 I/O failure; 4 damaged papers (a
// stored PDF missing or wrong, a corrupt index, a backup object that does
// not match its hash).
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
