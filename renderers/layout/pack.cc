#include "renderers/layout/pack.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "renderers/common/field_error.h"
#include "renderers/common/pdf_text.h"
#include "renderers/layout/measure.h"
#include "renderers/layout/text_builder.h"

namespace pp::layout {
namespace {

using text::Style;

constexpr char kEnDash[] = "\xE2\x80\x93";
constexpr char kBlankVerso[] = "This page is intentionally left blank";
constexpr char kDefaultPartTwoMarking[] = "OFFICIAL-SENSITIVE";

bool Included(const doc::PackItem& item, doc::Edition edition) {
  return item.paper.has_value() &&
         (item.part == doc::Part::kOne || edition == doc::Edition::kMembers);
}

std::string PageRange(int first, int last) {
  if (first == last) return absl::StrCat("(Page ", first, ")");
  return absl::StrCat("(Pages ", first, " ", kEnDash, " ", last, ")");
}

// Builds the front sheet's flowables. `placements` gives each item's pages
// (indexed like pack.items) and `first_pages` their first page index in the
// document, for the entries' links; both may be empty on the first pass.
class FrontSheet {
 public:
  FrontSheet(const doc::Pack& pack, const text::FontSet& fonts, const HouseStyle& style,
             const std::vector<size_t>& order)
      : pack_(pack), fonts_(fonts), s_(style), tf_(fonts, style), order_(order) {
    tf_.set_tree(&tree_);
  }

  // The front sheet's structure after Build: Document > H1 "Agenda", the
  // meeting details as P, per part an H2 and a TOC of TOCI (Lbl, and a Link
  // to the paper, or a P when the paper is not in this edition).
  StructTree TakeStructure() { return std::move(tree_); }

  std::vector<FlowPtr> Build(const std::vector<ItemPlacement>& placements,
                             const std::vector<int>& first_pages) {
    flows_.clear();
    tree_.nodes.clear();
    tree_.Add(StructType::kDocument, -1);
    toc_ = -1;
    const doc::Meeting& m = pack_.meeting;
    const double w = s_.body_width();
    if (!m.organisation_lines.empty()) {
      std::string lockup;
      for (const std::string& l : m.organisation_lines) {
        if (!lockup.empty()) lockup += '\n';
        lockup += l;
      }
      SpanBuilder sb;
      sb.Add(lockup, Style::kBold);
      Push(tf_.Make(sb, tf_.Style(s_.lockup_size, 0, w), nullptr, 0, 0, P()), 0, 20, true,
           "meeting.organisation_lines");
    }
    {
      SpanBuilder sb;
      sb.Add("AGENDA", Style::kBold);
      Push(tf_.Make(sb, tf_.Style(18, 0, w, HAlign::kCenter), nullptr, 0, 0,
                    tf_.Node(StructType::kH1, 0)),
           0, 6, true, "meeting");
    }
    {
      SpanBuilder sb;
      sb.Add(m.panel_name, Style::kBold);
      Push(tf_.Make(sb, tf_.Style(s_.panel_size + 1, 0, w, HAlign::kCenter), nullptr, 0, 0, P()), 0,
           18, true, "meeting.panel_name");
    }
    Detail("Date", {FormatDate(m.date, true)});
    if (!m.start_time.empty()) Detail("Time", {m.start_time});
    if (!m.venue.empty()) Detail("Place", {m.venue});
    if (!m.members.empty()) Detail("Members", People(m.members));
    if (!m.officers.empty()) Detail("Officers", People(m.officers));
    if (m.contact) {
      const doc::ContactOfficer& c = *m.contact;
      std::vector<std::string> lines = {c.role.empty() ? c.name : absl::StrCat(c.name, ", ", c.role)};
      if (!c.email.empty()) lines.push_back(c.email);
      if (!c.phone.empty()) lines.push_back(absl::StrCat("Tel: ", c.phone));
      Detail("Contact", lines, c.email);
    }
    if (pack_.edition == doc::Edition::kMembers) {
      SpanBuilder sb;
      sb.AddOwned(absl::StrCat("MEMBERS' EDITION ", kEnDash,
                               " includes Part II (exempt) papers; not for publication"),
                  Style::kBold);
      Push(tf_.Make(sb, tf_.Style(s_.body_size, 0, w), nullptr, 0, 0, P()), 14, 0, false,
           "edition");
    }

    bool part_two_started = false;
    bool part_one_started = false;
    for (size_t k = 0; k < order_.size(); ++k) {
      const size_t i = order_[k];
      const doc::PackItem& item = pack_.items[i];
      if (item.part == doc::Part::kOne && !part_one_started) {
        part_one_started = true;
        Heading(absl::StrCat("Part I ", kEnDash,
                             " Items to be considered while the press and public are present"));
      }
      if (item.part == doc::Part::kTwo && !part_two_started) {
        part_two_started = true;
        Heading(absl::StrCat("Part II ", kEnDash,
                             " Items to be considered after the exclusion of the press and public"));
        SpanBuilder sb;
        sb.Add("The Panel is asked to resolve that the press and public be excluded from the "
               "meeting for the following items of business, on the grounds that they involve "
               "the likely disclosure of exempt information as defined in Part 1 of Schedule 12A "
               "to the Local Government Act 1972, as indicated against each item.",
               Style::kItalic);
        Push(tf_.Make(sb, tf_.Style(s_.body_size, 0, w), nullptr, 0, 0, P()), 6, 6, false,
             "part_two");
      }
      Entry(item, i < placements.size() ? &placements[i] : nullptr,
            i < first_pages.size() ? first_pages[i] : -1);
    }
    return std::move(flows_);
  }

