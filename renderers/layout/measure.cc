#include "renderers/layout/measure.h"

#include <algorithm>
#include <deque>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "renderers/common/field_error.h"
#include "renderers/common/pdf_text.h"
#include "renderers/layout/table_flow.h"
#include "renderers/layout/text_builder.h"

namespace pp::layout {
namespace {

using text::Style;

constexpr Color kBlack = {0, 0, 0};
// The level-3 bullet "◦": a circle of this radius (in em) with a stroke of
// 0.06 em, about the size of "•" (TextBlock::Draw centres it there).
constexpr double kCircleBulletRadius = 0.1;

std::string ToRoman(int n, bool upper) {
  static constexpr std::pair<int, const char*> kTable[] = {
      {1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"},
      {50, "l"},   {40, "xl"},  {10, "x"},  {9, "ix"},   {5, "v"},   {4, "iv"}, {1, "i"}};
  std::string out;
  for (const auto& [value, text] : kTable) {
    while (n >= value) {
      out += text;
      n -= value;
    }
  }
  if (upper) {
    for (char& c : out) c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// a, b, ..., z, aa, ab, ... (spreadsheet style).
std::string ToAlpha(int n) {
  std::string out;
  ++n;
  while (n > 0) {
    --n;
    out.insert(out.begin(), static_cast<char>('a' + n % 26));
    n /= 26;
  }
  return out;
}

class PaperBuilder {
 public:
  PaperBuilder(const doc::Paper& paper, const text::FontSet& fonts, const HouseStyle& style,
               const InterruptCheck& interrupt, std::vector<LayoutNote>* notes, StructTree* tree)
      : paper_(paper), fonts_(fonts), s_(style), interrupt_(interrupt), notes_(notes),
        tf_(fonts, style) {
    if (tree != nullptr) {
      if (tree->nodes.empty()) tree->Add(StructType::kDocument, -1);
      tf_.set_tree(tree);
      root_ = 0;
    }
  }

  absl::StatusOr<std::vector<FlowPtr>> Build() {
    TitleBlock();
    if (paper_.summary) Summary(*paper_.summary);
    for (size_t i = 0; i < paper_.sections.size() && pending_.ok(); ++i) {
      Section(paper_.sections[i], static_cast<int>(i) + 1);
    }
    if (paper_.sign_off) SignOffBlock(*paper_.sign_off);
    if (!pending_.ok()) return pending_;
    return std::move(flows_);
  }

 private:

  TextStyle MakeStyle(double size, double indent, double width, HAlign align = HAlign::kLeft) const {
    return tf_.Style(size, indent, width, align);
  }

  std::shared_ptr<TextBlock> Text(SpanBuilder& sb, const TextStyle& ts,
                                  const std::vector<text::Span>* label = nullptr,
                                  double label_x = 0, double label_circle_r = 0, int node = -1) {
    return tf_.Make(sb, ts, label, label_x, label_circle_r, node);
  }

  // A new structure element under `parent` (the document by default); -1
  // when untagged.
  int Node(StructType type, int parent = -2) const {
    return tf_.Node(type, parent == -2 ? root_ : parent);
  }

  std::shared_ptr<TextBlock> WithOutline(std::shared_ptr<TextBlock> block, std::string title,
                                         int level) {
    auto c = std::make_shared<TextContent>(block->content());
    c->outline_title = CutPdfText(title);  // a bookmark: a PDF string
    c->outline_level = level;
    auto b = std::make_shared<TextBlock>(std::move(c));
    b->space_before = block->space_before;
    b->space_after = block->space_after;
    b->keep_with_next = block->keep_with_next;
    b->path = block->path;
    return b;
  }

  // ---- First page -------------------------------------------------------------

  void TitleBlock() {
    const double w = s_.body_width();
    if (!paper_.organisation_lines.empty()) {
      std::string lockup;
      for (const std::string& l : paper_.organisation_lines) {
        if (!lockup.empty()) lockup += '\n';
        lockup += l;
      }
      SpanBuilder sb;
      sb.Add(lockup, Style::kBold);
      auto b = Text(sb, MakeStyle(s_.lockup_size, 0, w), nullptr, 0, 0, Node(StructType::kP));
      Space(*b, 0, 20, true);
      b->path = paper_.path + ".organisation_lines";
      flows_.push_back(std::move(b));
    }
    {
      SpanBuilder sb;
      sb.Add(paper_.panel_name, Style::kBold);
      auto b = Text(sb, MakeStyle(s_.panel_size, 0, w, HAlign::kCenter), nullptr, 0, 0,
                    Node(StructType::kP));
      Space(*b, 0, 4, true);
      b->path = paper_.path + ".panel_name";
      flows_.push_back(std::move(b));
    }
    {
      SpanBuilder sb;
      sb.AddOwned(FormatDate(paper_.meeting_date, paper_.show_weekday), Style::kRegular);
      auto b = Text(sb, MakeStyle(s_.date_size, 0, w, HAlign::kCenter), nullptr, 0, 0,
                    Node(StructType::kP));
      Space(*b, 0, 18, true);
      b->path = paper_.path + ".meeting_date";
      flows_.push_back(std::move(b));
    }
    {
      SpanBuilder sb;
      sb.Add(paper_.title, Style::kBold);
      auto b = Text(sb, MakeStyle(s_.title_size, 0, w, HAlign::kCenter), nullptr, 0, 0,
                    Node(StructType::kH1));
      Space(*b, 0, 12, !paper_.report_by.empty());
      b->path = paper_.path + ".title";
      flows_.push_back(std::move(b));
    }
    if (!paper_.report_by.empty()) {
      SpanBuilder sb;
      sb.Add("Report by: ", Style::kBold);
      sb.Add(paper_.report_by, Style::kRegular);
      auto b = Text(sb, MakeStyle(s_.report_by_size, 0, w, HAlign::kCenter), nullptr, 0, 0,
                    Node(StructType::kP));
      Space(*b, 0, 0);
      b->path = paper_.path + ".report_by";
      flows_.push_back(std::move(b));
    }
  }

  // ---- Report Summary -----------------------------------------------------------

  // `type`: H2 or H3 (LAYOUT.md §14).
  void Heading(StructType type, std::string_view text, double size, double indent, double width,
               double before, double after, std::vector<FlowPtr>* out, const std::string& path,
               std::string outline = {}, int level = -1, bool italic = false) {
    SpanBuilder sb;
    sb.Add(text, italic ? Style::kBoldItalic : Style::kBold);
    auto b = Text(sb, MakeStyle(size, indent, width), nullptr, 0, 0, Node(type));
    Space(*b, before, after, true);
    b->path = path;
    if (level >= 0) b = WithOutline(std::move(b), std::move(outline), level);
    out->push_back(std::move(b));
  }

  void Paragraphs(const std::vector<doc::Paragraph>& paras, double indent, double region_w,
                  std::vector<FlowPtr>* out) {
    for (const doc::Paragraph& p : paras) {
      SpanBuilder sb;
      sb.AddRuns(p.runs);
      auto b = Text(sb, MakeStyle(s_.body_size, indent, region_w - indent), nullptr, 0, 0,
                    Node(StructType::kP));
      Space(*b, s_.paragraph_space, s_.paragraph_space);
      b->path = p.path;
      out->push_back(std::move(b));
    }
  }

  // `level`: how deep this list nests (0: top level), for the bullet.
  // `parent`: the structure element the list (L) goes in (-2: the document).
  void Items(const std::vector<doc::ListItem>& items, doc::ListStyle style, double base_x,
             double region_w, std::vector<FlowPtr>* out, int level = 0, int parent = -2) {
    const int list = Node(StructType::kL, parent);
    const bool bullet = style == doc::ListStyle::kBullet;
    const bool circle = bullet && BulletIsCircle(level);
    // The label column is wide enough for the widest label.
    double col = style == doc::ListStyle::kNone ? 0 : s_.list_indent;
    if (style != doc::ListStyle::kBullet && style != doc::ListStyle::kNone) {
      for (size_t i = 0; i < items.size(); ++i) {
        const std::string label = ListLabel(style, static_cast<int>(i));
        col = std::max(col, text::MeasureText(label, Style::kRegular, fonts_, s_.body_size) + 6);
        if (i > 64) break;  // labels only grow slowly; the last one is checked below
      }
      if (!items.empty()) {
        const std::string last = ListLabel(style, static_cast<int>(items.size()) - 1);
        col = std::max(col, text::MeasureText(last, Style::kRegular, fonts_, s_.body_size) + 6);
      }
    }
    // Text never gets narrower than a third of the region, however deep.
    col = std::min(col, std::max(0.0, (region_w - base_x) * 2 / 3));
    for (size_t i = 0; i < items.size(); ++i) {
      const doc::ListItem& item = items[i];
      SpanBuilder sb;
      sb.AddRuns(item.runs);
      const std::string label_text =
          bullet ? BulletLabel(level) : ListLabel(style, static_cast<int>(i));
      std::vector<text::Span> label;
      if (!label_text.empty()) label.push_back(text::Span{label_text, Style::kRegular, -1});
      // LI > Lbl, LBody (a drawn circle bullet is decoration: no Lbl).
      const int li = Node(StructType::kLI, list);
      const int lbl = label.empty() ? -1 : Node(StructType::kLbl, li);
      const int body = Node(StructType::kLBody, li);
      auto b = Text(sb, MakeStyle(s_.body_size, base_x + col, region_w - base_x - col),
                    label.empty() ? nullptr : &label, base_x,
                    circle ? kCircleBulletRadius * s_.body_size : 0, body);
      if (lbl >= 0) {
        auto c = std::make_shared<TextContent>(b->content());
        c->label_node = lbl;
        b = std::make_shared<TextBlock>(std::move(c));
      }
      Space(*b, s_.list_item_space, s_.list_item_space);
      b->path = item.path;
      out->push_back(std::move(b));
      for (const doc::List& sub : item.sublists) {
        Items(sub.items, sub.style, base_x + col, region_w, out, level + 1, body);
      }
    }
  }

  void Summary(const doc::ReportSummary& sum) {
    const double pad = s_.summary_padding;
    const double region_w = sum.boxed ? s_.body_width() - 2 * pad : s_.body_width();
    std::vector<FlowPtr> kids;
    const std::string& p = sum.path;
    Heading(StructType::kH2, "Report Summary", s_.summary_title_size, 0, region_w, 0, 8, &kids, p,
            "Report Summary", 0);
    Paragraphs(sum.body, 0, region_w, &kids);
    auto sub = [&](std::string_view title, const std::string& path) {
      Heading(StructType::kH3, title, s_.body_size, 0, region_w, s_.subheading_space_before, 6,
              &kids, path);
    };
    if (!sum.purpose.empty()) {
      sub("Overall Summary of the Purpose of the Report", p + ".purpose");
      Paragraphs(sum.purpose, 0, region_w, &kids);
    }
    if (!sum.key_considerations.empty()) {
      sub("Key Considerations for the Panel", p + ".key_considerations");
      Items(sum.key_considerations, doc::ListStyle::kBullet, 0, region_w, &kids);
    }
    if (!sum.interdependencies.empty()) {
      sub("Interdependencies/Cross Cutting Issues", p + ".interdependencies");
      Items(sum.interdependencies, doc::ListStyle::kBullet, 0, region_w, &kids);
    }
    if (sum.recommendations) {
      const doc::Recommendations& rec = *sum.recommendations;
      sub("Recommendations", rec.path);
      if (!rec.lead_in.empty()) {
        SpanBuilder sb;
        sb.AddRuns(rec.lead_in);
        auto b = Text(sb, MakeStyle(s_.body_size, 0, region_w), nullptr, 0, 0, Node(StructType::kP));
        Space(*b, s_.paragraph_space, 4);
        if (!rec.items.empty() && EndsWithColon(rec.lead_in)) LeadIn(*b);
        b->path = rec.path + ".lead_in";
        kids.push_back(std::move(b));
      }
      Items(rec.items, rec.label_style, 0, region_w, &kids);
    }
    if (sum.boxed) {
      auto box = std::make_shared<BoxFlow>(
          BoxFlow::Frame{s_.body_width(), pad, s_.summary_rule, kBlack}, std::move(kids));
      Space(*box, s_.summary_space_before, s_.section_space_before);
      box->path = sum.path;
      flows_.push_back(std::move(box));
    } else {
      for (FlowPtr& k : kids) flows_.push_back(std::move(k));
    }
  }

  // The record of the panel's decision, boxed, after the last section.
  void SignOffBlock(const doc::SignOff& so) {
    const double pad = s_.summary_padding;
    const double w = s_.body_width() - 2 * pad;
    std::vector<FlowPtr> kids;
    Heading(StructType::kH2, "Sign-off", s_.body_size, 0, w, 0, 6, &kids, "sign_off", "Sign-off",
            0);
    auto row = [&](std::string_view label, std::string value) {
      if (value.empty()) return;
      SpanBuilder sb;
      sb.Add(label, Style::kBold);
      sb.AddOwned(std::move(value), Style::kRegular);
      auto b = Text(sb, MakeStyle(s_.body_size, 0, w), nullptr, 0, 0, Node(StructType::kP));
      Space(*b, 3, 3);
      b->path = "sign_off";
      kids.push_back(std::move(b));
    };
    row("Approved by: ", so.role.empty() ? so.approved_by : absl::StrCat(so.approved_by, ", ", so.role));
    row("Decision date: ", FormatDate(so.decision_date, false));
    row("Meeting: ", so.meeting);
    row("Decision reference: ", so.decision_reference);
    auto box = std::make_shared<BoxFlow>(
        BoxFlow::Frame{s_.body_width(), pad, s_.summary_rule, kBlack}, std::move(kids));
    Space(*box, s_.section_space_before, 0);
    box->path = "sign_off";
    flows_.push_back(std::move(box));
  }

  // ---- Sections -----------------------------------------------------------------

  void Section(const doc::Section& sec, int number) {
    const double w = s_.body_width();
    const double indent = s_.numbered_text_indent;
    {
      SpanBuilder sb;
      sb.Add(sec.heading, Style::kBold);
      const std::string label_text = absl::StrCat(number, ".");
      std::vector<text::Span> label = {text::Span{label_text, Style::kBold, -1}};
      auto b = Text(sb, MakeStyle(s_.section_heading_size, indent, w - indent), &label, 0, 0,
                    Node(StructType::kH2));
      Space(*b, s_.section_space_before, s_.section_space_after, true);
      b->path = sec.path;
      flows_.push_back(WithOutline(std::move(b), absl::StrCat(number, ". ", sec.heading), 0));
    }
    int para = 0;
    for (size_t i = 0; i < sec.blocks.size(); ++i) {
      PollQuietly();
      const doc::Block& block = sec.blocks[i];
      lead_in_ = i + 1 < sec.blocks.size() &&
                 std::holds_alternative<doc::List>(sec.blocks[i + 1]) &&
                 std::holds_alternative<doc::Paragraph>(block) &&
                 EndsWithColon(std::get<doc::Paragraph>(block).runs);
      std::visit(
          [&](const auto& b) { Block(b, sec, number, &para); }, block);
    }
    lead_in_ = false;
  }

  // The text ends with ":" (trailing white space aside): a list's lead-in.
  static bool EndsWithColon(const doc::Runs& runs) {
    for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
      absl::string_view t = absl::StripTrailingAsciiWhitespace(it->text);
      if (t.empty()) continue;
      return t.back() == ':';
    }
    return false;
  }

  // A list's lead-in keeps its last lines with the list's first item; its
  // space after matches the gap it had without the rule.
  void LeadIn(Flowable& b) const {
    b.keep_with_next = true;
    b.keep_splits = true;
    b.space_after = std::max(b.space_after, s_.list_item_space);
  }

  void Block(const doc::Paragraph& p, const doc::Section& sec, int number, int* para) {
    const double w = s_.body_width();
    const double indent = s_.numbered_text_indent;
    SpanBuilder sb;
    sb.AddRuns(p.runs);
    std::shared_ptr<TextBlock> b;
    if (sec.numbered_paragraphs && !p.unnumbered) {
      ++*para;
      const std::string label_text = absl::StrCat(number, ".", *para, ".");
      std::vector<text::Span> label = {text::Span{label_text, Style::kRegular, -1}};
      b = Text(sb, MakeStyle(s_.body_size, indent, w - indent), &label, 0, 0,
               Node(StructType::kP));
    } else {
      b = Text(sb, MakeStyle(s_.body_size, indent, w - indent), nullptr, 0, 0,
               Node(StructType::kP));
    }
    Space(*b, s_.paragraph_space, s_.paragraph_space);
    if (lead_in_) LeadIn(*b);
    b->path = p.path;
    flows_.push_back(std::move(b));
  }

  void Block(const doc::Subheading& h, const doc::Section&, int, int*) {
    Heading(StructType::kH3, h.text, s_.body_size, s_.numbered_text_indent, s_.body_width() - s_.numbered_text_indent,
            s_.subheading_space_before, s_.subheading_space_after, &flows_, h.path, h.text, 1,
            h.italic);
  }

  void Block(const doc::List& list, const doc::Section&, int, int*) {
    Items(list.items, list.style, s_.numbered_text_indent, s_.body_width(), &flows_);
  }

  void Block(const doc::ContactDetails& cd, const doc::Section&, int, int*) {
    const double w = s_.body_width();
    const double indent = s_.numbered_text_indent;
    for (const doc::Contact& c : cd.contacts) {
      SpanBuilder sb;
      sb.AddOwned(absl::StrCat(c.role, ": ", c.name, c.unit.empty() ? "" : ", ", c.unit),
                  Style::kRegular);
      if (!c.email.empty()) {
        sb.Add(" ", Style::kRegular);
        sb.AddLink(c.email, Style::kRegular, "mailto:" + c.email);
      }
      if (!c.phone.empty()) sb.AddOwned(absl::StrCat(", ", c.phone), Style::kRegular);
      auto b = Text(sb, MakeStyle(s_.body_size, indent, w - indent), nullptr, 0, 0,
                    Node(StructType::kP));
      Space(*b, s_.paragraph_space, s_.paragraph_space);
      b->path = c.path;
      flows_.push_back(std::move(b));
    }
  }

  void Block(const doc::Appendices& a, const doc::Section&, int, int*) {
    const double w = s_.body_width();
    const double indent = s_.numbered_text_indent;
    auto line = [&](SpanBuilder& sb, const std::string& path) {
      auto b = Text(sb, MakeStyle(s_.body_size, indent, w - indent), nullptr, 0, 0,
                    Node(StructType::kP));
      Space(*b, s_.paragraph_space, s_.paragraph_space);
      b->path = path;
      flows_.push_back(std::move(b));
    };
    if (a.appendices.empty() && a.background_papers.empty()) {
      SpanBuilder sb;
      sb.Add("None", Style::kRegular);
      line(sb, a.path);
      return;
    }
    for (size_t i = 0; i < a.appendices.size(); ++i) {
      SpanBuilder sb;
      sb.AddOwned(absl::StrCat(a.appendices[i].label, " \xE2\x80\x93 "), Style::kBold);
      sb.Add(a.appendices[i].title, Style::kRegular);
      line(sb, absl::StrCat(a.path, ".appendices[", i, "]"));
    }
    if (!a.background_papers.empty()) {
      Heading(StructType::kH3, "Background papers", s_.body_size, indent, w - indent, s_.subheading_space_before,
              s_.subheading_space_after, &flows_, a.path + ".background_papers");
      std::vector<doc::ListItem> items;
      for (size_t i = 0; i < a.background_papers.size(); ++i) {
        const doc::BackgroundPaper& bp = a.background_papers[i];
        doc::ListItem item;
        item.runs.push_back(doc::Run{bp.title, false, false, bp.link});
        item.path = absl::StrCat(a.path, ".background_papers[", i, "]");
        items.push_back(std::move(item));
      }
      Items(items, doc::ListStyle::kBullet, indent, w, &flows_);
    }
  }

  // ---- Tables -------------------------------------------------------------------

  struct CellSpec {
    std::vector<SpanBuilder> paragraphs;  // one per paragraph
    double size = 10;
    doc::Align align = doc::Align::kLeft;
  };

  // Measures a cell's paragraphs into positioned lines.
  // `node`: the cell's TH/TD element (CellNode), -1 untagged.
  Cell MeasureCell(const TableData& d, std::vector<SpanBuilder>& paras, int column, int span,
                   double size, doc::Align align, std::optional<Color> fill, Color color = kBlack,
                   int node = -1) {
    Cell cell;
    cell.column = column;
    cell.span = span;
    cell.fill = fill;
    cell.node = node;
    std::vector<std::string> langs;
    const double inner = d.column_x[static_cast<size_t>(column + span)] -
                         d.column_x[static_cast<size_t>(column)] - 2 * d.padding_x;
    const TextStyle ts = MakeStyle(size, 0, inner);
    auto uris = std::make_shared<std::vector<std::string>>();
    double top = 0;
    for (size_t pi = 0; pi < paras.size(); ++pi) {
      SpanBuilder& sb = paras[pi];
      // Tags are per paragraph; shift them into the cell's uri table.
      const int base = static_cast<int>(uris->size());
      std::vector<text::Line> lines = text::BreakLines(sb.spans(), fonts_, size, inner);
      // The cell's next paragraph reads as a new sentence, not glued on.
      if (pi + 1 < paras.size() && !lines.empty()) lines.back().hard_end = true;
      for (std::string& u : sb.TakeUris()) uris->push_back(std::move(u));
      for (std::string& l : sb.TakeLangs()) langs.push_back(std::move(l));
      if (pi > 0) top += s_.cell_paragraph_space;
      for (text::Line& l : lines) {
        for (text::Piece& piece : l.pieces) {
          if (piece.tag >= 0) piece.tag += base;
        }
        CellLine cl;
        cl.x = align == doc::Align::kCenter  ? (inner - l.width) / 2
               : align == doc::Align::kRight ? inner - l.width
                                             : 0;
        cl.top = top;
        cl.size = size;
        cl.leading = ts.leading;
        cl.baseline = ts.baseline;
        cl.color = color;
        cl.line = std::move(l);
        cell.lines.push_back(std::move(cl));
        top += ts.leading;
      }
    }
    cell.content_height = top;
    if (!uris->empty()) {
      if (node >= 0) {
        cell.tag_nodes = std::make_shared<const std::vector<int>>(tf_.TagNodes(node, *uris, langs));
      }
      cell.uris = std::move(uris);
    }
    return cell;
  }

  // A table cell's element under row `tr`: TD, or TH with its scope, with
  // its spans (/ColSpan, /RowSpan when > 1).
  int CellNode(int tr, StructType type, int column_span,
               StructNode::Scope scope = StructNode::Scope::kNone, int row_span = 1) {
    const int n = Node(type, tr);
    if (n >= 0) {
      StructNode& sn = tf_.tree()->nodes[static_cast<size_t>(n)];
      sn.scope = scope;
      sn.column_span = column_span;
      sn.row_span = row_span;
    }
    return n;
  }

  std::shared_ptr<TableData> NewTable(const std::vector<double>& shares) {
    auto d = std::make_shared<TableData>();
    // Shares are finite and positive (the converter checks), but their sum
    // can still overflow a double (1e308 + 1e308 = inf, and inf/inf = NaN
    // coordinates): add them up relative to the largest, which keeps the
    // total between 1 and the column count.
    d->column_x = ColumnEdges(shares, s_.body_width());
    d->padding_x = s_.cell_padding_x;
    d->padding_y = s_.cell_padding_y;
    d->rule = s_.table_rule;
    d->rule_color = kBlack;
    d->split_threshold = s_.body_height() / 2;
    d->keep_whole_height = s_.body_height();
    return d;
  }

  static SpanBuilder LabelledRuns(std::string_view label, const doc::Runs& runs) {
    SpanBuilder sb;
    sb.Add(label, Style::kBold);
    sb.AddRuns(runs);
    return sb;
  }

  void Block(const doc::ImprovementTable& t, const doc::Section&, int, int*) {
    std::vector<double> shares(std::begin(s_.improvement_columns), std::end(s_.improvement_columns));
    std::shared_ptr<TableData> d = NewTable(shares);
    const double size = s_.table_size;
    const int table = Node(StructType::kTable);
    body_node_ = -1;
    {
      Row header;
      header.node = Node(StructType::kTR, Node(StructType::kTHead, table));
      for (int c = 0; c < 3; ++c) {
        std::vector<SpanBuilder> p(1);
        p[0].Add(t.column_headings[static_cast<size_t>(c)], Style::kBold);
        header.cells.push_back(MeasureCell(
            *d, p, c, 1, size, c == 2 ? doc::Align::kCenter : doc::Align::kLeft, s_.header_fill,
            kBlack, CellNode(header.node, StructType::kTH, 1, StructNode::Scope::kColumn)));
      }
      header.path = t.path;
      FinishRow(*d, &header);
      d->header.push_back(std::move(header));
    }
    body_node_ = Node(StructType::kTBody, table);
    for (size_t g = 0; g < t.groups.size(); ++g) {
      const doc::ImprovementGroup& group = t.groups[g];
      const int gi = static_cast<int>(g);
      // The group's band is a row header (TH /Scope /Row); its
      // "(continued)" copy is only drawn as an artifact: no elements.
      auto band = [&](std::string text_value, bool tagged) {
        Row r;
        if (tagged) r.node = Node(StructType::kTR, body_node_);
        std::vector<SpanBuilder> p(1);
        p[0].AddOwned(std::move(text_value), Style::kBold);
        r.cells.push_back(MeasureCell(
            *d, p, 0, 3, s_.table_area_size, doc::Align::kLeft, s_.band_fill, kBlack,
            tagged ? CellNode(r.node, StructType::kTH, 3, StructNode::Scope::kRow) : -1));
        r.keep_with_next = true;
        r.group = gi;
        r.is_band = true;
        r.path = group.path;
        FinishRow(*d, &r);
        return r;
      };
      d->rows.push_back(band(group.name, true));
      d->continued_bands.push_back(band(group.name + " (continued)", false));
      d->continued_bands.back().is_band = false;
      for (const doc::ImprovementArea& area : group.areas) {
        PollQuietly();
        AreaRows(*d, area, gi);
      }
    }
    auto flow = std::make_shared<TableFlow>(std::move(d));
    Space(*flow, s_.table_space_before, s_.table_space_after);
    flow->path = t.path;
    flows_.push_back(std::move(flow));
  }

  void AreaRows(TableData& d, const doc::ImprovementArea& area, int group) {
    const double size = s_.table_size;
    // Rows are built in order: each gets its TR before its cells' TDs.
    auto tr = [&] { return Node(StructType::kTR, body_node_); };
    auto td = [&](const Row& r, int span) { return CellNode(r.node, StructType::kTD, span); };
    auto push = [&](Row r, bool keep = false) {
      r.group = group;
      r.keep_with_next = keep;
      r.path = area.path;
      FinishRow(d, &r);
      d.rows.push_back(std::move(r));
    };
    {
      Row r;
      r.node = tr();
      std::vector<SpanBuilder> name(1);
      name[0].Add(area.name, Style::kBold);
      r.cells.push_back(MeasureCell(d, name, 0, 2, s_.table_area_size, doc::Align::kLeft,
                                    std::nullopt, kBlack, td(r, 2)));
      std::vector<SpanBuilder> status(1);
      status[0].Add(area.status, Style::kBold);
      Cell c = MeasureCell(d, status, 2, 1, size, doc::Align::kCenter, area.status_fill,
                           area.status_text, td(r, 1));
      c.center_vertically = true;
      r.cells.push_back(std::move(c));
      push(std::move(r), /*keep=*/true);
    }
    bool full = !area.main_issue.empty() || !area.monitoring.empty();
    for (const doc::ImprovementAction& a : area.actions) full = full || !a.runs.empty();
    auto spanning = [&](std::string_view label, const doc::Runs& runs) {
      Row r;
      r.node = tr();
      std::vector<SpanBuilder> p;
      p.push_back(LabelledRuns(label, runs));
      r.cells.push_back(MeasureCell(d, p, 0, 3, size, doc::Align::kLeft, std::nullopt, kBlack,
                                    td(r, 3)));
      push(std::move(r));
    };
    doc::Runs lead_runs;
    if (!area.lead.empty()) lead_runs.push_back(doc::Run{area.lead, false, false, {}});
    if (full) {
      if (!area.lead.empty()) spanning("Lead: ", lead_runs);
      if (!area.aim.empty()) spanning("Aim: ", area.aim);
      if (!area.main_issue.empty()) spanning("Main Issue: ", area.main_issue);
      if (!area.actions.empty() || !area.progress.empty()) {
        Row r;
        r.node = tr();
        std::vector<SpanBuilder> actions;
        for (const doc::ImprovementAction& a : area.actions) {
          SpanBuilder sb;
          sb.Add(a.code, Style::kBold);
          if (!a.runs.empty()) sb.Add(" ", Style::kRegular);
          sb.AddRuns(a.runs);
          actions.push_back(std::move(sb));
        }
        std::vector<SpanBuilder> progress;
        for (const doc::Paragraph& p : area.progress) {
          SpanBuilder sb;
          sb.AddRuns(p.runs);
          progress.push_back(std::move(sb));
        }
        if (area.actions.empty()) {
          r.cells.push_back(MeasureCell(d, progress, 0, 3, size, doc::Align::kLeft, std::nullopt,
                                        kBlack, td(r, 3)));
        } else {
          r.cells.push_back(MeasureCell(d, actions, 0, 1, size, doc::Align::kLeft, std::nullopt,
                                        kBlack, td(r, 1)));
          r.cells.push_back(MeasureCell(d, progress, 1, 2, size, doc::Align::kLeft, std::nullopt,
                                        kBlack, td(r, 2)));
        }
        push(std::move(r));
      }
      if (!area.monitoring.empty()) spanning("Monitoring: ", area.monitoring);
      return;
    }
    // Compact form: Lead and Aim beside the action code and the narrative.
    Row r;
    std::vector<SpanBuilder> left;
    if (!area.lead.empty()) left.push_back(LabelledRuns("Lead: ", lead_runs));
    if (!area.aim.empty()) left.push_back(LabelledRuns("Aim: ", area.aim));
    std::vector<SpanBuilder> right;
    std::string codes;
    for (const doc::ImprovementAction& a : area.actions) {
      if (!codes.empty()) codes += ", ";
      codes += a.code;
    }
    for (size_t i = 0; i < area.progress.size(); ++i) {
      SpanBuilder sb;
      if (i == 0 && !codes.empty()) {
        sb.AddOwned(codes + " ", Style::kBold);
      }
      sb.AddRuns(area.progress[i].runs);
      right.push_back(std::move(sb));
    }
    if (area.progress.empty() && !codes.empty()) {
      SpanBuilder sb;
      sb.AddOwned(codes, Style::kBold);
      right.push_back(std::move(sb));
    }
    if (left.empty() && right.empty()) return;
    r.node = tr();
    r.cells.push_back(MeasureCell(d, left, 0, 1, size, doc::Align::kLeft, std::nullopt, kBlack,
                                  td(r, 1)));
    r.cells.push_back(MeasureCell(d, right, 1, 2, size, doc::Align::kLeft, std::nullopt, kBlack,
                                  td(r, 2)));
    push(std::move(r));
  }

  void Block(const doc::Table& t, const doc::Section&, int, int*) {
    std::shared_ptr<TableData> d = NewTable(t.column_widths);
    const double size = t.font_size;
    const size_t columns = d->column_x.size() - 1;
    // A column must hold its padding and at least one em of text: narrower
    // ones would push glyphs out of the cell (and the page).
    const double min_width = MinColumnWidth(size, d->padding_x);
    if (static_cast<double>(columns) * min_width > s_.body_width() + text::kEpsilon) {
      // The validator refuses such tables up front; this is the backstop.
      if (pending_.ok()) {
        pending_ = InvalidFieldError(
            t.path + ".column_widths",
            absl::StrFormat("%d columns do not fit: at %.0f pt each column needs at least %.1f pt",
                            columns, size, min_width));
      }
      return;
    }
    // The cells' text, once; then each column's minimum content width (its
    // widest unbreakable word, header rows included, plus padding), spanning
    // cells spreading theirs over their columns.
    const size_t header_rows = static_cast<size_t>(std::max(0, t.header_rows));
    struct Spec {
      std::vector<SpanBuilder> paras;
      int column = 0;
      int span = 1;
      int row_span = 1;
      double min = 0;
    };
    std::vector<std::vector<Spec>> specs(t.rows.size());
    std::vector<double> mins(columns, 0.0);
    // Rows below still covered by a cell spanning rows, per column (the
    // HTML model: a row's cells take the columns not covered from above).
    std::vector<int> covered(columns, 0);
    for (size_t i = 0; i < t.rows.size(); ++i) {
      PollQuietly();
      if (i == header_rows) std::fill(covered.begin(), covered.end(), 0);  // validated upstream
      int col = 0;
      for (const doc::TableCell& tc : t.rows[i].cells) {
        while (col < static_cast<int>(columns) && covered[static_cast<size_t>(col)] > 0) ++col;
        const int span = std::max(1, tc.column_span);
        if (col + span > static_cast<int>(columns)) break;  // validated upstream
        Spec& sp = specs[i].emplace_back();
        sp.column = col;
        sp.span = span;
        sp.row_span = std::max(1, tc.row_span);
        for (const doc::Paragraph& p : tc.paragraphs) {
          SpanBuilder& sb = sp.paras.emplace_back();
          sb.AddRuns(p.runs, i < header_rows || tc.bold);
          sp.min = std::max(sp.min, text::MinContentWidth(sb.spans(), fonts_, size));
        }
        sp.min += 2 * d->padding_x;
        if (span == 1) {
          mins[static_cast<size_t>(col)] = std::max(mins[static_cast<size_t>(col)], sp.min);
        }
        col += span;
      }
      for (int& n : covered) n = std::max(0, n - 1);
      for (const Spec& sp : specs[i]) {
        for (int c = sp.column; c < sp.column + sp.span; ++c) {
          covered[static_cast<size_t>(c)] = sp.row_span - 1;
        }
      }
    }
    for (const std::vector<Spec>& row : specs) {
      for (const Spec& sp : row) {
        if (sp.span == 1) continue;
        double have = 0;
        for (int c = sp.column; c < sp.column + sp.span; ++c) have += mins[static_cast<size_t>(c)];
        if (have >= sp.min) continue;
        for (int c = sp.column; c < sp.column + sp.span; ++c) {
          double& m = mins[static_cast<size_t>(c)];
          m = have > 0 ? m * sp.min / have : sp.min / sp.span;
        }
      }
    }
    d->column_x = FitColumns(d->column_x, mins, min_width, s_.body_width());
    // Table > Caption, THead (header rows), TBody; the caption block comes
    // before the table's flowable.
    const int table = Node(StructType::kTable);
    int head_node = -1;
    if (!t.caption.empty()) {
      SpanBuilder sb;
      sb.Add(t.caption, Style::kBold);
      auto b = Text(sb, MakeStyle(s_.body_size, 0, s_.body_width()), nullptr, 0, 0,
                    Node(StructType::kCaption, table));
      Space(*b, s_.table_space_before, 4, true);
      b->path = t.path + ".caption";
      flows_.push_back(std::move(b));
    }
    if (header_rows > 0 && !t.rows.empty()) head_node = Node(StructType::kTHead, table);
    body_node_ = t.rows.size() > header_rows ? Node(StructType::kTBody, table) : -1;
    constexpr int kMaxCellNotes = 10;
    int broken = 0;
    auto make_row = [&](const doc::TableRow& tr, std::vector<Spec>& row, bool header) {
      Row r;
      r.node = Node(StructType::kTR, header ? head_node : body_node_);
      for (size_t k = 0; k < row.size(); ++k) {
        const doc::TableCell& tc = tr.cells[k];
        std::optional<Color> fill = tc.fill;
        if (!fill && header) fill = s_.header_fill;
        // Header rows' cells are column headers.
        const int cell_node =
            header ? CellNode(r.node, StructType::kTH, row[k].span, StructNode::Scope::kColumn,
                              row[k].row_span)
                   : CellNode(r.node, StructType::kTD, row[k].span, StructNode::Scope::kNone,
                              row[k].row_span);
        r.cells.push_back(MeasureCell(*d, row[k].paras, row[k].column, row[k].span, size,
                                      tc.align, fill, kBlack, cell_node));
        r.cells.back().row_span = row[k].row_span;
        if (BrokeWord(r.cells.back()) && ++broken <= kMaxCellNotes && notes_ != nullptr) {
          notes_->push_back(LayoutNote{
              tc.path,
              absl::StrFormat("a word is broken inside (with a hyphen): at %.0f pt the table's "
                              "columns cannot all hold their longest words; use fewer columns, "
                              "shorter words or a smaller font_size",
                              size)});
        }
      }
      r.path = tr.path;
      FinishRow(*d, &r);
      return r;
    };
    for (size_t i = 0; i < t.rows.size(); ++i) {
      PollQuietly();
      if (i < header_rows) {
        d->header.push_back(make_row(t.rows[i], specs[i], true));
      } else {
        d->rows.push_back(make_row(t.rows[i], specs[i], false));
      }
      specs[i].clear();
    }
    JoinRowSpans(*d, &d->header);
    JoinRowSpans(*d, &d->rows);
    if (broken > kMaxCellNotes && notes_ != nullptr) {
      notes_->push_back(LayoutNote{
          t.path, absl::StrFormat("words are broken inside %d more cells", broken - kMaxCellNotes)});
    }
    auto flow = std::make_shared<TableFlow>(std::move(d));
    Space(*flow, s_.table_space_before, s_.table_space_after);
    flow->path = t.path;
    flows_.push_back(std::move(flow));
  }

  static bool BrokeWord(const Cell& cell) {
    for (const CellLine& l : cell.lines) {
      if (l.line.broke_word) return true;
    }
    return false;
  }

  // Polls the interrupt (once per block, list item, table row and area: a
  // cheap deadline check); a stop is kept in pending_ and returned by Build().
  void PollQuietly() {
    if (interrupt_ && pending_.ok()) pending_ = interrupt_();
  }

  const doc::Paper& paper_;
  const text::FontSet& fonts_;
  const HouseStyle& s_;
  const InterruptCheck& interrupt_;
  std::vector<LayoutNote>* notes_;
  TextFactory tf_;
  int root_ = -1;        // the Document element; -1: untagged
  int body_node_ = -1;   // the TBody of the table being built
  std::vector<FlowPtr> flows_;
  absl::Status pending_;
  bool lead_in_ = false;  // the paragraph being measured leads in a list
};

}  // namespace

std::string FormatDate(const doc::Date& date, bool weekday) {
  static constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                            "May",     "June",     "July",      "August",
                                            "September", "October", "November", "December"};
  static constexpr const char* kDays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                          "Friday", "Saturday", "Sunday"};
  std::string out;
  if (weekday) out = absl::StrCat(kDays[static_cast<int>(absl::GetWeekday(date))], " ");
  absl::StrAppend(&out, date.day(), " ", kMonths[date.month() - 1], " ", date.year());
  return out;
}

std::string BulletLabel(int level) {
  switch (level % 3) {
    case 0: return "\xE2\x80\xA2";  // •
    case 1: return "\xE2\x80\x93";  // – (en dash)
    default: return "";               // ◦, drawn as a circle
  }
}

std::string ListLabel(doc::ListStyle style, int n) {
  switch (style) {
    case doc::ListStyle::kBullet:
      return "\xE2\x80\xA2";  // •
    case doc::ListStyle::kLowerAlphaDot:
      return ToAlpha(n) + ".";
    case doc::ListStyle::kLowerAlphaParen:
      return "(" + ToAlpha(n) + ")";
    case doc::ListStyle::kDecimalDot:
      return absl::StrCat(n + 1, ".");
    case doc::ListStyle::kDecimalParen:
      return absl::StrCat("(", n + 1, ")");
    case doc::ListStyle::kLowerRomanDot:
      return ToRoman(n + 1, false) + ".";
    case doc::ListStyle::kUpperRomanDot:
      return ToRoman(n + 1, true) + ".";
    case doc::ListStyle::kNone:
      return "";
  }
  return "";
}

absl::StatusOr<std::vector<FlowPtr>> MeasurePaper(const doc::Paper& paper,
                                                  const text::FontSet& fonts,
                                                  const HouseStyle& style,
                                                  const InterruptCheck& interrupt,
                                                  std::vector<LayoutNote>* notes,
                                                  StructTree* structure) {
  PaperBuilder builder(paper, fonts, style, interrupt, notes, structure);
  return builder.Build();
}

}  // namespace pp::layout
