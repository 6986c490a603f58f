// File: service/request_converter.h
//
// Validates a panelpaper.v1 request and converts it into the proto-free
// doc:: model the renderer consumes (the "marshalling" layer: the only place
// where generated messages meet doc:: types). Every promise paper.proto's
// comments make is checked here, so the invariants listed in
// renderers/doc/document.h hold for any converted paper.
//
//   PP_ASSIGN_OR_RETURN(RenderJob job,
//                       ConvertRenderPaperRequest(request, *fonts, Limits{}));
//   // job.paper is valid; render it.
//
// Errors. Conversion never stops at the first problem: it collects every
// violation with its field path (proto field names, 0-based indices, e.g.
// "paper.sections[2].blocks[0].paragraph.runs[1].text") and a short
// description that never quotes more than ~40 characters of request text.
// Violations::ToStatus() turns them into one absl::Status:
//   * INVALID_ARGUMENT for malformed or contract-breaking content (missing
//     required fields, bad dates, unknown enum values, unrenderable
//     characters, structural limits such as table columns and list nesting,
//     columns too narrow for their text on the page — the check layout would
//     otherwise make, with the same geometry (layout::ColumnEdges) — and
//     strings the PDF stores as string objects over kMaxPdfTextChars:
//     document information, the keywords joined, links; emails over 254),
//     with payload "type.googleapis.com/google.rpc.BadRequest" (a serialized
//     google.rpc.BadRequest, one FieldViolation per violation);
//   * RESOURCE_EXHAUSTED when any size limit of Limits was crossed (string
//     bytes, total text, sections, blocks, table rows), with payload
//     "type.googleapis.com/google.rpc.QuotaFailure" (subject = field path)
//     and, if there are invalid fields too, the BadRequest payload as well.
// The gRPC layer (service/status_mapping) copies each payload into
// google.rpc.Status.details as a google.protobuf.Any whose type_url is the
// payload's URL, and sends it as grpc-status-details-bin. Payloads are kept
// under a few KiB so the trailer stays within gRPC's default 8 KiB metadata
// limit; the status message always gives the total count.
//
// Hostile input. Work and memory are linear in the request: list nesting is
// followed only to max_list_depth + 1 levels (no unbounded recursion), and
// elements past a count limit (sections, table rows, the whole-paper block
// budget, organisation lines) are neither converted nor validated once the
// limit has been reported. No gRPC includes here: protobuf + Abseil only.
#ifndef PANELPAPER_SERVICE_REQUEST_CONVERTER_H_
#define PANELPAPER_SERVICE_REQUEST_CONVERTER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "panelpaper/v1/pack.pb.h"
#include "panelpaper/v1/paper.pb.h"
#include "renderers/doc/document.h"
#include "renderers/doc/pack.h"
#include "renderers/text/font_set.h"

namespace pp::service {

// One problem with one request field.
struct FieldViolation {
  std::string field;        // e.g. "paper.sections[0].heading"
  std::string description;  // e.g. "required"
  friend bool operator==(const FieldViolation&, const FieldViolation&) = default;
};

// Service limits. The defaults are the documented contract.
struct Limits {
  size_t max_string_bytes = 1 << 20;      // any single string field
  size_t max_total_text_bytes = 8 << 20;  // sum over the whole paper
  int max_sections = 200;
  int max_blocks = 20000;         // blocks + list items + table rows + areas, whole paper
  int max_table_rows = 5000;      // per table
  int max_table_columns = 50;     // per table (structural: INVALID_ARGUMENT); each column
                                  // must also be font size + 8 pt wide (25 equal at 10 pt)
  int max_list_depth = 6;         // nesting (structural: INVALID_ARGUMENT)
  int max_pages = 500;            // enforced later by layout, carried here
  int max_pack_items = 200;       // agenda items per pack (RESOURCE_EXHAUSTED)
  int max_pack_pages = 5000;      // pages per pack, enforced by layout
};

// A collected set of problems: `invalid` -> INVALID_ARGUMENT, `exhausted` ->
// RESOURCE_EXHAUSTED. Use AddInvalid/AddExhausted: they keep at most
// `max_recorded` entries per list (a hostile request with a million empty
// runs must not allocate a million violations) and count the rest.
struct Violations {
  static constexpr size_t kDefaultMaxRecorded = 100;
  // Bytes of google.rpc payload (BadRequest + QuotaFailure) ToStatus attaches
  // at most; base64 in the trailer makes it ~4 KiB.
  static constexpr size_t kDefaultMaxPayloadBytes = 3000;
  // How many violations the status message spells out before "and N more".
  static constexpr size_t kMessageListed = 10;

