// File: service/archive/archive_request.h
//
// The archive's marshalling layer (no gRPC): ArchivePaperRequest ->
// validated ArchiveJob -> archival PDF, ArchiveEntry <-> ArchivedPaper,
// ListArchivedPapersRequest -> ListQuery with page tokens.
//
// What archiving adds to a render (ConvertArchiveRequest + RenderArchival):
//   * the paper is validated exactly as RenderPaper validates it (paths
//     prefixed "render."), plus the paper id and the sign-off record;
//   * doc::Paper.sign_off is set, so the paper carries a "Sign-off" box
//     after its last section;
//   * when the request sets no PDF CreationDate (paper.metadata.created),
//     the decision date (00:00 UTC) is used — never the clock;
//   * the PDF is PDF/A-2b (RenderOptions.pdfa) with the sRGB profile and the
//     record properties PaperId, ApprovedBy, Role, DecisionDate, Meeting,
//     DecisionReference (empty optional ones left out) in its XMP.
// The canonical request is the ArchivePaperRequest with unknown fields
// dropped, serialized deterministically; its SHA-256 decides idempotency,
// and VerifyArchivedPaper re-renders it. So one request gives one PDF, byte
// for byte, within a renderer version and font set.
//
//   PP_ASSIGN_OR_RETURN(ArchiveJob job, ConvertArchiveRequest(req, *fonts, limits, 5000));
//   PP_ASSIGN_OR_RETURN(RenderedPdf pdf, RenderArchival(job, *fonts, icc_profile, limits.max_pages, {}));
#ifndef PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_REQUEST_H_
#define PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_REQUEST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "panelpaper/v1/archive_service.pb.h"
#include "renderers/doc/document.h"
#include "renderers/layout/paginate.h"
#include "renderers/renderer.h"
#include "renderers/text/font_set.h"
#include "service/archive/archive_store.h"
#include "service/request_converter.h"

namespace pp::service::archive {

inline constexpr size_t kMaxPaperIdChars = 128;
inline constexpr size_t kMaxSignOffBytes = 1000;  // each sign-off field
inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 500;

// A validated archive request.
struct ArchiveJob {
  std::string paper_id;
  doc::Paper paper;  // sign_off set; created defaulted to the decision date
  bool compress_content = true;
  // XMP record properties, in order (renderers/pdf/painter.h PdfA.record).
  std::vector<std::pair<std::string, std::string>> record;
  // The entry to store, minus what rendering and the service add (PDF
  // fields, archived_by, archived_at, renderer and fonts versions).
  ArchiveEntry entry;
};

// "paper_id" problems: empty, too long, characters outside A-Z a-z 0-9 . _ -,
// or not starting with a letter or digit. Appends to *v under `field`.
void CheckPaperId(std::string_view id, std::string_view field, Violations* v);

// Validates everything (all violations at once, Violations::ToStatus()).
absl::StatusOr<ArchiveJob> ConvertArchiveRequest(const panelpaper::v1::ArchivePaperRequest& req,
                                                 const text::FontSet& fonts, const Limits& limits,
                                                 size_t max_word_chars);

// The canonical form of `req`: a copy without unknown fields, serialized
// deterministically.
std::string CanonicalRequest(const panelpaper::v1::ArchivePaperRequest& req);

// Renders a job as its archival PDF.
absl::StatusOr<RenderedPdf> RenderArchival(const ArchiveJob& job, const text::FontSet& fonts,
                                           const std::string& icc_profile, int max_pages,
                                           layout::InterruptCheck interrupt);

// SHA-256 (hex) over the font files of `fonts` and the ICC profile: what,
// besides the renderer version, decides the archival bytes.
absl::StatusOr<std::string> FontsDigest(const text::FontSet& fonts, std::string_view icc_profile);

// Entry -> message (without the request blob).
void ToProto(const ArchiveEntry& entry, panelpaper::v1::ArchivedPaper* out);

// Validates the filters and decodes the page token (INVALID_ARGUMENT with a
// BadRequest naming the field).
absl::StatusOr<ListQuery> ConvertListRequest(const panelpaper::v1::ListArchivedPapersRequest& req);

// The token for the page after `last`, bound to `req`'s filters.
std::string NextPageToken(const panelpaper::v1::ListArchivedPapersRequest& req,
                          const ArchiveEntry& last);

}  // namespace pp::service::archive

#endif  // PANELPAPER_SERVICE_ARCHIVE_ARCHIVE_REQUEST_H_
