// File: service/archive/archive_setup.h
//
// panelpaperd's archive flags and the service they configure. The flags are
// defined in archive_setup.cc (linked into panelpaperd only):
//
//   --archive_dir=DIR            serve ArchiveService with a LocalArchiveStore in DIR
//                                (created if missing); empty (the default): the
//                                archive is off and its calls are UNIMPLEMENTED
//   --archive_token_file=FILE    bearer tokens that may write ("TOKEN" or "NAME TOKEN"
//                                per line, archive_auth.h)
//   --archive_writers=ID,ID      mTLS client identities that may write (needs
//                                --tls_client_ca)
//   --archive_reads=authenticated|open
//                                reads need credentials (default) or not
//   --archive_workers=N          worker threads (0: one per core)
//
// ArchiveFromFlags validates them, opens the store (running its check and
// logging what it found) and builds the service.
//
//   PP_ASSIGN_OR_RETURN(auto archive, ArchiveFromFlags({fonts_dir, fonts, limits, 5000, mtls}));
//   if (archive) builder.RegisterService(archive.get());
#ifndef PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_SETUP_H_
#define PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_SETUP_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "renderers/text/font_set.h"
#include "service/archive/archive_service.h"
#include "service/request_converter.h"

namespace pp::service::archive {

struct ArchiveSetup {
  std::string fonts_dir;  // holds icc/sRGB.icc
  std::shared_ptr<const text::FontSet> fonts;
  Limits limits;
  size_t max_word_chars = 5000;
  bool tls = false;   // the server speaks TLS
  bool mtls = false;  // and verifies client certificates
  std::shared_ptr<SendBudget> send_budget;  // the server's (call_handler.h)
};

// nullptr when --archive_dir is empty. INVALID_ARGUMENT for inconsistent
// flags (panelpaperd exits 2); other errors (unreadable token file, store
// locked or not openable) make it exit 1.
absl::StatusOr<std::unique_ptr<ArchiveServiceImpl>> ArchiveFromFlags(const ArchiveSetup& setup);

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_SETUP_H_