 private:
  int P() { return tf_.Node(StructType::kP, 0); }

  void Push(std::shared_ptr<TextBlock> b, double before, double after, bool keep, std::string path) {
    Space(*b, before, after, keep);
    b->path = std::move(path);
    flows_.push_back(std::move(b));
  }

  static std::vector<std::string> People(const std::vector<doc::Person>& people) {
    std::vector<std::string> out;
    for (const doc::Person& p : people) {
      out.push_back(p.role.empty() ? p.name : absl::StrCat(p.name, " (", p.role, ")"));
    }
    return out;
  }

  // "Label   value" rows of the meeting details.
  void Detail(std::string_view label, const std::vector<std::string>& lines,
              const std::string& email = {}) {
    const double indent = 30 * kMm;
    std::string value;
    for (const std::string& l : lines) {
      if (!value.empty()) value += '\n';
      value += l;
    }
    SpanBuilder sb;
    if (!email.empty()) {
      // The contact's email is a mailto link.
      const size_t at = value.find(email);
      sb.AddOwned(value.substr(0, at), Style::kRegular);
      sb.AddLink(email, Style::kRegular, "mailto:" + email);
      sb.AddOwned(value.substr(at + email.size()), Style::kRegular);
    } else {
      sb.AddOwned(std::move(value), Style::kRegular);
    }
    const std::vector<text::Span> label_spans = {text::Span{label, Style::kBold, -1}};
    auto b = tf_.Make(sb, tf_.Style(s_.body_size, indent, s_.body_width() - indent), &label_spans, 0,
                      0, P());
    Push(std::move(b), 4, 4, false, "meeting." + std::string(label));
  }

  void Heading(std::string text) {
    SpanBuilder sb;
    sb.AddOwned(std::move(text), Style::kBold);
    Push(tf_.Make(sb, tf_.Style(s_.body_size + 1, 0, s_.body_width()), nullptr, 0, 0,
                  tf_.Node(StructType::kH2, 0)),
         20, 8, true, "agenda");
    toc_ = -1;  // the entries after a heading start a new TOC
  }

