// File: renderers/renderer.h
//
// The rendering facade: a validated doc::Paper in, PDF bytes out.
//
//   doc::Paper -> layout::MeasurePaper -> Paginate -> stamp furniture
//              -> pdf::Paint -> RenderedPdf
//
//   PP_ASSIGN_OR_RETURN(auto fonts, text::FontSet::Load(text::DefaultFontsDir()));
//   PP_ASSIGN_OR_RETURN(RenderedPdf pdf, RenderPaper(paper, *fonts, {}));
#ifndef PANELPAPER_RENDERERS_RENDERER_H_
#define PANELPAPER_RENDERERS_RENDERER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "renderers/doc/document.h"
#include "renderers/doc/pack.h"
#include "renderers/identity.h"
#include "renderers/layout/pack.h"
#include "renderers/layout/page_layout.h"
#include "renderers/layout/paginate.h"
#include "renderers/pdf/painter.h"
#include "renderers/text/font_set.h"

namespace pp {

// Version of the rendering code: part of the PDF Producer and of the
// renderer identity (renderers/identity.h: the same request renders to the
// same bytes under one identity).
inline constexpr char kRendererVersion[] = "0.4.0";

struct RenderOptions {
  bool compress_content = true;
  int max_pages = 500;                 // more: RESOURCE_EXHAUSTED
  layout::InterruptCheck interrupt;    // optional: deadline / cancellation
  // Archival output (PDF/A-2b, renderers/pdf/painter.h): set by the archive.
  std::optional<pdf::PdfA> pdfa;
};

// A non-fatal remark about a rendered document.
struct RenderWarning {
  std::string field;    // request field path, or empty for the whole document
  std::string message;
};

struct RenderedPdf {
  std::string bytes;
  int page_count = 0;
  std::vector<RenderWarning> warnings;
};

// Remarks on a finished layout: text drawn with a fallback face (characters
// outside Windows-1252 that Arial-metric Panel Sans lacks come from
// Liberation Sans, DejaVu Sans or Panel CJK, which embeds a larger font).
// Given the paper laid out, each such remark ends with the fields whose
// text the face draws ("; in paper.title, paper.sections[0].blocks[2]",
// at most 8, then "and N more").
std::vector<RenderWarning> LayoutWarnings(const layout::PageLayout& layout,
                                          const text::FontSet& fonts,
                                          const doc::Paper* paper = nullptr);
// The same for pages [begin, end) (a pack's item).
std::vector<RenderWarning> PageWarnings(const layout::PageLayout& layout, size_t begin, size_t end,
                                        const text::FontSet& fonts,
                                        const doc::Paper* paper = nullptr);

// "panelpaper 0.2.0"
std::string Producer();

absl::StatusOr<RenderedPdf> RenderPaper(const doc::Paper& paper, const text::FontSet& fonts,
                                        const RenderOptions& options = {});

struct PackOptions {
  bool compress_content = true;
  int max_pages = 5000;               // the whole pack
  int max_pages_per_paper = 500;
  layout::InterruptCheck interrupt;   // optional
  std::function<void(int, int)> progress;  // (items laid out, items total)
};

struct RenderedPack {
  RenderedPdf pdf;
  std::vector<layout::ItemPlacement> items;  // indexed like pack.items
};

// One agenda pack in one pass (see renderers/layout/pack.h).
absl::StatusOr<RenderedPack> RenderPack(const doc::Pack& pack, const text::FontSet& fonts,
                                        const PackOptions& options = {});

}  // namespace pp

#endif  // PANELPAPER_RENDERERS_RENDERER_H_
