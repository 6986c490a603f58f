#include "renderers/layout/flow.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "renderers/layout/paginate.h"

namespace pp::layout {

// ---- TextBlock ----------------------------------------------------------------

TextBlock::TextBlock(std::shared_ptr<const TextContent> content)
    : content_(std::move(content)), begin_(0), end_(content_->lines.size()) {}

TextBlock::TextBlock(std::shared_ptr<const TextContent> content, size_t begin, size_t end)
    : content_(std::move(content)), begin_(begin), end_(end) {}

double TextBlock::Height() const {
  return static_cast<double>(end_ - begin_) * content_->style.leading;
}

double TextBlock::MinHeadHeight() const {
  const TextStyle& s = content_->style;
  const size_t n = end_ - begin_;
  if (n < static_cast<size_t>(s.orphans + s.widows)) return Height();
  return s.orphans * s.leading;
}

std::optional<SplitResult> TextBlock::Split(double avail, bool force) const {
  const TextStyle& s = content_->style;
  const size_t n = end_ - begin_;
  // Lines that fit. `avail` is negative when the gap before this block
  // already passes the region's end (Fill passes avail - y - gap): no line
  // fits. Converting a negative double to size_t is undefined behaviour
  // (UBSan reports it), so clamp before the cast.
  const double fit = std::floor((avail + text::kEpsilon) / s.leading);
  if (fit >= static_cast<double>(n)) return std::nullopt;  // it fits whole: nothing to split
  size_t k = fit > 0 ? static_cast<size_t>(fit) : 0;
  if (!force) {
    // Widows: leave at least `widows` lines for the next page; orphans: put
    // at least `orphans` lines on this one.
    if (n < static_cast<size_t>(s.widows)) return std::nullopt;
    k = std::min(k, n - s.widows);
    if (k < static_cast<size_t>(s.orphans)) return std::nullopt;
  }
  if (k == 0) return std::nullopt;
  auto head = std::make_shared<TextBlock>(content_, begin_, begin_ + k);
  auto tail = std::make_shared<TextBlock>(content_, begin_ + k, end_);
  head->space_before = space_before;
  head->path = tail->path = path;
  tail->space_after = space_after;
  tail->keep_with_next = keep_with_next;  // the last lines keep with the next
  tail->keep_splits = keep_splits;
  return SplitResult{std::move(head), std::move(tail)};
}

void DrawLine(const text::Line& line, const std::vector<std::string>& uris, double size,
              Color color, double x, double baseline, Page* page, int node,
              const std::vector<int>* tag_nodes, bool artifact) {
  for (const text::Piece& p : line.pieces) {
    int item_node = node;
    if (p.tag >= 0 && tag_nodes != nullptr && static_cast<size_t>(p.tag) < tag_nodes->size()) {
      item_node = (*tag_nodes)[static_cast<size_t>(p.tag)];
    }
    const bool last = &p == &line.pieces.back();
    page->texts.push_back(TextItem{p.face, size, x + p.x, baseline, p.width, p.text, color,
                                   artifact ? -1 : item_node});
    if (last && line.added_hyphen > 0 && !p.text.empty() && p.text.back() == '-') {
      // The added hyphen: drawn where it was measured, as an artifact.
      TextItem& word = page->texts.back();
      word.text.pop_back();
      word.width -= line.added_hyphen;
      TextItem hyphen{word.face,         word.size, word.x + word.width, word.y,
                      line.added_hyphen, "-",       word.color,          -1};
      if (word.text.empty()) page->texts.pop_back();
      page->texts.push_back(std::move(hyphen));
    }
    // A line that broke at a space (or at '\n') keeps one at its end in the text layer
    // (drawn after the last glyph, so invisible; the measured width is the
    // visible one): extraction would otherwise join its last word to the
    // next line's first.
    if ((line.soft_end || line.hard_end) && last) page->texts.back().text.push_back(' ');
    if (p.tag >= 0 && static_cast<size_t>(p.tag) < uris.size() && !uris[p.tag].empty()) {
      // The clickable area spans the glyphs' ascent and descent.
      page->links.push_back(LinkItem{x + p.x, baseline - 0.22 * size, p.width, 1.14 * size,
                                     uris[p.tag], -1, 0, item_node});
    }
  }
}

void TextBlock::Draw(DrawContext& ctx, double x, double top) const {
  const TextContent& c = *content_;
  const TextStyle& s = c.style;
  if (begin_ == 0 && c.outline_level >= 0 && ctx.outline != nullptr) {
    ctx.outline->push_back(OutlineEntry{c.outline_title, c.outline_level, ctx.page_index, top});
  }
  if (begin_ == 0 && c.label) {
    DrawLine(*c.label, c.uris, s.size, s.color, x + c.label_x, top - s.baseline, ctx.page,
             c.label_node);
    // A label in the same element as the text ("1.4." of a paragraph) ends
    // with a space in the text layer (invisible): "1.4. The Met", not
    // "1.4.The Met".
    if (c.label_node == c.node && !c.label->pieces.empty()) ctx.page->texts.back().text.push_back(' ');
  }
  if (begin_ == 0 && c.label_circle_r > 0) {
    // Where "•" (0.35 em wide, centred 0.33 em above the baseline) would be.
    ctx.page->circles.push_back(CircleItem{x + c.label_x + 0.175 * s.size,
                                           top - s.baseline + 0.33 * s.size, c.label_circle_r,
                                           0.06 * s.size, s.color});
  }
  if (c.link_page >= 0 && end_ > begin_) {
    const double left = x + std::min(c.label ? c.label_x : s.indent, s.indent);
    const double h = Height();
    ctx.page->links.push_back(LinkItem{left, top - h, x + s.indent + s.width - left, h, "",
                                       c.link_page, c.link_y, c.link_node});
  }
  for (size_t i = begin_; i < end_; ++i) {
    const text::Line& line = c.lines[i];
    double lx = x + s.indent;
    if (s.align == HAlign::kCenter) lx += (s.width - line.width) / 2;
    if (s.align == HAlign::kRight) lx += s.width - line.width;
    const double baseline = top - static_cast<double>(i - begin_) * s.leading - s.baseline;
    DrawLine(line, c.uris, s.size, s.color, lx, baseline, ctx.page, c.node, &c.tag_nodes);
  }
  // After the lines, so it reads after them ("... (Pages 168 – 174)"),
  // with a space (invisible) after the text before it.
  if (begin_ == 0 && c.trailer) {
    if (end_ > begin_ && !ctx.page->texts.empty() && ctx.page->texts.back().node == c.node &&
        !ctx.page->texts.back().text.empty() && ctx.page->texts.back().text.back() != ' ') {
      ctx.page->texts.back().text.push_back(' ');
    }
    DrawLine(*c.trailer, c.uris, s.size, s.color, x + s.indent + s.width - c.trailer->width,
             top - s.baseline, ctx.page, c.node);
  }
}

// ---- BoxFlow ------------------------------------------------------------------

BoxFlow::BoxFlow(Frame frame, std::vector<FlowPtr> children)
    : frame_(frame), children_(std::move(children)) {
  double y = 0;
  const Flowable* prev = nullptr;
  for (const FlowPtr& c : children_) {
    y += Gap(prev, *c);
    offsets_.push_back(y);
    y += c->Height();
    prev = c.get();
  }
  height_ = y + 2 * frame_.padding;
}

double BoxFlow::MinHeadHeight() const {
  if (children_.empty()) return height_;
  // The first child's smallest head (and, if it keeps with the next, that
  // one's too) inside the padding.
  double h = 2 * frame_.padding;
  for (size_t i = 0; i < children_.size(); ++i) {
    if (children_[i]->keep_with_next && i + 1 < children_.size()) {
      h += children_[i]->Height() + Gap(children_[i].get(), *children_[i + 1]);
      continue;
    }
    h += children_[i]->MinHeadHeight();
    break;
  }
  return std::min(h, height_);
}

std::optional<SplitResult> BoxFlow::Split(double avail, bool force) const {
  const double inner = avail - 2 * frame_.padding;
  if (inner <= 0) return std::nullopt;
  std::deque<FlowPtr> queue(children_.begin(), children_.end());
  FillResult r = Fill(&queue, inner, force);
  if (r.placed.empty() || queue.empty()) return std::nullopt;
  std::vector<FlowPtr> head_children;
  head_children.reserve(r.placed.size());
  for (Placed& p : r.placed) head_children.push_back(std::move(p.flow));
  auto head = std::make_shared<BoxFlow>(frame_, std::move(head_children));
  auto tail = std::make_shared<BoxFlow>(frame_, std::vector<FlowPtr>(queue.begin(), queue.end()));
  head->space_before = space_before;
  tail->space_after = space_after;
  head->path = tail->path = path;
  return SplitResult{std::move(head), std::move(tail)};
}

void BoxFlow::Draw(DrawContext& ctx, double x, double top) const {
  const double half = frame_.rule / 2;
  ctx.page->frames.push_back(FrameItem{x + half, top - height_ + half, frame_.width - frame_.rule,
                                       height_ - frame_.rule, frame_.rule, frame_.color});
  for (size_t i = 0; i < children_.size(); ++i) {
    children_[i]->Draw(ctx, x + frame_.padding, top - frame_.padding - offsets_[i]);
  }
}

}  // namespace pp::layout
