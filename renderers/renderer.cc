#include "renderers/renderer.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "renderers/common/utf8.h"
#include "renderers/layout/compose.h"
#include "renderers/pdf/painter.h"

namespace pp {

namespace {

// The fields of a paper whose text a fallback family draws: a walk over
// every printed string of the doc model (metadata is not drawn), naming
// each field by its request path. Linear in the paper's text.
class FallbackFields {
 public:
  static constexpr size_t kMaxNamed = 8;

  FallbackFields(const doc::Paper& paper, const text::FontSet& fonts) : fonts_(fonts) {
    const std::string& p = paper.path;
    for (size_t i = 0; i < paper.organisation_lines.size(); ++i) {
      Text(paper.organisation_lines[i],
           [&] { return absl::StrCat(p, ".organisation_lines[", i, "]"); });
    }
    Text(paper.panel_name, [&] { return p + ".panel_name"; });
    Text(paper.title, [&] { return p + ".title"; });
    Text(paper.report_by, [&] { return p + ".report_by"; });
    Text(paper.protective_marking, [&] { return p + ".protective_marking"; });
    if (paper.summary) {
      const doc::ReportSummary& s = *paper.summary;
      for (const doc::Paragraph& para : s.body) Runs(para.runs, para.path);
      for (const doc::Paragraph& para : s.purpose) Runs(para.runs, para.path);
      for (const doc::ListItem& item : s.key_considerations) Item(item);
      for (const doc::ListItem& item : s.interdependencies) Item(item);
      if (s.recommendations) {
        Runs(s.recommendations->lead_in, s.recommendations->path + ".lead_in");
        for (const doc::ListItem& item : s.recommendations->items) Item(item);
      }
    }
    for (const doc::Section& section : paper.sections) {
      Text(section.heading, [&] { return section.path + ".heading"; });
      for (const doc::Block& block : section.blocks)
        std::visit([&](const auto& b) { Block(b); }, block);
    }
    if (paper.sign_off) {
      const doc::SignOff& so = *paper.sign_off;
      for (const std::string* f :
           {&so.approved_by, &so.role, &so.meeting, &so.decision_reference}) {
        Text(*f, [&] { return p + ".sign_off"; });
      }
    }
  }

  // "; in a, b and 3 more fields", or "" when no field of `family` was found.
  std::string Describe(int family) const {
    const Found& f = found_[family];
    if (f.named.empty()) return "";
    std::string out = absl::StrCat("; in ", absl::StrJoin(f.named, ", "));
    if (f.more > 0)
      absl::StrAppend(&out, " and ", f.more, f.more == 1 ? " more field" : " more fields");
    return out;
  }

 private:
  struct Found {
    std::vector<std::string> named;
    size_t more = 0;
    std::string last;  // the path last counted (runs of one node count once)
  };

