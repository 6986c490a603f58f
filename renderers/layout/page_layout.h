// File: renderers/layout/page_layout.h
//
// PageLayout: the finished, absolute description of a document's pages —
// the only thing the PDF painter sees. Every position is final (points,
// origin at the bottom-left of the page, y up); the painter never measures
// and never decides. Items are painted in this order per page: fills,
// text, rules and frames, then link annotations.
//
// Logical structure (tagged PDF, PDF/UA-1; LAYOUT.md §14) is decided here
// too: `structure` is the document's tree of structure elements, and every
// text item and link names the element it belongs to (`node`), or -1 for
// an artifact (page furniture, repeated headers, added hyphens). Fills,
// rules, frames and circles are always artifacts (decoration).
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
  int node = -1;     // structure element (index into PageLayout::structure); -1: artifact
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
  int node = -1;          // its Link structure element; -1: none
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

// Structure element types (ISO 32000-1 §14.8.4), written as their names.
enum class StructType {
  kDocument, kPart, kSect, kH1, kH2, kH3, kP, kL, kLI, kLbl, kLBody,
  kTable, kTHead, kTBody, kTR, kTH, kTD, kCaption, kLink, kSpan, kNote, kTOC, kTOCI
};

// "Document", "H1", "TOCI", ...
const char* StructTypeName(StructType type);

// A structure element. Children are the nodes whose `parent` is this one,
// in index order (layout creates them in reading order); the element's own
// content (text items naming it) goes between them where it is painted.
struct StructNode {
  StructType type = StructType::kP;
  int parent = -1;         // -1: the root (index 0, Document)
  std::string lang;        // BCP 47 (/Lang); empty: inherited
  // TH: its /Scope (a column header, or a row header such as a group band).
  enum class Scope { kNone, kColumn, kRow } scope = Scope::kNone;
  int column_span = 1;     // TH/TD: /ColSpan when > 1
  int row_span = 1;        // TH/TD: /RowSpan when > 1
  std::string alt;         // Link: /Contents of its annotations (and /Alt)
};

// The tree: nodes[0] is the root. Add returns the new node's index.
struct StructTree {
  std::vector<StructNode> nodes;
  int Add(StructType type, int parent) {
    StructNode n;
    n.type = type;
    n.parent = parent;
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size()) - 1;
  }
  // Appends `other` (its root under `parent`, as `root_type`) and returns
  // the offset to add to `other`'s node indexes.
  int Graft(const StructTree& other, int parent, StructType root_type);
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
  StructTree structure;     // empty: an untagged document (tests)
  std::string lang = "en-GB";  // the document's language (/Lang)
};

// Adds `offset` to every node reference of `page` (after StructTree::Graft).
void ShiftNodes(Page* page, int offset);

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_PAGE_LAYOUT_H_
