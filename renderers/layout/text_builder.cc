#include "renderers/layout/text_builder.h"

namespace pp::layout {

void SpanBuilder::AddRuns(const doc::Runs& runs, bool force_bold, bool force_italic) {
  for (const doc::Run& r : runs) {
    int tag = -1;
    if (!r.link.empty()) {
      tag = static_cast<int>(uris_.size());
      uris_.push_back(r.link);
    }
    Add(r.text, text::StyleOf(r.bold || force_bold, r.italic || force_italic), tag);
  }
}

void SpanBuilder::AddLink(std::string_view text, text::Style style, std::string uri) {
  const int tag = static_cast<int>(uris_.size());
  uris_.push_back(std::move(uri));
  Add(text, style, tag);
}

TextFactory::TextFactory(const text::FontSet& fonts, const HouseStyle& style)
    : fonts_(fonts), style_(style) {
  const text::FaceMetrics& m =
      fonts.face(text::FaceId(text::Family::kPanelSans, text::Style::kRegular));
  ascent_ = m.ascent / 1000.0;
  descent_ = m.descent / 1000.0;
}

TextStyle TextFactory::Style(double size, double indent, double width, HAlign align) const {
  TextStyle t;
  t.size = size;
  t.leading = size * style_.leading_factor;
  // The glyphs' ascent-to-descent box centred in the line's leading.
  t.baseline = (t.leading - (ascent_ - descent_) * size) / 2 + ascent_ * size;
  t.indent = indent;
  t.width = width;
  t.align = align;
  t.color = {0, 0, 0};
  return t;
}

std::shared_ptr<TextBlock> TextFactory::Make(SpanBuilder& spans, const TextStyle& ts,
                                             const std::vector<text::Span>* label,
                                             double label_x, double label_circle_r) const {
  auto c = std::make_shared<TextContent>();
  c->style = ts;
  c->lines = text::BreakLines(spans.spans(), fonts_, ts.size, ts.width);
  c->uris = spans.TakeUris();
  if (label != nullptr && !label->empty()) {
    c->label = text::SetLine(*label, fonts_, ts.size);
    c->label_x = label_x;
  }
  if (label_circle_r > 0) {
    c->label_circle_r = label_circle_r;
    c->label_x = label_x;
  }
  return std::make_shared<TextBlock>(std::move(c));
}

}  // namespace pp::layout