  template <typename PathFn>
  void Text(std::string_view s, PathFn&& path) {
    unsigned families = 0;
    size_t pos = 0;
    while (pos < s.size()) {
      const char32_t cp = DecodeUtf8(s, &pos);
      if (cp < 0x80) continue;
      families |= 1u << static_cast<int>(fonts_.Resolve(text::Style::kRegular, cp).family());
    }
    for (int f = 1; f < text::kFamilyCount; ++f) {
      if ((families & (1u << f)) == 0) continue;
      Found& found = found_[f];
      std::string at = path();
      if (at.empty() || at == found.last) continue;  // unnamed: a paper built in code
      found.last = at;
      if (found.named.size() < kMaxNamed) {
        found.named.push_back(std::move(at));
      } else {
        ++found.more;
      }
    }
  }
  void Runs(const doc::Runs& runs, const std::string& path) {
    for (const doc::Run& r : runs) Text(r.text, [&] { return path; });
  }
  void Item(const doc::ListItem& item) {
    Runs(item.runs, item.path);
    for (const doc::List& l : item.sublists) Block(l);
  }
  void Block(const doc::Paragraph& b) { Runs(b.runs, b.path); }
  void Block(const doc::Subheading& b) {
    Text(b.text, [&] { return b.path; });
  }
  void Block(const doc::List& b) {
    for (const doc::ListItem& item : b.items) Item(item);
  }
  void Block(const doc::Table& b) {
    for (const doc::TableRow& row : b.rows) {
      for (const doc::TableCell& cell : row.cells) {
        for (const doc::Paragraph& para : cell.paragraphs) Runs(para.runs, cell.path);
      }
    }
    Text(b.caption, [&] { return b.path + ".caption"; });
  }
  void Block(const doc::ImprovementTable& b) {
    for (const std::string& h : b.column_headings)
      Text(h, [&] { return b.path + ".column_headings"; });
    for (const doc::ImprovementGroup& g : b.groups) {
      Text(g.name, [&] { return g.path + ".name"; });
      for (const doc::ImprovementArea& a : g.areas) {
        for (const std::string* f : {&a.name, &a.status, &a.lead}) Text(*f, [&] { return a.path; });
        Runs(a.aim, a.path);
        Runs(a.main_issue, a.path);
        for (const doc::ImprovementAction& action : a.actions) {
          Text(action.code, [&] { return action.path; });
          Runs(action.runs, action.path);
        }
        for (const doc::Paragraph& para : a.progress) Runs(para.runs, a.path);
        Runs(a.monitoring, a.path);
      }
    }
  }
  void Block(const doc::ContactDetails& b) {
    for (const doc::Contact& c : b.contacts) {
      for (const std::string* f : {&c.role, &c.name, &c.unit, &c.email, &c.phone}) {
        Text(*f, [&] { return c.path; });
      }
    }
  }
  void Block(const doc::Appendices& b) {
    for (const doc::Appendix& a : b.appendices) {
      Text(a.label, [&] { return b.path; });
      Text(a.title, [&] { return b.path; });
    }
    for (const doc::BackgroundPaper& bp : b.background_papers)
      Text(bp.title, [&] { return b.path; });
  }

