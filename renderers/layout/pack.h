// File: renderers/layout/pack.h
//
// LayoutPack: one agenda pack in one pass — a front sheet with the meeting
// details and the agenda (Part I, then Part II), then every included paper,
// each starting on a new page (a right-hand page in duplex, with "This page
// is intentionally left blank" on the verso), stamped "AGENDA ITEM <n>",
// with pack page numbers running through everything (blank versos count and
// carry their number); page labels equal the printed numbers.
//
// Agenda entries show "(Pages a – b)" and link to their paper's first page.
// The room for the page range is reserved at a fixed width, so the front
// sheet's line breaks (and so its page count) do not depend on the numbers:
// measuring it once tells where the papers start, and the second measuring,
// with the numbers filled in, is guaranteed to come out the same length.
//
// Editions: PUBLIC leaves Part II papers out entirely (their entry shows the
// title and the exemption only); MEMBERS includes them, every page marked
// with the paper's protective marking (OFFICIAL-SENSITIVE if it has none).
//
// Outline: "Agenda", then one entry per item pointing at its paper's first
// page with the paper's sections nested under it, or — for items without an
// included paper — at the item's line on the agenda.
#ifndef PANELPAPER_RENDERERS_LAYOUT_PACK_H_
#define PANELPAPER_RENDERERS_LAYOUT_PACK_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "renderers/doc/pack.h"
#include "renderers/layout/compose.h"

namespace pp::layout {

struct PackLayoutOptions {
  HouseStyle style;
  int max_pages = 5000;              // the whole pack; more: RESOURCE_EXHAUSTED
  int max_pages_per_paper = 500;
  InterruptCheck interrupt;          // optional
  std::string producer;
  // Called after each item is laid out: (items done, items total).
  std::function<void(int, int)> progress;
};

// Where an item ended up (printed page numbers; 0 when it has no pages).
struct ItemPlacement {
  std::string number;
  bool included = false;  // its paper is in this edition
  int first_page = 0;
  int last_page = 0;
};

// "Paragraph 7 of Part 1 of Schedule 12A ..." wording for paragraphs 1..7.
std::string ExemptionText(int paragraph);

absl::StatusOr<PageLayout> LayoutPack(const doc::Pack& pack, const text::FontSet& fonts,
                                      const PackLayoutOptions& options,
                                      std::vector<ItemPlacement>* placements = nullptr);

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_PACK_H_
