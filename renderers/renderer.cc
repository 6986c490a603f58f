#include "renderers/renderer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "renderers/common/utf8.h"
#include "renderers/layout/compose.h"
#include "renderers/pdf/painter.h"

namespace pp {

std::string Producer() { return absl::StrCat("panelpaper ", kRendererVersion); }

std::vector<RenderWarning> LayoutWarnings(const layout::PageLayout& layout,
                                          const text::FontSet& fonts) {
  return PageWarnings(layout, 0, layout.pages.size(), fonts);
}

std::vector<RenderWarning> PageWarnings(const layout::PageLayout& layout, size_t begin, size_t end,
                                        const text::FontSet& fonts) {
  // Per fallback family: the first few characters it drew.
  std::string drawn[text::kFamilyCount];
  end = std::min(end, layout.pages.size());
  for (size_t p = begin; p < end; ++p) {
    const layout::Page& page = layout.pages[p];
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
  out.pdf = RenderedPdf{*std::move(bytes), static_cast<int>(layout->pages.size()), {}};
  // Each paper's warnings name its item ("items[3].paper"); the pages of
  // no paper (the front sheet) get the document's.
  std::vector<bool> item_page(layout->pages.size(), false);
  for (size_t i = 0; i < out.items.size(); ++i) {
    const layout::ItemPlacement& item = out.items[i];
    if (!item.included || item.first_page <= 0 || item.last_page < item.first_page) continue;
    const size_t begin = static_cast<size_t>(item.first_page - pack.first_page_number);
    const size_t end = static_cast<size_t>(item.last_page - pack.first_page_number) + 1;
    for (size_t p = begin; p < end && p < item_page.size(); ++p) item_page[p] = true;
    for (RenderWarning& w : PageWarnings(*layout, begin, end, fonts)) {
      w.field = absl::StrCat("items[", i, "].paper");
      out.pdf.warnings.push_back(std::move(w));
    }
  }
  for (size_t p = 0; p < item_page.size(); ++p) {
    if (item_page[p]) continue;
    size_t end = p;
    while (end < item_page.size() && !item_page[end]) ++end;
    for (RenderWarning& w : PageWarnings(*layout, p, end, fonts)) out.pdf.warnings.push_back(std::move(w));
    p = end;
  }
  return out;
}

}  // namespace pp
