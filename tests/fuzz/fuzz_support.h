// File: tests/fuzz/fuzz_support.h
//
// What the fuzz targets in tests/fuzz share: the real fonts (loaded once),
// small limits (so one input costs milliseconds, not seconds), the fixtures
// the structure-aware target starts from, and the contract every target
// checks. The contract (qpdf's fuzz/qpdf_fuzzer.cc states its own the same
// way): for ANY input, the request pipeline ends in exactly one of
//   * OK, with a well-formed PDF of 1..max_pages pages;
//   * INVALID_ARGUMENT or RESOURCE_EXHAUSTED, with a message and a
//     google.rpc payload whose every violation names a field path — from the
//     parser, converter or word guard directly, from layout once the service
//     maps its field error (service::WithRequestDetails); the status must
//     also fit the gRPC trailer budget once mapped (service/status_mapping).
// Anything else (another code, a crash, a sanitizer report, a timeout, an
// out-of-memory) is a bug: CheckRejection/CheckPdf abort() with a message,
// which libFuzzer records as a crash and the standalone runner as a failure.
//
//   const FuzzEnv& env = GetFuzzEnv();
//   absl::StatusOr<RenderedPdf> pdf = RenderPaper(paper, env.fonts(), env.render_options(true));
//   if (pdf.ok()) CheckPdf(*pdf, env.limits.max_pages, "RenderPaper"); else CheckRenderRejection(...);
#ifndef PANELPAPER_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define PANELPAPER_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "panelpaper/v1/pack.pb.h"
#include "panelpaper/v1/paper.pb.h"
#include "renderers/layout/page_layout.h"
#include "renderers/renderer.h"
#include "renderers/text/font_set.h"
#include "service/request_converter.h"

namespace pp::fuzz {

struct FuzzEnv {
  std::shared_ptr<const text::FontSet> font_set;
  // Small limits: a fixture paper passes them (so seeds render in full) but
  // nothing much bigger does.
  service::Limits limits;
  const text::FontSet& fonts() const { return *font_set; }
  RenderOptions render_options(bool compress) const;
  PackOptions pack_options(bool compress) const;
};

// Loads the fonts from $PANELPAPER_FONTS_DIR, else the build tree's fonts
// folder (PP_FONTS_DIR); aborts when they cannot be loaded (a set-up error,
// not a finding).
const FuzzEnv& GetFuzzEnv();

// The fixtures, parsed from tests/testdata ($PP_TESTDATA_DIR overrides the
// path compiled in), in file-name order: every requests/*.json, then one
// RenderPaperRequest per paper of every packs/*.json not already listed
// (the pack's item 7b is the reference paper). A new fixture file joins
// the structure-aware target's starting points (and, once make_seed_corpus
// has run, the seeds) by itself.
const std::vector<panelpaper::v1::RenderPaperRequest>& FixturePaperRequests();
// Every packs/*.json, in file-name order (at least one).
const std::vector<panelpaper::v1::RenderAgendaPackRequest>& FixturePacks();

// Aborts unless `s` is a clean rejection from the parser, converter or word
// guard: INVALID_ARGUMENT or RESOURCE_EXHAUSTED with a BadRequest and/or
// QuotaFailure payload that parses, every violation with a description and a
// non-empty field path, and a grpc::Status that fits the trailer budget.
// `root_path_ok`: the raw-bytes parser names the whole request with the
// empty path "" (service/request_parser.h), e.g. for malformed data in an
// unknown top-level field.
void CheckRejection(const absl::Status& s, std::string_view stage, bool root_path_ok = false);

// Aborts unless `s` is a clean rejection from the renderer (layout): a
// pp::FieldError (renderers/common/field_error.h) that, mapped as the
// service maps it (WithRequestDetails), meets CheckRejection's contract.
void CheckRenderRejection(const absl::Status& s, std::string_view stage);

// Aborts unless every position of `layout` is a finite number, every item
// lies on its page (within half a point) and every link, outline entry and
// label points at a page that exists. (Non-finite coordinates reach the PDF
// as garbage tokens: libharu writes NaN as ".(-*,(".)
void CheckLayout(const layout::PageLayout& layout, std::string_view stage);

// Lays `paper` out as pp::RenderPaper does and runs CheckLayout on the
// result (the fuzz targets call it once RenderPaper has succeeded).
void CheckPaperLayout(const doc::Paper& paper, const FuzzEnv& env);
void CheckPackLayout(const doc::Pack& pack, const FuzzEnv& env);

// Aborts unless `pdf` looks like a complete PDF ("%PDF-1." ... "%%EOF")
// with 1..max_pages pages.
void CheckPdf(const RenderedPdf& pdf, int max_pages, std::string_view stage);

// With PP_FUZZ_VERBOSE=1 in the environment, prints one line per input:
// how it ended ("RenderPaper: OK, 7 pages" / "validation: INVALID_ARGUMENT: ...").
void Report(std::string_view stage, const absl::Status& s, int pages = 0);

// Prints `what` (and the status) to stderr and aborts.
[[noreturn]] void Fail(std::string_view stage, std::string_view what,
                       const absl::Status& s = absl::OkStatus());

}  // namespace pp::fuzz

#endif  // PANELPAPER_TESTS_FUZZ_FUZZ_SUPPORT_H_
