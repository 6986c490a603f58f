#include "renderers/renderer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "renderers/common/utf8.h"
#include "renderers/layout/compose.h"
#include "renderers/pdf/painter.h"

namespace pp {

std::string Producer() { return absl::StrCat("panelpaper ", kRendererVersion); }

std::vector<RenderWarning> LayoutWarnings(const layout::PageLayout& layout,
                                          const text::FontSet& fonts) {
  // Per fallback family: the first few characters it drew.
  std::string drawn[text::kFamilyCount];
  for (const layout::Page& page : layout.pages) {
    for (const layout::TextItem& t : page.texts) {
      const int family = static_cast<int>(t.face.family());
      if (family == 0 || drawn[family].size() >= 24) continue;
      size_t pos = 0;
      while (pos < t.text.size() && drawn[family].size() < 24) {
        const char32_t cp = DecodeUtf8(t.text, &pos);
        const std::string name = CodepointName(cp);
        if (drawn[family].find(name) == std::string::npos) {
          absl::StrAppend(&drawn[family], drawn[family].empty() ? "" : ", ", name);
        }
      }
    }
  }
  std::vector<RenderWarning> out;
  for (const layout::LayoutNote& n : layout.notes) out.push_back(RenderWarning{n.field, n.message});
  for (int f = 1; f < text::kFamilyCount; ++f) {
    if (drawn[f].empty()) continue;
    const text::FaceId face(static_cast<text::Family>(f), text::Style::kRegular);
    out.push_back(RenderWarning{
        "", absl::StrCat("characters outside Windows-1252 (", drawn[f],
                         ") were drawn with the fallback font ", fonts.face(face).postscript_name,
                         ", embedded in full Unicode form: the PDF is larger and slower to make")});
  }
  return out;
}

absl::StatusOr<RenderedPdf> RenderPaper(const doc::Paper& paper, const text::FontSet& fonts,
                                        const RenderOptions& options) {
  layout::LayoutOptions lo;
  lo.max_pages = options.max_pages;
  lo.interrupt = options.interrupt;
  lo.producer = Producer();
  absl::StatusOr<layout::PageLayout> layout = layout::LayoutPaper(paper, fonts, lo);
  if (!layout.ok()) return layout.status();
  if (options.interrupt) {
    if (absl::Status s = options.interrupt(); !s.ok()) return s;
  }
  pdf::PaintOptions po;
  po.compress_content = options.compress_content;
  po.interrupt = options.interrupt;
  po.pdfa = options.pdfa;
  absl::StatusOr<std::string> bytes = pdf::Paint(*layout, fonts, po);
  if (!bytes.ok()) return bytes.status();
  return RenderedPdf{*std::move(bytes), static_cast<int>(layout->pages.size()),
                     LayoutWarnings(*layout, fonts)};
}

absl::StatusOr<RenderedPack> RenderPack(const doc::Pack& pack, const text::FontSet& fonts,
                                        const PackOptions& options) {
  layout::PackLayoutOptions lo;
  lo.max_pages = options.max_pages;
  lo.max_pages_per_paper = options.max_pages_per_paper;
  lo.interrupt = options.interrupt;
  lo.producer = Producer();
  lo.progress = options.progress;
  RenderedPack out;
  absl::StatusOr<layout::PageLayout> layout = layout::LayoutPack(pack, fonts, lo, &out.items);
  if (!layout.ok()) return layout.status();
  if (options.interrupt) {
    if (absl::Status s = options.interrupt(); !s.ok()) return s;
  }
  pdf::PaintOptions po;
  po.compress_content = options.compress_content;
  po.interrupt = options.interrupt;
  absl::StatusOr<std::string> bytes = pdf::Paint(*layout, fonts, po);
  if (!bytes.ok()) return bytes.status();
  out.pdf = RenderedPdf{*std::move(bytes), static_cast<int>(layout->pages.size()),
                        LayoutWarnings(*layout, fonts)};
  return out;
}

}  // namespace pp
