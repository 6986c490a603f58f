// File: renderers/layout/measure.h
//
// Measure: turns a validated doc::Paper into the flowables of its body, all
// measured at the page body's width with the FontSet's metrics: the
// first-page title block, the Report Summary (boxed or not), and the
// numbered sections with their paragraphs, lists, tables, improvement table,
// contact details and appendices. Paragraph numbers ("1.4."), list labels
// and "Lead:"-style labels are generated here.
//
//   PP_ASSIGN_OR_RETURN(std::vector<FlowPtr> flows,
//                       MeasurePaper(paper, *fonts, HouseStyle{}));
#ifndef PANELPAPER_RENDERERS_LAYOUT_MEASURE_H_
#define PANELPAPER_RENDERERS_LAYOUT_MEASURE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "renderers/doc/document.h"
#include "renderers/layout/flow.h"
#include "renderers/layout/paginate.h"
#include "renderers/layout/style.h"
#include "renderers/text/font_set.h"

namespace pp::layout {

// "Wednesday 8 January 2020" (or without the weekday).
std::string FormatDate(const doc::Date& date, bool weekday);

// List labels: "•", "a.", "(a)", "1.", "(1)", "i.", "I." for the n-th item
// (n from 0); empty for ListStyle::kNone.
std::string ListLabel(doc::ListStyle style, int n);

// The bullet of a list nested `level` deep (0: a top-level list), LAYOUT.md
// §14: "•", "–", then "◦", repeating. "◦" is outside Windows-1252, so it is
// drawn as a circle (TextContent::label_circle_r) and this returns "" for it.
std::string BulletLabel(int level);
inline bool BulletIsCircle(int level) { return level % 3 == 2; }

// The paper's body flowables, in order. `interrupt` (optional) is polled
// every few hundred blocks; `notes` (optional) receives layout remarks.
// `structure` (optional): receives the paper's logical structure (LAYOUT.md
// §14) under its root (added as Document when empty), and the flowables
// draw their text as its elements; without it they draw untagged text.
absl::StatusOr<std::vector<FlowPtr>> MeasurePaper(const doc::Paper& paper,
                                                  const text::FontSet& fonts,
                                                  const HouseStyle& style,
                                                  const InterruptCheck& interrupt = nullptr,
                                                  std::vector<LayoutNote>* notes = nullptr,
                                                  StructTree* structure = nullptr);

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_MEASURE_H_
