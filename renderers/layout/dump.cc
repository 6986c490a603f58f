#include "renderers/layout/dump.h"

#include "absl/strings/str_format.h"

namespace pp::layout {

std::string DumpLayout(const PageLayout& layout) {
  std::string out = absl::StrFormat("document %.2fx%.2f pages=%d\n", layout.width, layout.height,
                                    layout.pages.size());
  for (const PageLabel& l : layout.labels) {
    absl::StrAppendFormat(&out, "label from=%d start=%d\n", l.first_page, l.start);
  }
  for (const OutlineEntry& o : layout.outline) {
    absl::StrAppendFormat(&out, "outline level=%d page=%d y=%.2f \"%s\"\n", o.level, o.page, o.y,
                          o.title);
  }
  for (size_t i = 0; i < layout.pages.size(); ++i) {
    const Page& p = layout.pages[i];
    absl::StrAppendFormat(&out, "page %d\n", i);
    for (const FillItem& f : p.fills) {
      absl::StrAppendFormat(&out, "  fill %.2f %.2f %.2f %.2f #%02X%02X%02X\n", f.x, f.y, f.w, f.h,
                            f.color.r, f.color.g, f.color.b);
    }
    for (const TextItem& t : p.texts) {
      absl::StrAppendFormat(&out, "  text %.2f %.2f w=%.2f face=%d size=%.1f \"%s\"\n", t.x, t.y,
                            t.width, t.face.index, t.size, t.text);
    }
    for (const RuleItem& r : p.rules) {
      absl::StrAppendFormat(&out, "  rule %.2f %.2f %.2f %.2f w=%.2f\n", r.x1, r.y1, r.x2, r.y2,
                            r.width);
    }
    for (const FrameItem& f : p.frames) {
      absl::StrAppendFormat(&out, "  frame %.2f %.2f %.2f %.2f w=%.2f\n", f.x, f.y, f.w, f.h,
                            f.width);
    }
    for (const CircleItem& c : p.circles) {
      absl::StrAppendFormat(&out, "  circle %.2f %.2f r=%.2f w=%.2f\n", c.cx, c.cy, c.r, c.width);
    }
    for (const LinkItem& l : p.links) {
      absl::StrAppendFormat(&out, "  link %.2f %.2f %.2f %.2f %s page=%d\n", l.x, l.y, l.w, l.h,
                            l.uri, l.target_page);
    }
  }
  return out;
}

}  // namespace pp::layout
