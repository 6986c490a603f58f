// File: service/cli/archive_cli.h
//
// The CLI's archive commands (registered by service/cli/cli_main.cc):
//
//   panelpaper archive REQUEST --paper_id ID --approved_by NAME [--role ROLE]
//                      --decision_date YYYY-MM-DD [--meeting TEXT] --decision_reference REF
//                      --server HOST:PORT [--token FILE] [TLS flags] [--timeout S]
//   panelpaper get PAPER_ID -o OUT.pdf [--request_out FILE.json] --server ... [--token FILE]
//   panelpaper verify PAPER_ID --server ... [--token FILE]
//   panelpaper list [--panel NAME] [--from DATE] [--to DATE] [--agenda_item 7b]
//                   [--page_size N] --server ... [--token FILE]
//
// REQUEST is a RenderPaperRequest as for `render`. --token FILE reads the
// bearer token from the file's first line (a token never goes on the
// command line, where `ps` shows it). TLS flags as for `render --server`.
//
// Exit status: 0 ok; 1 rejected (invalid request, paper id taken, not
// found, not authenticated or not allowed); 2 usage; 3 I/O or server
// failure; 4 the archive copy is damaged (DATA_LOSS) or verify found a
// mismatch.
#ifndef PANELPAPER_SERVICE_CLI_ARCHIVE_CLI_H_
#define PANELPAPER_SERVICE_CLI_ARCHIVE_CLI_H_

#include "service/cli/command_line.h"

namespace pp::cli {

// Registers archive, get, verify and list.
void AddArchiveCommands(CommandSet& commands);

}  // namespace pp::cli

#endif  // PANELPAPER_SERVICE_CLI_ARCHIVE_CLI_H_
