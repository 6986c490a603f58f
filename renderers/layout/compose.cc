#include "renderers/layout/compose.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "renderers/common/pdf_text.h"
#include "renderers/layout/measure.h"
#include "renderers/text/line_breaker.h"

namespace pp::layout {

std::string AgendaLabel(const std::string& agenda_item) {
  return agenda_item.empty() ? std::string() : absl::StrCat("AGENDA ITEM ", agenda_item);
}

void StampPage(const Furniture& f, const text::FontSet& fonts, const HouseStyle& s, Page* page) {
  constexpr Color kBlack = {0, 0, 0};
  auto put = [&](const std::string& value, text::Style style, double size, double baseline,
                 HAlign align, int node = -1) {
    if (value.empty()) return;
    const text::Span span{value, style, -1};
    const text::Line line = text::SetLine({&span, 1}, fonts, size);
    double x = s.margin_left;
    if (align == HAlign::kCenter) x = (s.page_width - line.width) / 2;
    if (align == HAlign::kRight) x = s.page_width - s.margin_right - line.width;
    DrawLine(line, {}, size, kBlack, x, baseline, page, node);
  };
  put(f.marking, text::Style::kBold, s.marking_size, s.page_height - s.marking_top_baseline,
      HAlign::kCenter, f.marking_node);
  put(f.header_label, text::Style::kBold, s.header_label_size,
      s.page_height - s.header_label_baseline, HAlign::kRight);
  put(f.page_number, text::Style::kRegular, s.page_number_size, s.page_number_baseline,
      HAlign::kCenter);
  put(f.marking, text::Style::kBold, s.marking_size, s.marking_bottom_baseline, HAlign::kCenter);
}

absl::StatusOr<PaperPages> LayoutPaperPages(const doc::Paper& paper, const text::FontSet& fonts,
                                            const LayoutOptions& options) {
  const HouseStyle& s = options.style;
  PaperPages out;
  // The structure: Document, the marking's first occurrence (read first,
  // though stamped last), then the body.
  out.structure.Add(StructType::kDocument, -1);
  if (!paper.protective_marking.empty()) {
    out.marking_node = out.structure.Add(StructType::kP, 0);
  }
  absl::StatusOr<std::vector<FlowPtr>> flows =
      MeasurePaper(paper, fonts, s, options.interrupt, &out.notes, &out.structure);
  if (!flows.ok()) return flows.status();
  PaginateOptions po;
  po.body_height = s.body_height();
  po.max_pages = options.max_pages;
  po.interrupt = options.interrupt;
  po.path = paper.path;
  absl::StatusOr<std::vector<FillResult>> bodies = Paginate(*std::move(flows), po);
  if (!bodies.ok()) return bodies.status();

  out.pages.resize(bodies->size());
  const double top = s.page_height - s.margin_top;
  for (size_t i = 0; i < bodies->size(); ++i) {
    DrawContext ctx{&out.pages[i], static_cast<int>(i), &out.outline};
    for (const Placed& p : (*bodies)[i].placed) {
      p.flow->Draw(ctx, s.margin_left, top - p.offset);
    }
  }
  return out;
}

DocInfo MakeDocInfo(const doc::Metadata& m, const std::string& producer) {
  DocInfo info;
  // The validator keeps the fields a request gives within kMaxPdfTextChars;
  // the ones it derives (a paper's title as the document title, the default
  // subject) can be longer and are cut here (renderers/common/pdf_text.h).
  info.title = CutPdfText(m.title);
  info.author = CutPdfText(m.author);
  info.subject = CutPdfText(m.subject);
  info.keywords = CutPdfText(absl::StrJoin(m.keywords, "; "));
  info.creator = CutPdfText(m.creator);
  info.producer = producer;
  info.created = m.created;
  info.modified = m.modified;
  return info;
}

absl::StatusOr<PageLayout> LayoutPaper(const doc::Paper& paper, const text::FontSet& fonts,
                                       const LayoutOptions& options) {
  absl::StatusOr<PaperPages> pages = LayoutPaperPages(paper, fonts, options);
  if (!pages.ok()) return pages.status();
  PageLayout layout;
  layout.width = options.style.page_width;
  layout.height = options.style.page_height;
  layout.pages = std::move(pages->pages);
  layout.outline = std::move(pages->outline);
  layout.notes = std::move(pages->notes);
  layout.structure = std::move(pages->structure);
  layout.lang = paper.language;
  const int first = paper.first_page_number;
  Furniture f;
  f.header_label = AgendaLabel(paper.agenda_item);
  f.marking = paper.protective_marking;
  for (size_t i = 0; i < layout.pages.size(); ++i) {
    f.page_number = absl::StrCat(first + static_cast<int>(i));
    f.marking_node = i == 0 ? pages->marking_node : -1;
    StampPage(f, fonts, options.style, &layout.pages[i]);
  }
  layout.labels.push_back(PageLabel{0, first});
  layout.info = MakeDocInfo(paper.metadata, options.producer);
  return layout;
}

}  // namespace pp::layout
