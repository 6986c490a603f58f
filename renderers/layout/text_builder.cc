#include "renderers/layout/text_builder.h"

namespace pp::layout {

int SpanBuilder::NewTag(std::string uri, std::string lang) {
  const int tag = static_cast<int>(uris_.size());
  uris_.push_back(std::move(uri));
  langs_.push_back(std::move(lang));
  return tag;
}

void SpanBuilder::AddRuns(const doc::Runs& runs, bool force_bold, bool force_italic) {
  for (const doc::Run& r : runs) {
    const int tag = r.link.empty() && r.language.empty() ? -1 : NewTag(r.link, r.language);
    Add(r.text, text::StyleOf(r.bold || force_bold, r.italic || force_italic), tag);
  }
}

void SpanBuilder::AddLink(std::string_view text, text::Style style, std::string uri) {
  Add(text, style, NewTag(std::move(uri), {}));
}

void SpanBuilder::AddInLanguage(std::string_view text, text::Style style, std::string lang) {
  Add(text, style, NewTag({}, std::move(lang)));
}

std::vector<int> TextFactory::TagNodes(int node, const std::vector<std::string>& uris,
                                       const std::vector<std::string>& langs) const {
  std::vector<int> out;
  if (tree_ == nullptr || node < 0) return out;
  out.reserve(uris.size());
  for (size_t i = 0; i < uris.size(); ++i) {
    const bool link = !uris[i].empty();
    const int n = tree_->Add(link ? StructType::kLink : StructType::kSpan, node);
    StructNode& sn = tree_->nodes[static_cast<size_t>(n)];
    if (link) sn.alt = uris[i].rfind("mailto:", 0) == 0 ? uris[i].substr(7) : uris[i];
    if (i < langs.size()) sn.lang = langs[i];
    out.push_back(n);
  }
  return out;
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
                                             double label_x, double label_circle_r,
                                             int node) const {
  auto c = std::make_shared<TextContent>();
  c->style = ts;
  c->lines = text::BreakLines(spans.spans(), fonts_, ts.size, ts.width);
  c->uris = spans.TakeUris();
  c->node = c->label_node = node;
  c->tag_nodes = TagNodes(node, c->uris, spans.TakeLangs());
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
