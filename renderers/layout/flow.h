// File: renderers/layout/flow.h
//
// Flowables: measured blocks of content, laid out at a fixed width, that
// know their height, how to split to fit a given height, and how to draw
// themselves onto a Page (after ReportLab's platypus, but pure: measuring
// happens once, at construction; Split returns new immutable values; Draw
// only appends items to a Page).
//
// Contract
// * Height() is exact; a flowable drawn at `top` occupies [top - Height(), top].
// * Split(avail, force) returns {head, tail} with head->Height() <= avail,
//   or nothing when no acceptable head fits. Without `force` the split obeys
//   the flowable's keep rules (orphans/widows, rows moving whole); with
//   `force` (the top of an empty page, where waiting cannot help) it relaxes
//   them but still never returns an empty head.
// * MinHeadHeight() is the height of the smallest head a non-forced split
//   can produce (Height() for unsplittable content): what keep-with-next
//   must reserve after a heading.
// * Spacing: the gap between two flowables is max(prev.space_after,
//   next.space_before) (after a heading: the heading's space_after); at the
//   top of a page or box there is none.
#ifndef PANELPAPER_RENDERERS_LAYOUT_FLOW_H_
#define PANELPAPER_RENDERERS_LAYOUT_FLOW_H_

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "renderers/layout/page_layout.h"
#include "renderers/text/line_breaker.h"

namespace pp::layout {

// Where a flowable draws: the page, its index, and the document outline.
struct DrawContext {
  Page* page = nullptr;
  int page_index = 0;
  std::vector<OutlineEntry>* outline = nullptr;
};

class Flowable;
using FlowPtr = std::shared_ptr<const Flowable>;

struct SplitResult {
  FlowPtr head;
  FlowPtr tail;
};

class Flowable {
 public:
  virtual ~Flowable() = default;
  virtual double Height() const = 0;
  virtual double MinHeadHeight() const { return Height(); }
  virtual std::optional<SplitResult> Split(double avail, bool force) const { return std::nullopt; }
  // Draws with the region's left edge at x and the flowable's top at `top`.
  virtual void Draw(DrawContext& ctx, double x, double top) const = 0;

  double space_before = 0;
  double space_after = 0;
  bool keep_with_next = false;
  // With keep_with_next: only this flowable's last part must keep with the
  // next (a list's lead-in paragraph, not a heading), so it may split at a
  // page foot, its tail moving on with what follows.
  bool keep_splits = false;
  std::string path;  // request field path, for errors
};

// The gap between two consecutive flowables in a region: the larger of the
// two spaces, except after a keep-with-next flowable (a heading), whose own
// space_after decides how close its content follows.
inline double Gap(const Flowable* prev, const Flowable& next) {
  if (prev == nullptr) return 0;
  if (prev->keep_with_next) return prev->space_after;
  return std::max(prev->space_after, next.space_before);
}

enum class HAlign { kLeft, kCenter, kRight };

// Lines of text (a paragraph, list item, heading or title line) with an
// optional label hanging on the first line ("1.1.", "•", "a.").
struct TextStyle {
  double indent = 0;        // x of the text column from the region's left edge
  double width = 0;         // width of the text column (for centring/right alignment)
  double size = 12;
  double leading = 13.8;
  double baseline = 11;     // from a line's top to its baseline
  HAlign align = HAlign::kLeft;
  Color color;
  int orphans = 2;          // fewest lines left at the foot of a page
  int widows = 2;           // fewest lines carried to the top of the next
};

struct TextContent {
  TextStyle style;
  std::vector<text::Line> lines;
  std::vector<std::string> uris;  // Piece::tag -> link target
  std::optional<text::Line> label;
  double label_x = 0;             // from the region's left edge
  // > 0: the label is a stroked circle of this radius ("◦", a level-3
  // bullet) centred where a "•" would sit, instead of text.
  double label_circle_r = 0;
  // Drawn right-aligned at the end of the text column on the first line
  // (e.g. an agenda entry's "(Pages 168 – 174)"); the lines must have been
  // broken narrower to leave room for it.
  std::optional<text::Line> trailer;
  std::string outline_title;      // bookmark this block's first line
  int outline_level = -1;         // -1: no bookmark
  // Makes the whole block a link to a page of the document (-1: none).
  int link_page = -1;
  double link_y = 0;
  // Structure (PageLayout::structure): the element the lines and trailer
  // belong to, the label's (often the same; -1 with the rest: artifact),
  // the element of each Piece::tag (a Link or a Span with its own /Lang),
  // and the Link element of a whole-block link.
  int node = -1;
  int label_node = -1;
  std::vector<int> tag_nodes;
  int link_node = -1;
};

class TextBlock final : public Flowable {
 public:
  explicit TextBlock(std::shared_ptr<const TextContent> content);
  TextBlock(std::shared_ptr<const TextContent> content, size_t begin, size_t end);

  double Height() const override;
  double MinHeadHeight() const override;
  std::optional<SplitResult> Split(double avail, bool force) const override;
  void Draw(DrawContext& ctx, double x, double top) const override;

  size_t begin() const { return begin_; }
  size_t end() const { return end_; }
  const TextContent& content() const { return *content_; }

 private:
  std::shared_ptr<const TextContent> content_;
  size_t begin_, end_;
};

// Draws one measured line's pieces at (x, baseline): text items and links.
// The items belong to structure element `node` (-1: artifact), a tagged
// piece to tag_nodes[tag] when given; a hyphen the breaker added is an
// artifact of its own, so the word reads whole. `artifact`: all the text is
// decoration (a repeated table header), its links still name their Link.
void DrawLine(const text::Line& line, const std::vector<std::string>& uris, double size,
              Color color, double x, double baseline, Page* page, int node = -1,
              const std::vector<int>* tag_nodes = nullptr, bool artifact = false);

// A ruled box around a sequence of flowables (the Report Summary). It
// splits between (and inside) its children; every fragment is drawn as a
// closed box.
class BoxFlow final : public Flowable {
 public:
  struct Frame {
    double width = 0;    // outer width
    double padding = 6;
    double rule = 0.75;
    Color color;
  };
  BoxFlow(Frame frame, std::vector<FlowPtr> children);

  double Height() const override { return height_; }
  double MinHeadHeight() const override;
  std::optional<SplitResult> Split(double avail, bool force) const override;
  void Draw(DrawContext& ctx, double x, double top) const override;

 private:
  Frame frame_;
  std::vector<FlowPtr> children_;
  std::vector<double> offsets_;  // each child's top below the content top
  double height_ = 0;
};

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_FLOW_H_
