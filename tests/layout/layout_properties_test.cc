// Property tests of the whole layout stage (LayoutPaper): seeded random
// papers (plain loops over seeds, std::mt19937, no extra dependency) with
// sections, paragraphs of random words (some longer than any line), nested
// lists, tables with random spans, widths and long cells, and improvement
// tables. Invariants checked on every PageLayout:
//   * every text item lies inside the page box;
//   * body text lies inside the margins; only the running furniture (at the
//     baselines HouseStyle gives it) lies outside;
//   * no text item is wider than the body;
//   * all input text comes out, in order (see "Character classes");
//   * each page carries exactly its furniture (page number, agenda label,
//     marking); links lie on the page; table cells and boxes in the body;
//   * one bookmark per summary, section and subheading, in order;
//   * the same input gives the same DumpLayout; there is at least one page.
//
// Character classes. To compare input and output text without knowing where
// lines and pages broke, generated text is written in disjoint alphabets of
// Latin Extended-A letters (U+0100..U+017F), which nothing the layout adds
// (labels, dates, "Lead:", page numbers, "(continued)") uses:
//   kBody      everything outside tables, plus table captions;
//   kRepeated  table header rows and improvement group names, which are
//              drawn again on every page a table continues on;
//   kColumn+c  the cells starting in column c of any table.
// Within one class the layout draws text in input order even when a table
// row is split across pages (the cells of a row interleave, a column does
// not), so per class the drawn letters, whitespace ignored, must equal the
// input letters (for kRepeated: contain them in order).
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderers/common/utf8.h"
#include "renderers/doc/document.h"
#include "renderers/layout/compose.h"
#include "renderers/layout/dump.h"
#include "renderers/layout/page_layout.h"
#include "renderers/layout/measure.h"
#include "renderers/layout/style.h"
#include "renderers/layout/table_flow.h"
#include "renderers/layout/text_builder.h"
#include "renderers/text/font_set.h"
#include "tests/testing/builders.h"
#include "tests/testing/fake_fonts.h"
#include "tests/testing/status_matchers.h"

#ifndef PP_TEST_FONTS_DIR
#define PP_TEST_FONTS_DIR ""
#endif

