// File: renderers/layout/text_builder.h
//
// Helpers shared by the builders of flowables (the paper, the agenda front
// sheet): SpanBuilder collects styled spans for the line breaker, and
// TextFactory turns them into measured TextBlocks in the house style.
#ifndef PANELPAPER_RENDERERS_LAYOUT_TEXT_BUILDER_H_
#define PANELPAPER_RENDERERS_LAYOUT_TEXT_BUILDER_H_

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "renderers/doc/document.h"
#include "renderers/layout/flow.h"
#include "renderers/layout/style.h"
#include "renderers/text/font_set.h"
#include "renderers/text/line_breaker.h"

namespace pp::layout {

// Collects styled spans. Span text points either into the document (which
// outlives measuring) or into owned storage (a deque: stable addresses).
class SpanBuilder {
 public:
  SpanBuilder() = default;
  // Spans point into owned_: a copy would point into the original's strings.
  SpanBuilder(const SpanBuilder&) = delete;
  SpanBuilder& operator=(const SpanBuilder&) = delete;
  SpanBuilder(SpanBuilder&&) = default;
  SpanBuilder& operator=(SpanBuilder&&) = default;

  void Add(std::string_view text, text::Style style, int tag = -1) {
    if (!text.empty()) spans_.push_back(text::Span{text, style, tag});
  }
  void AddOwned(std::string text, text::Style style) {
    owned_.push_back(std::move(text));
    Add(owned_.back(), style);
  }
  // Runs with their own styles (forced bold/italic on top) and links.
  void AddRuns(const doc::Runs& runs, bool force_bold = false, bool force_italic = false);
  void AddLink(std::string_view text, text::Style style, std::string uri);
  const std::vector<text::Span>& spans() const { return spans_; }
  bool empty() const { return spans_.empty(); }
  std::vector<std::string> TakeUris() { return std::move(uris_); }

 private:
  std::vector<text::Span> spans_;
  std::vector<std::string> uris_;
  std::deque<std::string> owned_;
};

class TextFactory {
 public:
  TextFactory(const text::FontSet& fonts, const HouseStyle& style);

  // Black text of `size` whose column starts at `indent` and is `width` wide.
  TextStyle Style(double size, double indent, double width, HAlign align = HAlign::kLeft) const;

  // A measured block whose lines are broken at ts.width; `label` hangs on
  // the first line at `label_x` (from the region's left edge); with
  // `label_circle_r` > 0 the label is a stroked circle instead (TextContent).
  std::shared_ptr<TextBlock> Make(SpanBuilder& spans, const TextStyle& ts,
                                  const std::vector<text::Span>* label = nullptr,
                                  double label_x = 0, double label_circle_r = 0) const;

  const text::FontSet& fonts() const { return fonts_; }
  const HouseStyle& house() const { return style_; }

 private:
  const text::FontSet& fonts_;
  const HouseStyle& style_;
  double ascent_ = 0.8, descent_ = -0.2;
};

// Sets spacing and keep-with-next in one call.
inline void Space(Flowable& f, double before, double after, bool keep = false) {
  f.space_before = before;
  f.space_after = after;
  f.keep_with_next = keep;
}

}  // namespace pp::layout

#endif  // PANELPAPER_RENDERERS_LAYOUT_TEXT_BUILDER_H_
