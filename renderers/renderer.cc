#include "renderers/renderer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "renderers/layout/compose.h"
#include "renderers/pdf/painter.h"

namespace pp {

std::string Producer() { return absl::StrCat("panelpaper ", kRendererVersion); }

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
  return RenderedPdf{*std::move(bytes), static_cast<int>(layout->pages.size())};
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
  out.pdf = RenderedPdf{*std::move(bytes), static_cast<int>(layout->pages.size())};
  return out;
}

}  // namespace pp
