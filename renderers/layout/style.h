// File: renderers/layout/style.h
//
// HouseStyle: every size, distance and colour of the panel-paper layout
// (LAYOUT.md), in one place, in points. Values marked [INF] in LAYOUT.md are
// our defaults; the sourced ones (Arial/Liberation 12 pt body, bold headings,
// ragged right, A4, margins ≥ 2 cm / 2.5 cm) are fixed.
#ifndef PANELPAPER_RENDERERS_LAYOUT_STYLE_H_
#define PANELPAPER_RENDERERS_LAYOUT_STYLE_H_

#include "renderers/doc/document.h"

namespace pp::layout {

inline constexpr double kMm = 72.0 / 25.4;

struct HouseStyle {
  // Page: A4 portrait.
  double page_width = 210 * kMm;
  double page_height = 297 * kMm;
  double margin_left = 25 * kMm;
  double margin_right = 20 * kMm;
  double margin_top = 25 * kMm;
  double margin_bottom = 22 * kMm;

  // Running furniture (baselines measured from the page edge).
  double header_label_size = 12;         // "AGENDA ITEM 7b", bold, right
  double header_label_baseline = 15 * kMm;
  // No glyph closer than 10 mm to the sheet edge (LAYOUT.md §14: office
  // printers leave 4-6 mm unprintable): the marking's caps reach 11.2 mm
  // from the top and sit 11 mm above the bottom; the page number clears it.
  double marking_size = 11;              // protective marking, bold caps, centred
  double marking_top_baseline = 14 * kMm;
  double marking_bottom_baseline = 11 * kMm;
  double page_number_size = 11;          // centred
  double page_number_baseline = 16 * kMm;

  // Body text.
  double body_size = 12;
  double leading_factor = 1.15;          // Word "single" for Arial
  double paragraph_space = 8;            // between paragraphs
  double numbered_text_indent = 12.7 * kMm;  // "1.1." hanging indent
  double list_indent = 6.35 * kMm;       // bullet hanging indent per level
  double list_item_space = 3;

  // Headings.
  double section_heading_size = 12;
  double section_space_before = 14;
  double section_space_after = 6;
  double subheading_space_before = 10;
  double subheading_space_after = 4;

  // First-page title block.
  double lockup_size = 10;
  double panel_size = 13;
  double date_size = 12;
  double title_size = 14;
  double report_by_size = 12;

  // Report Summary box.
  double summary_title_size = 13;
  double summary_rule = 0.75;
  double summary_padding = 7;
  double summary_space_before = 16;

  // Tables.
  double table_size = 10;
  double table_area_size = 11;           // improvement-area name
  double table_rule = 0.5;
  double cell_padding_x = 4;
  double cell_padding_y = 3;
  double cell_paragraph_space = 3;
  doc::Rgb band_fill = {0xD9, 0xD9, 0xD9};     // group band ("Priority")
  doc::Rgb header_fill = {0xF2, 0xF2, 0xF2};   // column-header rows
  double table_space_before = 8;
  double table_space_after = 10;
  // Improvement table column shares: A, B, C.
  double improvement_columns[3] = {0.38, 0.47, 0.15};

  double body_width() const { return page_width - margin_left - margin_right; }
  double body_height() const { return page_height - margin_top - margin_bottom; }
};

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_STYLE_H_
