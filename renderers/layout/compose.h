// File: renderers/layout/compose.h
//
// Compose: the last layout stage. Paginates a paper's measured flowables
// into page bodies, draws them, then stamps each page's running furniture
// (the "AGENDA ITEM 7b" label, the protective marking top and bottom, the
// pack page number) once the page numbers are known — furniture never takes
// part in pagination (Typst's pages/finalize idea).
//
//   PP_ASSIGN_OR_RETURN(PageLayout layout, LayoutPaper(paper, *fonts, {}));
#ifndef PANELPAPER_RENDERERS_LAYOUT_COMPOSE_H_
#define PANELPAPER_RENDERERS_LAYOUT_COMPOSE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "renderers/doc/document.h"
#include "renderers/layout/page_layout.h"
#include "renderers/layout/paginate.h"
#include "renderers/layout/style.h"
#include "renderers/text/font_set.h"

namespace pp::layout {

struct LayoutOptions {
  HouseStyle style;
  int max_pages = 500;
  InterruptCheck interrupt;  // optional; polled during measuring and per page
  std::string producer;      // PDF Producer, e.g. "panelpaper 0.1.0"
};

// What is printed around one page's body.
struct Furniture {
  std::string header_label;  // "AGENDA ITEM 7b", top right; empty: none
  std::string marking;       // protective marking, centred top and bottom; empty: none
  std::string page_number;   // centred in the footer; empty: none
  // The structure element of the top marking on this page (its first
  // occurrence: content, LAYOUT.md §14); -1: all furniture is artifacts.
  int marking_node = -1;
};

// "AGENDA ITEM 7b" for "7b"; empty for an empty item.
std::string AgendaLabel(const std::string& agenda_item);

void StampPage(const Furniture& furniture, const text::FontSet& fonts, const HouseStyle& style,
               Page* page);

// A paper's pages without furniture; outline entries index these pages.
// `structure`: its logical structure (root: Document); `marking_node`: the
// element of the protective marking's first occurrence (-1: no marking).
struct PaperPages {
  std::vector<Page> pages;
  std::vector<OutlineEntry> outline;
  std::vector<LayoutNote> notes;
  StructTree structure;
  int marking_node = -1;
};
absl::StatusOr<PaperPages> LayoutPaperPages(const doc::Paper& paper, const text::FontSet& fonts,
                                            const LayoutOptions& options);

// PDF document information from the paper's metadata.
DocInfo MakeDocInfo(const doc::Metadata& metadata, const std::string& producer);

// A standalone paper: pages numbered from paper.first_page_number, each
// stamped with the agenda item and marking; page labels equal the printed
// numbers.
absl::StatusOr<PageLayout> LayoutPaper(const doc::Paper& paper, const text::FontSet& fonts,
                                       const LayoutOptions& options);

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_COMPOSE_H_