namespace pp::layout {
namespace {

constexpr int kBody = 0;
constexpr int kRepeated = 1;
constexpr int kColumn = 2;  // + column index
constexpr int kMaxColumns = 6;
constexpr int kClasses = kColumn + kMaxColumns;
constexpr char32_t kFirstLetter = 0x100;
constexpr int kLettersPerClass = 16;
constexpr double kEps = 1e-6;

int ClassOf(char32_t cp) {
  if (cp < kFirstLetter || cp >= kFirstLetter + kClasses * kLettersPerClass) return -1;
  return static_cast<int>(cp - kFirstLetter) / kLettersPerClass;
}

std::string Utf8(std::u32string_view s) {
  std::string out;
  for (char32_t cp : s) AppendUtf8(cp, &out);
  return out;
}

// ---- Random papers -------------------------------------------------------------------

// The random source and, per character class, the letters generated so far
// in drawing order. A plain value passed to free functions.
struct Generated {
  explicit Generated(unsigned seed) : rng(seed) {}
  std::mt19937 rng;
  std::array<std::u32string, kClasses> expected;
  doc::Paper paper;
};

int Uniform(Generated& g, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g.rng); }
bool Chance(Generated& g, double p) { return std::bernoulli_distribution(p)(g.rng); }

// A word of class `cls`; now and then (if allowed) one longer than any line.
std::string Word(Generated& g, int cls, bool allow_long) {
  const int len = allow_long && Chance(g, 0.04) ? Uniform(g, 40, 160) : Uniform(g, 1, 10);
  std::string out;
  for (int i = 0; i < len; ++i) {
    if (i > 0 && Chance(g, 0.02)) out += Chance(g, 0.5) ? '-' : '/';
    const char32_t cp = kFirstLetter + static_cast<char32_t>(cls * kLettersPerClass +
                                                            Uniform(g, 0, kLettersPerClass - 1));
    AppendUtf8(cp, &out);
    g.expected[static_cast<size_t>(cls)] += cp;
  }
  return out;
}

struct WordOptions {
  bool allow_long = true;
  bool allow_newline = false;
};

std::string Words(Generated& g, int cls, int lo, int hi, WordOptions o = {}) {
  const int n = Uniform(g, lo, hi);
  std::string out;
  for (int i = 0; i < n; ++i) {
    if (i > 0) {
      const int sep = Uniform(g, 0, 99);
      if (sep < 3) {
        out += "  ";
      } else if (sep < 6) {
        out += " - ";
      } else if (sep < 8) {
        out += " \xE2\x80\x93 ";  // spaced en dash
      } else if (sep < 10 && o.allow_newline) {
        out += "\n";
      } else {
        out += " ";
      }
    }
    out += Word(g, cls, o.allow_long);
  }
  return out;
}

doc::Runs RandomRuns(Generated& g, int cls, int lo, int hi) {
  doc::Runs runs;
  const int n = Uniform(g, 1, 3);
  for (int i = 0; i < n; ++i) {
    doc::Run r;
    r.text = Words(g, cls, std::max(1, lo / n), std::max(1, hi / n), {true, true});
    if (i + 1 < n) r.text += ' ';
    r.bold = Chance(g, 0.2);
    r.italic = Chance(g, 0.2);
    if (Chance(g, 0.1)) r.link = "https://example.org/page";
    runs.push_back(std::move(r));
  }
  return runs;
}

doc::Paragraph RandomParagraph(Generated& g, int cls, int lo, int hi, const std::string& path) {
  doc::Paragraph p;
  p.runs = RandomRuns(g, cls, lo, hi);
  p.unnumbered = Chance(g, 0.2);
  p.path = path;
  return p;
}

doc::ListStyle RandomListStyle(Generated& g) { return static_cast<doc::ListStyle>(Uniform(g, 0, 7)); }

std::vector<doc::ListItem> RandomItems(Generated& g, int depth, const std::string& path) {
  std::vector<doc::ListItem> items;
  const int n = Chance(g, 0.05) ? Uniform(g, 26, 30) : Uniform(g, 1, 5);
  for (int i = 0; i < n; ++i) {
    doc::ListItem item;
    item.path = absl::StrCat(path, ".items[", i, "]");
    item.runs = RandomRuns(g, kBody, 1, 40);
    if (depth < 3 && Chance(g, 0.25)) {
      doc::List sub;
      sub.style = RandomListStyle(g);
      sub.path = item.path + ".sublist";
      sub.items = RandomItems(g, depth + 1, sub.path);
      item.sublists.push_back(std::move(sub));
    }
    items.push_back(std::move(item));
  }
  return items;
}

doc::Table RandomTable(Generated& g, const std::string& path) {
  doc::Table t;
  t.path = path;
  const int columns = Uniform(g, 1, 5);
  for (int c = 0; c < columns; ++c) t.column_widths.push_back(Uniform(g, 2, 8) / 2.0);
  const int rows = Chance(g, 0.1) ? Uniform(g, 20, 40) : Uniform(g, 1, 10);
  t.header_rows = rows > 1 ? Uniform(g, 0, std::min(2, rows - 1)) : 0;
  static constexpr double kSizes[] = {7, 8, 9, 10, 11, 12, 14};
  t.font_size = kSizes[Uniform(g, 0, 6)];
  if (Chance(g, 0.3)) t.caption = Words(g, kBody, 1, 6, {false, false});
  for (int r = 0; r < rows; ++r) {
    const bool header = r < t.header_rows;
    doc::TableRow row;
    row.path = absl::StrCat(path, ".rows[", r, "]");
    int col = 0;
    while (col < columns) {
      doc::TableCell cell;
      cell.path = absl::StrCat(row.path, ".cells[", row.cells.size(), "]");
      cell.column_span = Chance(g, 0.2) ? Uniform(g, 1, columns - col) : 1;
      cell.align = static_cast<doc::Align>(Uniform(g, 0, 2));
      cell.bold = Chance(g, 0.1);
      if (Chance(g, 0.2)) cell.fill = doc::Rgb{0xEE, 0xDD, 0xCC};
      if (header) {
        doc::Paragraph p;
        p.runs.push_back(doc::Run{Words(g, kRepeated, 1, 3, {false, false}), false, false, {}});
        cell.paragraphs.push_back(std::move(p));
      } else {
        const int cls = kColumn + col;
        const bool long_cell = Chance(g, 0.06);
        const int paras = long_cell ? Uniform(g, 1, 3) : Uniform(g, 0, 2);
        for (int i = 0; i < paras; ++i) {
          cell.paragraphs.push_back(long_cell ? RandomParagraph(g, cls, 100, 300, cell.path)
                                              : RandomParagraph(g, cls, 1, 25, cell.path));
        }
      }
      col += cell.column_span;
      row.cells.push_back(std::move(cell));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

doc::ImprovementTable RandomImprovementTable(Generated& g, const std::string& path) {
  doc::ImprovementTable t;
  t.path = path;
  const int groups = Uniform(g, 1, 3);
  for (int gi = 0; gi < groups; ++gi) {
    doc::ImprovementGroup group;
    group.path = absl::StrCat(path, ".groups[", gi, "]");
    group.name = Words(g, kRepeated, 1, 3, {false, false});
    const int areas = Uniform(g, 1, 3);
    for (int ai = 0; ai < areas; ++ai) {
      doc::ImprovementArea a;
      a.path = absl::StrCat(group.path, ".areas[", ai, "]");
      // Decide the shape first: it decides which column each text is in.
      const bool has_lead = Chance(g, 0.7), has_aim = Chance(g, 0.7);
      const bool has_issue = Chance(g, 0.4), has_monitoring = Chance(g, 0.3);
      const int actions = Uniform(g, 0, 3);
      std::vector<bool> action_runs;
      bool full = has_issue || has_monitoring;
      for (int i = 0; i < actions; ++i) {
        action_runs.push_back(Chance(g, 0.4));
        full = full || action_runs.back();
      }
      const int progress = Uniform(g, 0, 3);
      const int c0 = kColumn, c1 = kColumn + 1, c2 = kColumn + 2;

      a.name = Words(g, c0, 1, 5, {false, false});
      a.status = Words(g, c2, 1, 2, {false, false});
      a.status_fill = doc::Rgb{0x00, 0xB0, 0x50};
      if (full) {
        if (has_lead) a.lead = Words(g, c0, 1, 3, {false, false});
        if (has_aim) a.aim = RandomRuns(g, c0, 1, 30);
        if (has_issue) a.main_issue = RandomRuns(g, c0, 1, 40);
        for (int i = 0; i < actions; ++i) {
          doc::ImprovementAction act;
          act.code = Words(g, c0, 1, 1, {false, false});
          if (action_runs[static_cast<size_t>(i)]) act.runs = RandomRuns(g, c0, 1, 30);
          a.actions.push_back(std::move(act));
        }
        const int progress_cls = actions > 0 ? c1 : c0;
        for (int i = 0; i < progress; ++i) {
          a.progress.push_back(RandomParagraph(g, progress_cls, 1, Chance(g, 0.1) ? 300 : 50, a.path));
        }
        if (has_monitoring) a.monitoring = RandomRuns(g, c0, 1, 20);
      } else {
        if (has_lead) a.lead = Words(g, c0, 1, 3, {false, false});
        if (has_aim) a.aim = RandomRuns(g, c0, 1, 30);
        for (int i = 0; i < actions; ++i) {
          doc::ImprovementAction act;
          act.code = Words(g, c1, 1, 1, {false, false});
          a.actions.push_back(std::move(act));
        }
        for (int i = 0; i < progress; ++i) {
          a.progress.push_back(RandomParagraph(g, c1, 1, Chance(g, 0.1) ? 300 : 50, a.path));
        }
      }
      group.areas.push_back(std::move(a));
    }
    t.groups.push_back(std::move(group));
  }
  return t;
}

doc::Block RandomBlock(Generated& g, const std::string& path) {
  const int kind = Uniform(g, 0, 99);
  if (kind < 45) return RandomParagraph(g, kBody, 1, Chance(g, 0.1) ? 300 : 80, path);
  if (kind < 55) {
    doc::Subheading h;
    h.text = Words(g, kBody, 1, 6, {true, false});
    h.italic = Chance(g, 0.3);
    h.path = path;
    return h;
  }
  if (kind < 70) {
    doc::List list;
    list.style = RandomListStyle(g);
    list.path = path;
    list.items = RandomItems(g, 1, path);
    return list;
  }
  if (kind < 85) return RandomTable(g, path);
  if (kind < 92) return RandomImprovementTable(g, path);
  if (kind < 96) {
    doc::ContactDetails cd;
    cd.path = path;
    const int n = Uniform(g, 1, 2);
    for (int i = 0; i < n; ++i) {
      doc::Contact c;
      c.name = Words(g, kBody, 1, 3, {false, false});
      if (Chance(g, 0.5)) c.unit = Words(g, kBody, 1, 3, {false, false});
      if (Chance(g, 0.7)) c.email = "someone@example.org";
      if (Chance(g, 0.5)) c.phone = "020 7000 0000";
      c.path = absl::StrCat(path, ".contacts[", i, "]");
      cd.contacts.push_back(std::move(c));
    }
    return cd;
  }
  doc::Appendices a;
  a.path = path;
  const int n = Uniform(g, 0, 2), m = Uniform(g, 0, 2);
  for (int i = 0; i < n; ++i) {
    a.appendices.push_back({std::string(1, static_cast<char>('A' + i)),
                            Words(g, kBody, 1, 8, {true, false})});
  }
  for (int i = 0; i < m; ++i) {
    a.background_papers.push_back({Words(g, kBody, 1, 8, {true, false}), "https://example.org/bp"});
  }
  return a;
}

Generated RandomPaper(unsigned seed) {
  Generated g(seed);
  doc::Paper& p = g.paper;
  if (Chance(g, 0.5)) {
    const int n = Uniform(g, 1, 2);
    for (int i = 0; i < n; ++i) p.organisation_lines.push_back(Words(g, kBody, 1, 4, {false, false}));
  }
  p.panel_name = Words(g, kBody, 1, 4, {false, false});
  p.meeting_date = doc::Date{Uniform(g, 1990, 2030), Uniform(g, 1, 12), Uniform(g, 1, 28)};
  p.show_weekday = Chance(g, 0.5);
  if (Chance(g, 0.5)) p.agenda_item = "7b";
  p.title = Words(g, kBody, 2, 20, {true, false});
  p.metadata.title = "Random paper";
  if (Chance(g, 0.5)) p.report_by = Words(g, kBody, 1, 4, {false, false});
  if (Chance(g, 0.3)) p.protective_marking = "OFFICIAL-SENSITIVE";
  p.first_page_number = Uniform(g, 1, 50);

  if (Chance(g, 0.6)) {
    doc::ReportSummary s;
    s.path = "paper.summary";
    s.boxed = Chance(g, 0.7);
    const int body = Uniform(g, 0, 2), purpose = Uniform(g, 0, 2);
    for (int i = 0; i < body; ++i) s.body.push_back(RandomParagraph(g, kBody, 1, 60, s.path));
    for (int i = 0; i < purpose; ++i) s.purpose.push_back(RandomParagraph(g, kBody, 1, 60, s.path));
    if (Chance(g, 0.5)) s.key_considerations = RandomItems(g, 2, s.path + ".key_considerations");
    if (Chance(g, 0.3)) s.interdependencies = RandomItems(g, 2, s.path + ".interdependencies");
    if (Chance(g, 0.6)) {
      doc::Recommendations rec;
      rec.path = s.path + ".recommendations";
      if (Chance(g, 0.7)) rec.lead_in = RandomRuns(g, kBody, 1, 20);
      rec.label_style = RandomListStyle(g);
      rec.items = RandomItems(g, 2, rec.path);
      s.recommendations = std::move(rec);
    }
    p.summary = std::move(s);
  }
  const int sections = Uniform(g, 1, 4);
  for (int si = 0; si < sections; ++si) {
    doc::Section s;
    s.path = absl::StrCat("paper.sections[", si, "]");
    s.heading = Words(g, kBody, 1, 8, {true, false});
    s.numbered_paragraphs = Chance(g, 0.6);
    const int blocks = Uniform(g, 1, 8);
    for (int b = 0; b < blocks; ++b) {
      s.blocks.push_back(RandomBlock(g, absl::StrCat(s.path, ".blocks[", b, "]")));
    }
    p.sections.push_back(std::move(s));
  }
  return g;
}

// ---- Invariants ----------------------------------------------------------------------

// The bookmarks a paper should get: "Report Summary", then per section
// "<n>. <heading>" (level 0) and its subheadings (level 1).
std::vector<std::pair<std::string, int>> ExpectedOutline(const doc::Paper& paper) {
  std::vector<std::pair<std::string, int>> out;
  if (paper.summary) out.emplace_back("Report Summary", 0);
  for (size_t i = 0; i < paper.sections.size(); ++i) {
    out.emplace_back(absl::StrCat(i + 1, ". ", paper.sections[i].heading), 0);
    for (const doc::Block& b : paper.sections[i].blocks) {
      if (const auto* h = std::get_if<doc::Subheading>(&b)) out.emplace_back(h->text, 1);
    }
  }
  return out;
}

// "<baseline> <text>" for each furniture item a page should carry.
std::vector<std::string> ExpectedFurniture(const doc::Paper& paper, int page,
                                           const PageLayout& layout, const HouseStyle& s) {
  std::vector<std::string> out;
  out.push_back(absl::StrCat(s.page_number_baseline, " ", paper.first_page_number + page));
  if (!paper.agenda_item.empty()) {
    out.push_back(absl::StrCat(layout.height - s.header_label_baseline, " AGENDA ITEM ",
                               paper.agenda_item));
  }
  if (!paper.protective_marking.empty()) {
    out.push_back(absl::StrCat(layout.height - s.marking_top_baseline, " ",
                               paper.protective_marking));
    out.push_back(absl::StrCat(s.marking_bottom_baseline, " ", paper.protective_marking));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool InBox(double x, double y, double w, double h, double left, double bottom, double right,
           double top, double tolerance) {
  return x >= left - tolerance && x + w <= right + tolerance && y >= bottom - tolerance &&
         y + h <= top + tolerance;
}

bool IsFurniture(const TextItem& t, const PageLayout& layout, const HouseStyle& s) {
  const double baselines[] = {layout.height - s.marking_top_baseline,
                              layout.height - s.header_label_baseline, s.page_number_baseline,
                              s.marking_bottom_baseline};
  for (double b : baselines) {
    if (std::abs(t.y - b) < kEps) return true;
  }
  return false;
}

// Checks every invariant but determinism; `where` names the case.
void ExpectLayoutInvariants(const PageLayout& layout, const Generated& g, const HouseStyle& s,
                            const text::FontSet& fonts, const std::string& where) {
  ASSERT_GT(layout.pages.size(), 0u) << where;
  EXPECT_DOUBLE_EQ(layout.width, s.page_width) << where;
  EXPECT_DOUBLE_EQ(layout.height, s.page_height) << where;
  const double body_left = s.margin_left;
  const double body_right = s.margin_left + s.body_width();
  const double body_top = s.page_height - s.margin_top;
  const double body_bottom = s.margin_bottom;
  std::array<std::u32string, kClasses> drawn;
  int reported = 0;
  for (size_t pi = 0; pi < layout.pages.size(); ++pi) {
    const Page& page = layout.pages[pi];
    std::vector<std::string> furniture_items;
    for (const TextItem& t : page.texts) {
      if (IsFurniture(t, layout, s)) furniture_items.push_back(absl::StrCat(t.y, " ", t.text));
    }
    std::sort(furniture_items.begin(), furniture_items.end());
    EXPECT_EQ(furniture_items, ExpectedFurniture(g.paper, static_cast<int>(pi), layout, s))
        << where << ", page " << pi;
    for (const LinkItem& l : page.links) {
      EXPECT_TRUE(InBox(l.x, l.y, l.w, l.h, 0, 0, layout.width, layout.height, kEps))
          << where << ", page " << pi << ": link " << l.uri << " at (" << l.x << ", " << l.y
          << ") " << l.w << "x" << l.h << " outside the page";
    }
    // Table cells and the summary box stay in the body (rules may overhang
    // by half their width).
    for (const FrameItem& f : page.frames) {
      EXPECT_TRUE(InBox(f.x, f.y, f.w, f.h, body_left, body_bottom, body_right, body_top, 1))
          << where << ", page " << pi << ": frame at (" << f.x << ", " << f.y << ") " << f.w
          << "x" << f.h << " outside the body";
    }
    for (const FillItem& f : page.fills) {
      EXPECT_TRUE(InBox(f.x, f.y, f.w, f.h, body_left, body_bottom, body_right, body_top, 1))
          << where << ", page " << pi << ": fill at (" << f.x << ", " << f.y << ") " << f.w
          << "x" << f.h << " outside the body";
    }
    for (const TextItem& t : page.texts) {
      const std::string item = absl::StrCat(where, ", page ", pi, ": \"", t.text, "\" at (", t.x,
                                            ", ", t.y, ") w=", t.width);
      const bool in_page = t.x >= -kEps && t.x + t.width <= layout.width + kEps && t.y >= 0 &&
                           t.y <= layout.height;
      // Furniture is checked against ExpectedFurniture above.
      const bool furniture = IsFurniture(t, layout, s);
      const bool in_body = furniture || (t.x >= body_left - kEps &&
                                         t.x + t.width <= body_right + kEps &&
                                         t.y >= body_bottom - kEps && t.y <= body_top + kEps);
      const bool narrow = t.width <= s.body_width() + kEps;
      // LAYOUT.md §14: no glyph (ascent to descent) within 10 mm of the
      // sheet's top or bottom edge, furniture included.
      const text::FaceMetrics& m = fonts.face(t.face);
      const bool printable = t.y + m.ascent * t.size / 1000 <= layout.height - 10 * kMm + kEps &&
                             t.y + m.descent * t.size / 1000 >= 10 * kMm - kEps;
      if (!(in_page && in_body && narrow && printable) && ++reported <= 20) {  // keep it short
        EXPECT_TRUE(in_page) << "outside the page box: " << item;
        EXPECT_TRUE(in_body) << "outside the body: " << item;
        EXPECT_TRUE(narrow) << "wider than the body: " << item;
        EXPECT_TRUE(printable) << "within 10 mm of the sheet edge: " << item;
      }
      size_t pos = 0;
      while (pos < t.text.size()) {
        const char32_t cp = DecodeUtf8(t.text, &pos);
        const int cls = ClassOf(cp);
        if (cls >= 0) drawn[static_cast<size_t>(cls)] += cp;
      }
    }
  }
  // Bookmarks: one per summary, section and subheading, in order, each
  // pointing into the body of an existing page, pages never going back.
  const std::vector<std::pair<std::string, int>> outline = ExpectedOutline(g.paper);
  ASSERT_EQ(layout.outline.size(), outline.size()) << where;
  int last_page = 0;
  for (size_t i = 0; i < outline.size(); ++i) {
    const OutlineEntry& e = layout.outline[i];
    EXPECT_EQ(e.title, outline[i].first) << where << ", bookmark " << i;
    EXPECT_EQ(e.level, outline[i].second) << where << ", bookmark " << i;
    EXPECT_GE(e.page, last_page) << where << ", bookmark " << i;
    EXPECT_LT(e.page, static_cast<int>(layout.pages.size())) << where << ", bookmark " << i;
    EXPECT_TRUE(e.y > body_bottom && e.y <= body_top + kEps) << where << ", bookmark " << i;
    last_page = e.page;
  }
  ASSERT_THAT(layout.labels, ::testing::SizeIs(1)) << where;
  EXPECT_EQ(layout.labels[0].first_page, 0) << where;
  EXPECT_EQ(layout.labels[0].start, g.paper.first_page_number) << where;

  for (int c = 0; c < kClasses; ++c) {
    const std::u32string& want = g.expected[static_cast<size_t>(c)];
    const std::u32string& got = drawn[static_cast<size_t>(c)];
    if (c == kRepeated) {
      size_t j = 0;
      for (size_t i = 0; i < got.size() && j < want.size(); ++i) {
        if (got[i] == want[j]) ++j;
      }
      EXPECT_EQ(j, want.size()) << where << ": repeated text (table headers, group names) lost "
                                << "after " << j << " of " << want.size() << " letters";
      continue;
    }
    if (got == want) continue;
    size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i]) ++i;
    ADD_FAILURE() << where << ": text of class " << c << " differs at letter " << i << " of "
                  << want.size() << " (drawn " << got.size() << ")\n  expected: \""
                  << Utf8(std::u32string_view(want).substr(i, 30)) << "\"\n  drawn:    \""
                  << Utf8(std::u32string_view(got).substr(i, 30)) << "\"";
  }
}

void CheckSeeds(const text::FontSet& fonts, int first, int last, const std::string& label) {
  const HouseStyle style;
  LayoutOptions options;
  options.style = style;
  for (int seed = first; seed <= last; ++seed) {
    const Generated g = RandomPaper(static_cast<unsigned>(seed));
    const std::string where = absl::StrCat(label, " seed ", seed);
    absl::StatusOr<PageLayout> a = LayoutPaper(g.paper, fonts, options);
    ASSERT_THAT(a.status(), test::IsOk()) << where;
    ExpectLayoutInvariants(*a, g, style, fonts, where);
    absl::StatusOr<PageLayout> b = LayoutPaper(g.paper, fonts, options);
    ASSERT_THAT(b.status(), test::IsOk()) << where;
    EXPECT_TRUE(DumpLayout(*a) == DumpLayout(*b)) << where << ": layout is not deterministic";
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "stopping at the first failing seed: " << where;
      return;
    }
  }
}

// ---- Tests ---------------------------------------------------------------------------

TEST(LayoutProperties, GeneratorWritesEveryClassItChecks) {
  // Guards the test itself: across the seeds every class gets text.
  std::array<size_t, kClasses> letters{};
  for (int seed = 1; seed <= 200; ++seed) {
    const Generated g = RandomPaper(static_cast<unsigned>(seed));
    for (int c = 0; c < kClasses; ++c) letters[static_cast<size_t>(c)] += g.expected[static_cast<size_t>(c)].size();
  }
  for (int c = 0; c < kColumn + 5; ++c) EXPECT_GT(letters[static_cast<size_t>(c)], 0u) << "class " << c;
}

TEST(LayoutProperties, RandomPapersWithFakeFonts) {
  CheckSeeds(*test::FakeFonts(), 1, 200, "fake fonts");
}

// Column widths come from content: no word that fits its column at the
// widths layout chose is ever broken inside, and when every column's
// minimum fits the body, no word is broken at all.
void ExpectNoFittingWordBroken(const text::FontSet& fonts, int first, int last) {
  const HouseStyle s;
  int tables = 0, broken_cells = 0;
  for (int seed = first; seed <= last; ++seed) {
    const Generated g = RandomPaper(static_cast<unsigned>(seed));
    absl::StatusOr<std::vector<FlowPtr>> flows = MeasurePaper(g.paper, fonts, s);
    ASSERT_THAT(flows.status(), test::IsOk()) << "seed " << seed;
    std::vector<const doc::Table*> docs;
    for (const doc::Section& sec : g.paper.sections) {
      for (const doc::Block& b : sec.blocks) {
        if (const auto* t = std::get_if<doc::Table>(&b)) docs.push_back(t);
      }
    }
    for (const FlowPtr& f : *flows) {
      const auto* tf = dynamic_cast<const TableFlow*>(f.get());
      if (tf == nullptr) continue;
      const doc::Table* t = nullptr;
      for (const doc::Table* d : docs) {
        if (d->path == tf->path) t = d;
      }
      if (t == nullptr) continue;  // an improvement table
      ++tables;
      const TableData& data = tf->data();
      std::vector<double> mins(data.column_x.size() - 1, 0.0);
      bool any_broken = false, spans = false;
      for (size_t r = 0; r < t->rows.size(); ++r) {
        const bool header = r < static_cast<size_t>(t->header_rows);
        const Row& row = header ? data.header[r] : data.rows[r - data.header.size()];
        ASSERT_EQ(row.cells.size(), t->rows[r].cells.size()) << t->rows[r].path;
        for (size_t k = 0; k < row.cells.size(); ++k) {
          const Cell& cell = row.cells[k];
          const doc::TableCell& tc = t->rows[r].cells[k];
          double min = 0;
          for (const doc::Paragraph& p : tc.paragraphs) {
            SpanBuilder sb;
            sb.AddRuns(p.runs, header || tc.bold);
            min = std::max(min, text::MinContentWidth(sb.spans(), fonts, t->font_size));
          }
          spans = spans || cell.span > 1;
          if (cell.span == 1) {
            double& m = mins[static_cast<size_t>(cell.column)];
            m = std::max(m, min + 2 * data.padding_x);
          }
          const double inner = data.column_x[static_cast<size_t>(cell.column + cell.span)] -
                               data.column_x[static_cast<size_t>(cell.column)] -
                               2 * data.padding_x;
          for (const CellLine& l : cell.lines) {
            if (!l.line.broke_word) continue;
            any_broken = true;
            ++broken_cells;
            EXPECT_GT(min, inner + text::kEpsilon)
                << "seed " << seed << ", " << tc.path << ": a word broken although the cell's "
                << "widest word (" << min << " pt) fits its " << inner << " pt";
            break;
          }
        }
      }
      double need = 0;
      for (double m : mins) need += std::max(m, MinColumnWidth(t->font_size, data.padding_x));
      if (!spans && need <= s.body_width()) {
        EXPECT_FALSE(any_broken) << "seed " << seed << ", " << t->path
                                 << ": the columns' minimums fit, yet a word broke";
      }
      if (::testing::Test::HasFailure()) return;
    }
  }
  // Guards the test itself: tables were checked, and some words broke.
  EXPECT_GT(tables, 50);
  EXPECT_GT(broken_cells, 0);
}

TEST(LayoutProperties, NoWordThatFitsItsColumnIsBroken) {
  ExpectNoFittingWordBroken(*test::FakeFonts(), 1, 200);
}

// LAYOUT.md §14: bullets by nesting level "•", "–", a drawn circle, then
// "•" again; the circle sits where a "•" would, left of its item's text.
TEST(LayoutProperties, BulletsByNestingLevel) {
  doc::Paper paper = test::MinimalPaper();
  doc::List top;
  doc::List* list = &top;
  for (int level = 0; level < 4; ++level) {
    doc::ListItem item;
    item.runs = test::Plain(absl::StrCat("level", level));
    item.path = absl::StrCat("list", level);
    list->items.push_back(item);
    if (level < 3) {
      list->items[0].sublists.emplace_back();
      list = &list->items[0].sublists[0];
    }
  }
  paper.sections[0].blocks.push_back(top);
  absl::StatusOr<PageLayout> layout = LayoutPaper(paper, *test::FakeFonts(), {});
  ASSERT_THAT(layout.status(), test::IsOk());
  const Page& page = layout->pages[0];
  std::vector<std::string> labels;
  double level2_x = 0, level2_y = 0;
  for (size_t i = 0; i + 1 < page.texts.size(); ++i) {
    const std::string& next = page.texts[i + 1].text;
    if (next.starts_with("level")) labels.push_back(page.texts[i].text + " " + next);
    if (next == "level2") {
      level2_x = page.texts[i + 1].x;
      level2_y = page.texts[i + 1].y;
    }
  }
  // Level 2 has no text label: the item before it is level 1's text.
  EXPECT_THAT(labels, testing::ElementsAre("\xE2\x80\xA2 level0", "\xE2\x80\x93 level1",
                                           "level1 level2", "\xE2\x80\xA2 level3"));
  ASSERT_THAT(page.circles, testing::SizeIs(1));
  const CircleItem& c = page.circles[0];
  EXPECT_LT(c.cx + c.r, level2_x);
  EXPECT_GT(c.cy, level2_y);  // centred about the x-height, above the baseline
  EXPECT_LT(c.cy, level2_y + 12 * 0.6);
  EXPECT_NE(DumpLayout(*layout).find("circle"), std::string::npos);
}

// A line broken at a space or ended by '\n' keeps a trailing space in the
// text layer (the next line reads as a new word; the lockup "MAYOR OF
// LONDON\nOFFICE ..."); one ended by a soft hyphen or by the paragraph's
// end does not.
TEST(LayoutProperties, SoftLineEndCarriesASpaceInTheTextLayer) {
  doc::Paper paper = test::MinimalPaper();
  std::string text;
  for (int i = 0; i < 60; ++i) absl::StrAppend(&text, "word", i, " ");
  absl::StrAppend(&text, "end\nafter");
  paper.sections[0].blocks.clear();
  paper.sections[0].blocks.push_back(test::Para(text, "p"));
  absl::StatusOr<PageLayout> layout = LayoutPaper(paper, *test::FakeFonts(), {});
  ASSERT_THAT(layout.status(), test::IsOk());
  std::vector<std::string> body;
  for (const TextItem& t : layout->pages[0].texts) {
    if (t.text.starts_with("word") || t.text.starts_with("after")) body.push_back(t.text);
  }
  ASSERT_GE(body.size(), 3u);
  for (size_t i = 0; i + 2 < body.size(); ++i) EXPECT_TRUE(body[i].ends_with(" ")) << body[i];
  EXPECT_TRUE(body[body.size() - 2].ends_with("end ")) << body[body.size() - 2];  // before '\n'
  EXPECT_EQ(body.back(), "after");
}

TEST(LayoutProperties, RandomPapersWithRealFonts) {
  const std::string dir = PP_TEST_FONTS_DIR;
  ASSERT_FALSE(dir.empty()) << "PP_TEST_FONTS_DIR is not set";
  absl::StatusOr<std::shared_ptr<const text::FontSet>> fonts = text::FontSet::Load(dir);
  ASSERT_TRUE(fonts.ok()) << "the bundled fonts must load: " << fonts.status();
  // The generated alphabet must be renderable by the real fonts.
  const Generated probe = RandomPaper(1);
  for (const std::u32string& letters : probe.expected) {
    ASSERT_THAT((*fonts)->CheckText(Utf8(letters)), test::IsOk());
  }
  CheckSeeds(**fonts, 1, 25, "real fonts");
}

}  // namespace
}  // namespace pp::layout
