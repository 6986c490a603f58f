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
  // Text in its own language (a Span with /Lang in the tagged PDF).
  void AddInLanguage(std::string_view text, text::Style style, std::string lang);
  const std::vector<text::Span>& spans() const { return spans_; }
  bool empty() const { return spans_.empty(); }
  // Per tag: the link target ("" for none) and the language ("" for the
  // surrounding one).
  std::vector<std::string> TakeUris() { return std::move(uris_); }
  std::vector<std::string> TakeLangs() { return std::move(langs_); }

 private:
  int NewTag(std::string uri, std::string lang);

  std::vector<text::Span> spans_;
  std::vector<std::string> uris_;
  std::vector<std::string> langs_;
  std::deque<std::string> owned_;
};

class TextFactory {
 public:
  TextFactory(const text::FontSet& fonts, const HouseStyle& style);

  // Structure elements for links and foreign-language runs are added to
  // `tree` (null: none, untagged).
  void set_tree(StructTree* tree) { tree_ = tree; }
  StructTree* tree() const { return tree_; }
  // A new element of `type` under `parent` (-1 without a tree).
  int Node(StructType type, int parent) const {
    return tree_ != nullptr && parent >= 0 ? tree_->Add(type, parent) : -1;
  }
  // Elements for `spans`' tags under `node`: a Link per link target (/Alt
  // the target), a Span per other tag; /Lang from the tag's language.
  std::vector<int> TagNodes(int node, const std::vector<std::string>& uris,
                            const std::vector<std::string>& langs) const;

  // Black text of `size` whose column starts at `indent` and is `width` wide.
  TextStyle Style(double size, double indent, double width, HAlign align = HAlign::kLeft) const;

  // A measured block whose lines are broken at ts.width; `label` hangs on
  // the first line at `label_x` (from the region's left edge); with
  // `label_circle_r` > 0 the label is a stroked circle instead (TextContent).
  // The text (and label) belong to structure element `node` (-1: artifact).
  std::shared_ptr<TextBlock> Make(SpanBuilder& spans, const TextStyle& ts,
                                  const std::vector<text::Span>* label = nullptr,
                                  double label_x = 0, double label_circle_r = 0,
                                  int node = -1) const;

  const text::FontSet& fonts() const { return fonts_; }
  const HouseStyle& house() const { return style_; }

 private:
  const text::FontSet& fonts_;
  const HouseStyle& style_;
  StructTree* tree_ = nullptr;
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