  void Entry(const doc::PackItem& item, const ItemPlacement* placement, int first_page) {
    const double indent = 14 * kMm;
    const std::string widest = PageRange(99999, 99999);
    const double room = text::MeasureText(widest, Style::kRegular, fonts_, s_.body_size) + 10;
    SpanBuilder sb;
    sb.Add(item.title, Style::kBold);
    std::string details = item.presenter;
    if (!item.purpose.empty()) {
      details += details.empty() ? item.purpose : absl::StrCat(" ", kEnDash, " ", item.purpose);
    }
    if (!details.empty()) sb.AddOwned("\n" + details, Style::kRegular);
    if (item.part == doc::Part::kTwo) {
      const std::string reason =
          item.exemption_reason.empty() ? ExemptionText(item.exempt_paragraph) : item.exemption_reason;
      sb.AddOwned(absl::StrCat("\nExempt information: ", reason), Style::kItalic);
    }
    const std::string label_text = item.number + ".";
    const std::vector<text::Span> label = {text::Span{label_text, Style::kBold, -1}};
    // TOC > TOCI > Lbl ("7b."), then a Link to the paper (its text and page
    // range), or a P for an entry without one (still read in full).
    const bool linked = placement != nullptr && placement->included && placement->first_page > 0;
    if (toc_ < 0) toc_ = tf_.Node(StructType::kTOC, 0);
    const int toci = tf_.Node(StructType::kTOCI, toc_);
    const int lbl = tf_.Node(StructType::kLbl, toci);
    const int body = tf_.Node(linked ? StructType::kLink : StructType::kP, toci);
    std::shared_ptr<TextBlock> b = tf_.Make(
        sb, tf_.Style(s_.body_size, indent, s_.body_width() - indent - room), &label, 0, 0, body);
    auto c = std::make_shared<TextContent>(b->content());
    c->label_node = lbl;
    c->style.width = s_.body_width() - indent;  // the trailer sits at the column's right edge
    if (linked) {
      const std::string range = PageRange(placement->first_page, placement->last_page);
      const text::Span span{range, Style::kRegular, -1};
      c->trailer = text::SetLine({&span, 1}, fonts_, s_.body_size);
      c->link_page = first_page;
      c->link_y = s_.page_height;
      c->link_node = body;
      tree_.nodes[static_cast<size_t>(body)].alt =
          absl::StrCat("Item ", item.number, ": ", item.title, " ", range);
    } else if (Included(item, pack_.edition)) {
      // First pass: reserve the same room, numbers unknown yet.
      const text::Span span{widest, Style::kRegular, -1};
      c->trailer = text::SetLine({&span, 1}, fonts_, s_.body_size);
    }
    c->outline_title = CutPdfText(absl::StrCat(item.number, ". ", item.title));
    c->outline_level = 0;
    auto entry = std::make_shared<TextBlock>(std::move(c));
    Push(std::move(entry), 8, 8, false, item.path);
  }