  std::vector<FieldViolation> invalid;
  std::vector<FieldViolation> exhausted;
  size_t omitted_invalid = 0;    // reported but not recorded (over max_recorded)
  size_t omitted_exhausted = 0;
  size_t max_recorded = kDefaultMaxRecorded;

  void AddInvalid(std::string field, std::string description);
  void AddExhausted(std::string field, std::string description);

  bool empty() const;
  // Total number of violations reported, recorded or not.
  size_t count() const;

  // OK if empty. Otherwise RESOURCE_EXHAUSTED if anything was exhausted, else
  // INVALID_ARGUMENT, with the message
  //   "request has 3 invalid fields: paper.title: required; ...; and 1 more"
  // (at most kMessageListed listed, exhausted ones first) and the payloads
  // described at the top of this file: BadRequest lists the recorded invalid
  // violations, QuotaFailure the exhausted ones, in order, as many as fit in
  // `max_payload_bytes` (the count in the message is always complete).
  absl::Status ToStatus(size_t max_payload_bytes = kDefaultMaxPayloadBytes) const;
};

inline constexpr char kBadRequestTypeUrl[] = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr char kQuotaFailureTypeUrl[] = "type.googleapis.com/google.rpc.QuotaFailure";

// A refusal the renderer decided (a pp::FieldError payload, see
// renderers/common/field_error.h: a table column too narrow, content that
// cannot be laid out even on an empty page, the page limit) with the details
// a validation error carries: the payload is replaced by a
// google.rpc.BadRequest (INVALID_ARGUMENT) or google.rpc.QuotaFailure
// (RESOURCE_EXHAUSTED) naming its field; code and message are kept. Any
// other status is returned unchanged. ToGrpcStatus applies it to every
// status it maps, so PaperService and ArchiveService answers carry them.
absl::Status WithRequestDetails(const absl::Status& status);

// Validates `in` and converts it into `*out`, appending every problem to `*v`.
// `path` prefixes every field path ("paper", or "items[4].paper" inside an
// agenda pack). Limits apply per call (per paper). On violations `*out` is
// partially filled and must not be rendered.
void ConvertPaper(const panelpaper::v1::Paper& in, std::string_view path,
                  const text::FontSet& fonts, const Limits& limits, doc::Paper* out,
                  Violations* v);

// What RenderPaper / StreamPaper / the CLI render.
struct RenderJob {
  doc::Paper paper;
  bool compress_content = true;  // !RenderOptions.uncompressed
};

// Converts a whole RenderPaperRequest (a missing `paper` is reported as
// "paper": "required"). Returns Violations::ToStatus() on any violation.
absl::StatusOr<RenderJob> ConvertRenderPaperRequest(const panelpaper::v1::RenderPaperRequest& req,
                                                    const text::FontSet& fonts,
                                                    const Limits& limits);

// What RenderAgendaPack / `panelpaper pack` render.
struct PackJob {
  doc::Pack pack;
  bool compress_content = true;
};

// "YYYY-MM-DD" (exactly; years 0001-9999) -> a real calendar date. Returns
// an error description ("2020-02-30 is not a real date"), or nullopt when
// *out is set. The one date parser of the code base.
std::optional<std::string> ParseIsoDate(std::string_view s, doc::Date* out);

// Validates a whole agenda-pack request: the meeting, every item and every
// paper (paths name the item: "items[4].paper.sections[1].heading"). Limits
// apply per paper, plus max_pack_items for the pack.
void ConvertPack(const panelpaper::v1::RenderAgendaPackRequest& in, const text::FontSet& fonts,
                 const Limits& limits, doc::Pack* out, Violations* v);
absl::StatusOr<PackJob> ConvertAgendaPackRequest(
    const panelpaper::v1::RenderAgendaPackRequest& req, const text::FontSet& fonts,
    const Limits& limits);

}  // namespace pp::service

#endif  // PANELPAPER_SERVICE_REQUEST_CONVERTER_H_
