// File: renderers/layout/page_layout.h
//
// PageLayout: the finished, absolute description of a document's pages —
// the only thing the PDF painter sees. Every position is final (points,
// origin at the bottom-left of the page, y up); the painter never measures
// and never decides. Items are painted in this order per page: fills,
// text, rules and frames, then link annotations.
#ifndef PANELPAPER_RENDERERS_LAYOUT_PAGE_LAYOUT_H_
#define PANELPAPER_RENDERERS_LAYOUT_PAGE_LAYOUT_H_

#include <optional>
#include <string>
#include <vector>

#include "renderers/doc/document.h"
#include "renderers/text/font_set.h"

namespace pp::layout {

using Color = doc::Rgb;

// A run of text in one face, drawn with its baseline starting at (x, y).
struct TextItem {
  text::FaceId face;
  double size = 0;
  double x = 0, y = 0;
  double width = 0;  // measured advance (for checks; the painter doesn't need it)
  std::string text;  // UTF-8
  Color color;
};

// A filled rectangle (x, y = bottom-left corner).
struct FillItem {
  double x = 0, y = 0, w = 0, h = 0;
  Color color;
};

// A straight rule from (x1, y1) to (x2, y2).
struct RuleItem {
  double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  double width = 0.5;
  Color color;
};

// A stroked rectangle outline.
struct FrameItem {
  double x = 0, y = 0, w = 0, h = 0;
  double width = 0.5;
  Color color;
};

// A stroked circle centred at (cx, cy): the level-3 list bullet "◦",
// drawn as a vector so no fallback face is loaded for it.
struct CircleItem {
  double cx = 0, cy = 0, r = 0;
  double width = 0.5;
  Color color;
};

// A clickable area: an external URI, or a jump to a page of this document.
struct LinkItem {
  double x = 0, y = 0, w = 0, h = 0;
  std::string uri;        // set for external links
  int target_page = -1;   // else: page index to jump to
  double target_y = 0;    // ...at this height
};

struct Page {
  std::vector<FillItem> fills;
  std::vector<TextItem> texts;
  std::vector<RuleItem> rules;
  std::vector<FrameItem> frames;
  std::vector<CircleItem> circles;
  std::vector<LinkItem> links;
};

// A bookmark. level 0 entries are top-level; an entry of level n+1 nests
// under the nearest preceding entry of level n.
struct OutlineEntry {
  std::string title;
  int level = 0;
  int page = 0;
  double y = 0;
};

// Pages from `first_page` on are labelled start, start+1, ... (decimal).
struct PageLabel {
  int first_page = 0;
  int start = 1;
};

struct DocInfo {
  std::string title, author, subject, keywords, creator, producer;
  std::optional<doc::Timestamp> created, modified;
};

// A remark layout makes about one part of the request (a word broken
// inside because its table's columns could not all hold their longest
// words): becomes a RenderWarning.
struct LayoutNote {
  std::string field;  // request field path
  std::string message;
};

struct PageLayout {
  double width = 0, height = 0;
  std::vector<LayoutNote> notes;
  std::vector<Page> pages;
  std::vector<OutlineEntry> outline;
  std::vector<PageLabel> labels;
  DocInfo info;
};

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_PAGE_LAYOUT_H_
