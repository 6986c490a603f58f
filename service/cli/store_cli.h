// File: service/cli/store_cli.h
//
// `panelpaper store ...`: maintenance of an archive store
// (the work is in service/archive/store_admin.h; no panelpaperd involved):
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
// in use for --quarantine); 2 usage; 3 I/O failure; 4 damaged papers (a
// stored PDF missing or wrong, a corrupt index, a backup object that does
// not match its hash).
#ifndef PANELPAPER_SERVICE_CLI_STORE_CLI_H_
#define PANELPAPER_SERVICE_CLI_STORE_CLI_H_

#include "service/cli/command_line.h"

namespace pp::cli {

// Registers `store` and its check, backup and restore subcommands.
void AddStoreCommands(CommandSet& commands);

}  // namespace pp::cli

#endif  // PANELPAPER_SERVICE_CLI_STORE_CLI_H_