  const doc::Pack& pack_;
  const text::FontSet& fonts_;
  const HouseStyle& s_;
  TextFactory tf_;
  const std::vector<size_t>& order_;
  std::vector<FlowPtr> flows_;
  StructTree tree_;
  int toc_ = -1;  // the TOC the next entry goes in; -1: start one
};

// Draws paginated bodies onto new pages appended to `pages`; outline entries
// get page indexes offset accordingly.
void DrawBodies(const std::vector<FillResult>& bodies, const HouseStyle& s,
                std::vector<Page>* pages, std::vector<OutlineEntry>* outline) {
  const double top = s.page_height - s.margin_top;
  for (const FillResult& body : bodies) {
    pages->emplace_back();
    DrawContext ctx{&pages->back(), static_cast<int>(pages->size()) - 1, outline};
    for (const Placed& p : body.placed) p.flow->Draw(ctx, s.margin_left, top - p.offset);
  }
}

Page BlankVerso(const text::FontSet& fonts, const HouseStyle& s) {
  Page page;
  const text::Span span{kBlankVerso, Style::kItalic, -1};
  const text::Line line = text::SetLine({&span, 1}, fonts, s.body_size);
  // Decoration (an artifact): nothing of the document is on the page.
  DrawLine(line, {}, s.body_size, {0, 0, 0}, (s.page_width - line.width) / 2, s.page_height / 2,
           &page);
  return page;
}

}  // namespace

std::string ExemptionText(int paragraph) {
  static constexpr const char* kWhat[] = {
      "information relating to any individual",
      "information which is likely to reveal the identity of an individual",
      "information relating to the financial or business affairs of any particular person "
      "(including the authority holding that information)",
      "information relating to any consultations or negotiations in connection with any labour "
      "relations matter",
      "information in respect of which a claim to legal professional privilege could be "
      "maintained in legal proceedings",
      "information which reveals that the authority proposes to give a notice, or to make an "
      "order or direction, under any enactment",
      "information relating to any action taken or to be taken in connection with the "
      "prevention, investigation or prosecution of crime"};
  if (paragraph < 1 || paragraph > 7) return "exempt under Schedule 12A to the Local Government Act 1972";
  return absl::StrCat("paragraph ", paragraph,
                      " of Part 1 of Schedule 12A to the Local Government Act 1972 (",
                      kWhat[paragraph - 1], ")");
}

absl::StatusOr<PageLayout> LayoutPack(const doc::Pack& pack, const text::FontSet& fonts,
                                      const PackLayoutOptions& options,
                                      std::vector<ItemPlacement>* placements_out) {
  const HouseStyle& s = options.style;
  const size_t n = pack.items.size();

  // Agenda order: Part I items as given, then Part II items as given.
  std::vector<size_t> order;
  for (size_t i = 0; i < n; ++i) {
    if (pack.items[i].part == doc::Part::kOne) order.push_back(i);
  }
  for (size_t i = 0; i < n; ++i) {
    if (pack.items[i].part == doc::Part::kTwo) order.push_back(i);
  }

  // 1. Every included paper, laid out on its own (page breaks inside a paper
  //    don't depend on where it starts).
  LayoutOptions paper_options;
  paper_options.style = s;
  paper_options.max_pages = options.max_pages_per_paper;
  paper_options.interrupt = options.interrupt;
  std::vector<std::optional<PaperPages>> papers(n);
  int done = 0;
  for (size_t i : order) {
    const doc::PackItem& item = pack.items[i];
    if (Included(item, pack.edition)) {
      doc::Paper paper = *item.paper;
      paper.agenda_item = item.number;
      if (item.part == doc::Part::kTwo && paper.protective_marking.empty()) {
        paper.protective_marking = kDefaultPartTwoMarking;
      }
      absl::StatusOr<PaperPages> pages = LayoutPaperPages(paper, fonts, paper_options);
      if (!pages.ok()) {
        // A refusal naming a field: under the item ("items[4].paper...";
        // the converter's paths already start so).
        if (GetFieldError(pages.status())) return PrefixFieldError(pages.status(), item.path);
        // Otherwise name the item in the message.
        const std::string msg(pages.status().message());
        absl::Status st(pages.status().code(),
                        msg.rfind("paper", 0) == 0 ? absl::StrCat(item.path, ".", msg)
                                                   : absl::StrCat(item.path, ": ", msg));
        return st;
      }
      papers[i] = *std::move(pages);
    }
    if (options.progress) options.progress(++done, static_cast<int>(n));
  }

  // 2. The front sheet, first without page numbers: its length is fixed by
  //    the reserved room for the ranges.
  FrontSheet front(pack, fonts, s, order);
  PaginateOptions po;
  po.body_height = s.body_height();
  po.max_pages = options.max_pages;
  po.interrupt = options.interrupt;
  po.path = "items";  // the agenda lists the items
  absl::StatusOr<std::vector<FillResult>> draft = Paginate(front.Build({}, {}), po);
  if (!draft.ok()) return draft.status();
  const int front_pages = static_cast<int>(draft->size());

  // 3. Where every paper starts (right-hand pages in duplex: even indexes).
  std::vector<ItemPlacement> placements(n);
  std::vector<int> first_index(n, -1);
  std::vector<bool> blank_before(n, false);
  int index = front_pages;
  for (size_t i : order) {
    ItemPlacement& p = placements[i];
    p.number = pack.items[i].number;
    if (!papers[i]) continue;
    if (pack.duplex && index % 2 == 1) {
      blank_before[i] = true;
      ++index;
    }
    first_index[i] = index;
    p.included = true;
    p.first_page = pack.first_page_number + index;
    index += static_cast<int>(papers[i]->pages.size());
    p.last_page = pack.first_page_number + index - 1;
  }
  const int total_pages = index;
  if (total_pages > options.max_pages) {
    return QuotaFieldError("items", absl::StrCat("the pack needs ", total_pages,
                                                 " pages, more than the limit of ",
                                                 options.max_pages));
  }

  // 4. The front sheet again, with the numbers and links; same length.
  absl::StatusOr<std::vector<FillResult>> final_front =
      Paginate(front.Build(placements, first_index), po);
  if (!final_front.ok()) return final_front.status();
  if (static_cast<int>(final_front->size()) != front_pages) {
    return absl::InternalError("the agenda changed length once page numbers were filled in");
  }

  // 5. Assemble pages, furniture, outline and labels.
  PageLayout layout;
  layout.width = s.page_width;
  layout.height = s.page_height;
  layout.pages.reserve(static_cast<size_t>(total_pages));
  std::vector<OutlineEntry> agenda_lines;  // one per item, in agenda order
  DrawBodies(*final_front, s, &layout.pages, &agenda_lines);
  // Document > the front sheet's elements, then one Sect per included
  // paper (its tree, whose first heading is the paper's title H1).
  layout.structure = front.TakeStructure();
  layout.lang = pack.language;
  if (agenda_lines.size() != order.size()) {
    return absl::InternalError("agenda outline entries do not match the items");
  }
  Furniture furniture;
  for (int p = 0; p < front_pages; ++p) {
    furniture.page_number = absl::StrCat(pack.first_page_number + p);
    StampPage(furniture, fonts, s, &layout.pages[static_cast<size_t>(p)]);
  }
  layout.outline.push_back(OutlineEntry{"Agenda", 0, 0, s.page_height});
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t i = order[k];
    const doc::PackItem& item = pack.items[i];
    if (!papers[i]) {
      layout.outline.push_back(agenda_lines[k]);  // points at the agenda line
      continue;
    }
    if (blank_before[i]) {
      layout.pages.push_back(BlankVerso(fonts, s));
      furniture = Furniture{};
      furniture.page_number = absl::StrCat(pack.first_page_number + layout.pages.size() - 1);
      StampPage(furniture, fonts, s, &layout.pages.back());
    }
    const int start = static_cast<int>(layout.pages.size());
    const int offset = layout.structure.Graft(papers[i]->structure, 0, StructType::kSect);
    if (item.paper->language != pack.language) {
      layout.structure.nodes[static_cast<size_t>(offset)].lang = item.paper->language;
    }
    const int marking_node = papers[i]->marking_node >= 0 ? papers[i]->marking_node + offset : -1;
    layout.outline.push_back(OutlineEntry{agenda_lines[k].title, 0, start, s.page_height});
    for (OutlineEntry e : papers[i]->outline) {
      e.level += 1;
      e.page += start;
      layout.outline.push_back(std::move(e));
    }
    for (const LayoutNote& note : papers[i]->notes) layout.notes.push_back(note);
    furniture.header_label = AgendaLabel(item.number);
    furniture.marking = item.paper->protective_marking;
    if (item.part == doc::Part::kTwo && furniture.marking.empty()) {
      furniture.marking = kDefaultPartTwoMarking;
    }
    for (Page& page : papers[i]->pages) {
      ShiftNodes(&page, offset);
      furniture.page_number = absl::StrCat(pack.first_page_number + layout.pages.size());
      furniture.marking_node = static_cast<int>(layout.pages.size()) == start ? marking_node : -1;
      StampPage(furniture, fonts, s, &page);
      layout.pages.push_back(std::move(page));
    }
    papers[i].reset();  // free as we go
  }
  if (static_cast<int>(layout.pages.size()) != total_pages) {
    return absl::InternalError("pack page count mismatch");
  }
  layout.labels.push_back(PageLabel{0, pack.first_page_number});
  layout.info = MakeDocInfo(pack.metadata, options.producer);
  if (placements_out != nullptr) *placements_out = std::move(placements);
  return layout;
}

}  // namespace pp::layout