  const text::FontSet& fonts_;
  Found found_[text::kFamilyCount];
};

}  // namespace

std::string Producer() { return absl::StrCat("panelpaper ", kRendererVersion); }

std::vector<RenderWarning> LayoutWarnings(const layout::PageLayout& layout,
                                          const text::FontSet& fonts, const doc::Paper* paper) {
  return PageWarnings(layout, 0, layout.pages.size(), fonts, paper);
}

std::vector<RenderWarning> PageWarnings(const layout::PageLayout& layout, size_t begin, size_t end,
                                        const text::FontSet& fonts, const doc::Paper* paper) {
  // Per fallback family: the first few characters it drew.
  std::string drawn[text::kFamilyCount];
  end = std::min(end, layout.pages.size());
  for (size_t p = begin; p < end; ++p) {
    const layout::Page& page = layout.pages[p];
    for (const layout::TextItem& t : page.texts) {
      const int family = static_cast<int>(t.face.family());
      if (family == 0 || drawn[family].size() >= 24) continue;
      size_t pos = 0;
      while (pos < t.text.size() && drawn[family].size() < 24) {
        const char32_t cp = DecodeUtf8(t.text, &pos);
        const std::string name = CodepointName(cp);
        if (drawn[family].find(name) == std::string::npos) {
          absl::StrAppend(&drawn[family], drawn[family].empty() ? "" : ", ", name);
        }
      }
    }
  }
  std::vector<RenderWarning> out;
  for (const layout::LayoutNote& n : layout.notes) out.push_back(RenderWarning{n.field, n.message});
  std::optional<FallbackFields> fields;
  for (int f = 1; f < text::kFamilyCount; ++f) {
    if (drawn[f].empty()) continue;
    if (paper != nullptr && !fields) fields.emplace(*paper, fonts);
    const text::FaceId face(static_cast<text::Family>(f), text::Style::kRegular);
    out.push_back(RenderWarning{
        "", absl::StrCat("characters outside Windows-1252 (", drawn[f],
                         ") were drawn with the fallback font ", fonts.face(face).postscript_name,
                         ", embedded in full Unicode form: the PDF is larger and slower to make",
                         fields ? fields->Describe(f) : std::string())});
  }
  return out;
}

absl::StatusOr<RenderedPdf> RenderPaper(const doc::Paper& paper, const text::FontSet& fonts,
                                        const RenderOptions& options) {
  layout::LayoutOptions lo;
  lo.max_pages = options.max_pages;
  lo.interrupt = options.interrupt;
  lo.producer = Producer();
  absl::StatusOr<layout::PageLayout> layout = layout::LayoutPaper(paper, fonts, lo);
  if (!layout.ok()) return layout.status();
  if (options.interrupt) {
    if (absl::Status s = options.interrupt(); !s.ok()) return s;
  }
  pdf::PaintOptions po;
  po.compress_content = options.compress_content;
  po.interrupt = options.interrupt;
  po.pdfa = options.pdfa;
  absl::StatusOr<std::string> bytes = pdf::Paint(*layout, fonts, po);
  if (!bytes.ok()) return bytes.status();
  return RenderedPdf{*std::move(bytes), static_cast<int>(layout->pages.size()),
                     LayoutWarnings(*layout, fonts, &paper)};
}

absl::StatusOr<RenderedPack> RenderPack(const doc::Pack& pack, const text::FontSet& fonts,
                                        const PackOptions& options) {
  layout::PackLayoutOptions lo;
  lo.max_pages = options.max_pages;
  lo.max_pages_per_paper = options.max_pages_per_paper;
  lo.interrupt = options.interrupt;
  lo.producer = Producer();
  lo.progress = options.progress;
  RenderedPack out;
  absl::StatusOr<layout::PageLayout> layout = layout::LayoutPack(pack, fonts, lo, &out.items);
  if (!layout.ok()) return layout.status();
  if (options.interrupt) {
    if (absl::Status s = options.interrupt(); !s.ok()) return s;
  }
  pdf::PaintOptions po;
  po.compress_content = options.compress_content;
  po.interrupt = options.interrupt;
  absl::StatusOr<std::string> bytes = pdf::Paint(*layout, fonts, po);
  if (!bytes.ok()) return bytes.status();
  out.pdf = RenderedPdf{*std::move(bytes), static_cast<int>(layout->pages.size()), {}};
  // Each paper's warnings name its item ("items[3].paper"); the pages of
  // no paper (the front sheet) get the document's.
  std::vector<bool> item_page(layout->pages.size(), false);
  for (size_t i = 0; i < out.items.size(); ++i) {
    const layout::ItemPlacement& item = out.items[i];
    if (!item.included || item.first_page <= 0 || item.last_page < item.first_page) continue;
    const size_t begin = static_cast<size_t>(item.first_page - pack.first_page_number);
    const size_t end = static_cast<size_t>(item.last_page - pack.first_page_number) + 1;
    for (size_t p = begin; p < end && p < item_page.size(); ++p) item_page[p] = true;
    const doc::Paper* paper = pack.items[i].paper ? &*pack.items[i].paper : nullptr;
    for (RenderWarning& w : PageWarnings(*layout, begin, end, fonts, paper)) {
      w.field = absl::StrCat("items[", i, "].paper");
      out.pdf.warnings.push_back(std::move(w));
    }
  }
  for (size_t p = 0; p < item_page.size(); ++p) {
    if (item_page[p]) continue;
    size_t end = p;
    while (end < item_page.size() && !item_page[end]) ++end;
    for (RenderWarning& w : PageWarnings(*layout, p, end, fonts)) out.pdf.warnings.push_back(std::move(w));
    p = end;
  }
  return out;
}

}  // namespace pp
